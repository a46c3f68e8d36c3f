"""The co-op API's shapes: programs (read), their funds, claims (read and create)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from como.campaigns.models import Campaign
from como.workspaces.principal import principal_for_request

from .models import PROGRAM_FIELDS, CoopClaim, CoopProgram


class CoopProgramSerializer(serializers.ModelSerializer[CoopProgram]):
    class Meta:
        model = CoopProgram
        fields = ["id", *PROGRAM_FIELDS]
        read_only_fields = fields


class FundsQuerySerializer(serializers.Serializer[Any]):
    horizon_days = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=365,
        default=14,
        help_text="A claim window closing within this many days counts as expiring.",
    )


class CoopClaimSerializer(serializers.ModelSerializer[CoopClaim]):
    class Meta:
        model = CoopClaim
        fields = [
            "id",
            "program",
            "campaign",
            "status",
            "amount_claimed",
            "amount_reimbursed",
            "invoice_refs",
            "submitted_at",
            "decided_at",
            "note",
            "created_at",
        ]
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.INT)
class _Visible(serializers.PrimaryKeyRelatedField):
    """An id of a row the caller can see; others are reported as not existing."""

    model: Any = None

    def get_queryset(self) -> Any:
        return self.model.objects.visible_to(principal_for_request(self.context["request"]))


class VisibleProgramField(_Visible):
    model = CoopProgram


class VisibleCampaignField(_Visible):
    model = Campaign


class CoopClaimCreateSerializer(serializers.Serializer[Any]):
    program = VisibleProgramField(help_text="The co-op program's id.")
    campaign = VisibleCampaignField(help_text="The campaign that ran under it.")
    invoice_refs = serializers.ListField(
        child=serializers.CharField(max_length=500), max_length=200, required=False, default=list
    )
    amount_claimed = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal(0),
        required=False,
        allow_null=True,
        default=None,
        help_text="Default: the program's rate of the campaign's eligible spend.",
    )
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")

"""The deals API's shapes. :class:`OpportunityInSerializer` is also how a CSV row is judged
(:mod:`.importing`), so both paths give the same field errors."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pycountry
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from como.workspaces.api_base import AwareDateTimeField
from como.workspaces.serializer_fields import JSONField

from .models import CLOSED, Opportunity, OpportunityStatus, OpportunityTransition

#: At most this many opportunities per POST.
MAX_BATCH = 500
#: Clocks differ: an instant this far ahead of ours is still "now".
SKEW = timedelta(minutes=5)
_VIN = re.compile(r"[A-HJ-NPR-Z0-9]{17}")


class ContactRefSerializer(serializers.Serializer):
    email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
    external_id = serializers.CharField(required=False, allow_blank=True, max_length=128)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not (attrs.get("email") or "").strip() and not (attrs.get("external_id") or "").strip():
            raise serializers.ValidationError("Name the contact by email or external_id.")
        return attrs


class AccountRefSerializer(serializers.Serializer):
    external_id = serializers.CharField(required=False, allow_blank=True, max_length=128)
    domain = serializers.CharField(required=False, allow_blank=True, max_length=253)
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not any((attrs.get(name) or "").strip() for name in ("external_id", "domain", "name")):
            raise serializers.ValidationError("Name the account by external_id, domain or name.")
        return attrs


class OpportunityInSerializer(serializers.Serializer):
    """One opportunity as a CRM sends it; the external id makes a re-send an update."""

    external_id = serializers.CharField(max_length=128)
    name = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    contact = ContactRefSerializer(required=False, allow_null=True, default=None)
    account = AccountRefSerializer(required=False, allow_null=True, default=None)
    amount = serializers.DecimalField(
        max_digits=16, decimal_places=2, min_value=0, required=False, allow_null=True, default=None
    )
    currency = serializers.CharField(
        required=False, max_length=3, default="USD", help_text="ISO 4217, e.g. USD, EUR."
    )
    status = serializers.ChoiceField(choices=OpportunityStatus.choices)
    stage = serializers.CharField(
        required=False, allow_blank=True, max_length=100, default="", help_text="The CRM's stage."
    )
    opened_at = AwareDateTimeField(help_text="When the opportunity was created in the CRM.")
    closed_at = AwareDateTimeField(
        required=False, allow_null=True, default=None, help_text="Required when won or lost."
    )
    source = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")  # type: ignore[assignment]
    vin = serializers.CharField(required=False, allow_blank=True, max_length=17, default="")
    attributes = JSONField(required=False, default=dict)

    def validate_external_id(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError("This field may not be blank.")
        return value

    def validate_currency(self, value: str) -> str:
        code = value.strip().upper()
        if pycountry.currencies.get(alpha_3=code) is None:
            raise serializers.ValidationError(f"{value!r} is not an ISO 4217 currency code.")
        return code

    def validate_vin(self, value: str) -> str:
        vin = value.strip().upper()
        if vin and not _VIN.fullmatch(vin):
            raise serializers.ValidationError("A VIN is 17 letters and digits, without I, O, Q.")
        return vin

    def validate_attributes(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise serializers.ValidationError("Give a JSON object.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        if attrs.get("contact") is None and attrs.get("account") is None:
            errors["contact"] = ["Name a contact, an account or both."]
        now = timezone.now() + SKEW
        if attrs["opened_at"] > now:
            errors["opened_at"] = ["Not in the future."]
        closed_at = attrs.get("closed_at")
        if attrs["status"] in CLOSED:
            if closed_at is None:
                errors["closed_at"] = ["A won or lost opportunity needs the instant it closed."]
            elif closed_at > now:
                errors["closed_at"] = ["Not in the future."]
            elif closed_at < attrs["opened_at"]:
                errors["closed_at"] = ["Before opened_at."]
        else:
            # A CRM's close date on an open deal is the date it is expected to close.
            attrs["closed_at"] = None
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


@extend_schema_field(OpportunityInSerializer)
class _Item(serializers.JSONField):
    """An item is judged on its own by the service, so a bad one (null included) rejects only
    itself."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_null=True, **kwargs)


class OpportunityBatchSerializer(serializers.Serializer):
    opportunities = serializers.ListField(child=_Item(), min_length=1, max_length=MAX_BATCH)


class OpportunityResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    external_id = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=["created", "updated", "unchanged", "rejected"])
    id = serializers.IntegerField(allow_null=True)
    errors = serializers.DictField(required=False)  # type: ignore[assignment]


class OpportunityBatchResultSerializer(serializers.Serializer):
    results = OpportunityResultSerializer(many=True)
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rejected = serializers.IntegerField()


class OpportunityTransitionSerializer(serializers.ModelSerializer):
    class Meta:
        model = OpportunityTransition
        fields = [
            "from_status",
            "to_status",
            "from_stage_name",
            "to_stage_name",
            "amount",
            "at",
            "via",
            "actor_kind",
        ]
        read_only_fields = fields


class OpportunitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Opportunity
        fields = [
            "id",
            "external_id",
            "name",
            "contact",
            "account",
            "amount",
            "currency",
            "status",
            "stage_name",
            "opened_at",
            "closed_at",
            "source",
            "vin",
            "attributes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class OpportunityDetailSerializer(OpportunitySerializer):
    transitions = OpportunityTransitionSerializer(many=True, read_only=True)

    class Meta(OpportunitySerializer.Meta):
        fields = [*OpportunitySerializer.Meta.fields, "transitions"]
        read_only_fields = fields

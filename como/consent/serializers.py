"""API shapes of the consent ledger, opt-outs, erasures and the suppression list.

Serializers check types, shapes and the rules a client can fix by changing its request (a grant
names its basis, ``at`` is not in the future); the writes themselves are the services'.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from rest_framework import serializers
from rest_framework.settings import api_settings

from como.workspaces.api_base import AwareDateTimeField

from .models import (
    CHANNEL_CHOICES,
    ConsentAction,
    ConsentRecord,
    Erasure,
    Suppression,
    SuppressionReason,
)
from .services import ALL_CHANNELS
from .state import Basis, Channel

#: How far ahead of the server's clock a client's ``at`` may be (clock skew), not more.
FUTURE_TOLERANCE = timedelta(minutes=5)
#: The source recorded when the client names none.
API_SOURCE = "api"

_CHANNEL_HELP = f"One of: {', '.join(Channel)}."
# The model's own choices, so the schema has one enum per set, shared with the ledger entries.
_CHANNELS = CHANNEL_CHOICES  # named ConsentChannelEnum in the schema (settings)
_BASES = [(b.value, b.value.replace("_", " ")) for b in Basis]  # as ConsentRecord.basis


class ConsentRecordSerializer(serializers.ModelSerializer):
    # Declared: DRF drops allow_blank from generated read-only fields, and a revocation's
    # basis is blank.
    basis = serializers.ChoiceField(choices=_BASES, allow_blank=True, read_only=True)

    class Meta:
        model = ConsentRecord
        fields = [
            "id",
            "channel",
            "action",
            "basis",
            "jurisdiction",
            "source",
            "wording",
            "ip",
            "user_agent",
            "at",
            "expires_at",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = fields


class ConsentStateSerializer(serializers.Serializer):
    """The current consent for one channel: the latest entry, read now."""

    channel = serializers.CharField()
    granted = serializers.BooleanField(help_text="Marketing on this channel is allowed by now.")
    basis = serializers.CharField(allow_blank=True)
    jurisdiction = serializers.CharField(allow_blank=True)
    source = serializers.CharField(allow_blank=True)  # type: ignore[assignment]
    recorded_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    revoked = serializers.BooleanField()
    expired = serializers.BooleanField()
    record_id = serializers.IntegerField(allow_null=True, help_text="null: nothing on record.")


class ContactConsentsSerializer(serializers.Serializer):
    contact = serializers.IntegerField()
    workspace = serializers.CharField(help_text="The workspace's slug.")
    state = serializers.DictField(
        child=ConsentStateSerializer(), help_text="By channel: email, sms, phone, ads."
    )
    suppressed = serializers.ListField(
        child=serializers.CharField(),
        help_text='Channels the contact\'s addresses are suppressed on ("*": all of them).',
    )
    entries = ConsentRecordSerializer(many=True, help_text="The ledger, newest first.")


class ConsentWriteSerializer(serializers.Serializer):
    """One grant or revocation, as the person gave it."""

    channel = serializers.ChoiceField(choices=_CHANNELS, help_text=_CHANNEL_HELP)
    action = serializers.ChoiceField(choices=ConsentAction.choices)
    basis = serializers.ChoiceField(
        choices=_BASES,
        required=False,
        allow_blank=True,
        help_text="Required for a grant; implied bases expire (CASL: purchase 2 years, inquiry "
        "6 months). Not given for a revocation.",
    )
    jurisdiction = serializers.CharField(max_length=10, required=False, allow_blank=True)
    source = serializers.CharField(  # type: ignore[assignment]
        max_length=64, required=False, default=API_SOURCE
    )
    wording = serializers.CharField(
        required=False, allow_blank=True, help_text="The exact text the person was shown."
    )
    ip = serializers.IPAddressField(
        required=False,
        allow_null=True,
        help_text="The person's IP address when they gave it. Omitted: this request's.",
    )
    user_agent = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        help_text="The person's browser. Omitted: this request's User-Agent.",
    )
    at = AwareDateTimeField(required=False, help_text="When they gave it. Omitted: now.")

    def validate_at(self, value: Any) -> Any:
        if value > timezone.now() + FUTURE_TOLERANCE:
            raise serializers.ValidationError("Consent cannot be given in the future.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        basis = attrs.get("basis", "")
        if attrs["action"] == ConsentAction.GRANT and not basis:
            raise serializers.ValidationError({"basis": ["A grant needs its legal basis."]})
        if attrs["action"] == ConsentAction.REVOKE and basis:
            raise serializers.ValidationError({"basis": ["A revocation has no basis."]})
        return attrs


class OptOutSerializer(serializers.Serializer):
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=_CHANNELS),
        required=False,
        allow_empty=False,
        help_text="Omitted: every channel (email, sms, phone, ads).",
    )
    source = serializers.CharField(  # type: ignore[assignment]
        max_length=64, required=False, default=API_SOURCE
    )


class ErasureRequestSerializer(serializers.Serializer):
    """Name the person by exactly one of contact_id, email or phone."""

    contact_id = serializers.IntegerField(required=False, min_value=1)
    email = serializers.CharField(max_length=254, required=False)
    phone = serializers.CharField(max_length=64, required=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        named = [
            key for key in ("contact_id", "email", "phone") if attrs.get(key) not in (None, "")
        ]
        if len(named) != 1:
            raise serializers.ValidationError(
                {
                    api_settings.NON_FIELD_ERRORS_KEY: [
                        "Name the person by exactly one of contact_id, email or phone."
                    ]
                }
            )
        return attrs


class ErasureSerializer(serializers.ModelSerializer):
    workspace = serializers.CharField(source="workspace.slug", read_only=True)
    addresses = serializers.SerializerMethodField(help_text="How many addresses were suppressed.")

    class Meta:
        model = Erasure
        fields = [
            "id",
            "workspace",
            "addresses",
            "digests",
            "actor",
            "source",
            "reason",
            "created_at",
        ]
        read_only_fields = fields

    def get_addresses(self, erasure: Erasure) -> int:
        return len(erasure.digests)


class SuppressionSerializer(serializers.ModelSerializer):
    workspace = serializers.CharField(source="workspace.slug", read_only=True)
    # A plain string in the schema: an enum named "reason" would collide with the handoffs'.
    reason = serializers.CharField(
        read_only=True, help_text=f"Why: {', '.join(SuppressionReason.values)}."
    )
    channel = serializers.CharField(
        read_only=True, help_text=f"{_CHANNEL_HELP} {ALL_CHANNELS!r}: every channel."
    )

    class Meta:
        model = Suppression
        fields = ["id", "workspace", "digest", "channel", "reason", "created_at"]
        read_only_fields = fields

"""The shapes of ``POST /api/v1/compliance/check``: a draft in, the engine's report out."""

from __future__ import annotations

import re
from typing import Any

import phonenumbers
import pycountry
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from como.workspaces.api_base import AwareDateTimeField

from .checks.common import KNOWN_CHANNELS
from .findings import Severity
from .vehicle_serializers import VehicleInSerializer

#: Postgres bigint: an id beyond it is no contact, and must not reach the query.
MAX_ID = 2**63 - 1
MAX_TEXT = 100_000
MAX_FIELDS = 50
#: Items of a field given as a list (Google takes 15 headlines, Meta 5 texts per field).
MAX_LINES = 50
MAX_AUDIENCE = 10_000
MAX_JURISDICTIONS = 20

_JURISDICTION = re.compile(r"^([A-Z]{2})(?:-([A-Z0-9]{1,3}))?$")
_REGION = re.compile(r"^[A-Za-z0-9]{1,3}$")


def _country(value: str) -> str:
    value = value.strip().upper()
    if value and _country_or_none(value) is None:
        raise serializers.ValidationError(f"{value!r} is not an ISO 3166-1 alpha-2 country code.")
    return value


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "maxLength": MAX_TEXT},
            {"type": "array", "items": {"type": "string"}, "maxItems": MAX_LINES},
        ]
    }
)
class TextOrLinesField(serializers.Field):
    """A text, or a list of texts (ad headlines, descriptions)."""

    default_error_messages = {
        "invalid": "Give a text or a list of texts.",
        "long": f"At most {MAX_TEXT} characters.",
        "lines": f"At most {MAX_LINES} texts.",
    }

    def to_internal_value(self, data: Any) -> str | list[str]:
        if isinstance(data, str):
            if len(data) > MAX_TEXT:
                self.fail("long")
            return data
        if not isinstance(data, list) or not all(isinstance(item, str) for item in data):
            self.fail("invalid")
        if len(data) > MAX_LINES:
            self.fail("lines")
        if sum(len(item) for item in data) > MAX_TEXT:
            self.fail("long")
        return list(data)

    def to_representation(self, value: Any) -> Any:
        return value


class RecipientInSerializer(serializers.Serializer[dict[str, Any]]):
    """A contact of the workspace by id (its consent and suppressions are read from the
    ledger), or an address given inline (checked against the suppression list; it has no
    consent on record)."""

    contact_id = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="A contact of the workspace."
    )
    email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
    phone = serializers.CharField(
        required=False, allow_blank=True, max_length=32, help_text="E.164, e.g. +13125550123."
    )
    country = serializers.CharField(
        required=False, allow_blank=True, max_length=2, help_text="ISO 3166-1 alpha-2."
    )
    region = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=3,
        help_text='Subdivision code without the country: "FL", "ON".',
    )
    messages_sent = serializers.IntegerField(
        required=False,
        default=0,
        min_value=0,
        max_value=1_000_000_000,
        help_text="Marketing messages already sent to them on this channel (TCPA: the first "
        "one must name the sender and how to opt out).",
    )

    def validate_phone(self, value: str) -> str:
        value = value.strip()
        if not value:
            return ""
        try:
            number = phonenumbers.parse(value, None)
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_possible_number(number):
            raise serializers.ValidationError("Give the number in E.164, e.g. +13125550123.")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def validate_country(self, value: str) -> str:
        return _country(value)

    def validate_region(self, value: str) -> str:
        value = value.strip()
        if value and not _REGION.match(value):
            raise serializers.ValidationError('Give the subdivision code, e.g. "FL".')
        return value.upper()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        inline = [name for name in ("email", "phone", "country", "region") if attrs.get(name)]
        if attrs.get("contact_id") is not None and inline:
            raise serializers.ValidationError(
                {
                    "contact_id": [
                        f"Give a contact_id or an inline recipient ({', '.join(inline)}), not both."
                    ]
                }
            )
        if attrs.get("contact_id") is None and not inline:
            raise serializers.ValidationError(
                "Give a contact_id, or the recipient's email or phone and country."
            )
        return attrs


def _texts() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(max_length=500, allow_blank=False), max_length=50, default=list
    )


class CoopProgramInSerializer(serializers.Serializer[Any]):
    """A co-op program's rules inline, as the co-op check reads them."""

    key = serializers.SlugField(max_length=64, required=False, default="inline")
    name = serializers.CharField(max_length=200, required=False, default="")
    brands = serializers.ListField(
        child=serializers.CharField(max_length=64), max_length=50, default=list
    )
    eligible_channels = serializers.ListField(
        child=serializers.CharField(max_length=32), max_length=20, default=list
    )
    required_disclaimers = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField(max_length=2000), max_length=20),
        default=dict,
        help_text="Per channel, the texts a creative on it must carry.",
    )
    prohibited_phrases = _texts()
    required_claims = _texts()
    forbidden_claims = _texts()

    def validate_required_disclaimers(self, value: dict[str, list[str]]) -> dict[str, list[str]]:
        if len(value) > 20:
            raise serializers.ValidationError("At most 20 channels.")
        if any(len(channel) > 32 for channel in value):
            raise serializers.ValidationError("Channel names are at most 32 characters.")
        return value


_STRINGS = {"type": "array", "items": {"type": "string", "maxLength": 500}, "maxItems": 50}


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "maxLength": 64, "description": "A program key of the workspace."},
            {
                "type": "object",
                "description": "A co-op program's rules inline.",
                "properties": {
                    "key": {"type": "string", "maxLength": 64},
                    "name": {"type": "string", "maxLength": 200},
                    "brands": _STRINGS,
                    "eligible_channels": _STRINGS,
                    "required_disclaimers": {
                        "type": "object",
                        "additionalProperties": _STRINGS,
                        "description": "Per channel, the texts a creative on it must carry.",
                    },
                    "prohibited_phrases": _STRINGS,
                    "required_claims": _STRINGS,
                    "forbidden_claims": _STRINGS,
                },
            },
        ]
    }
)
class CoopProgramField(serializers.Field):
    """A program key (a slug) or a program inline: ``{"key": …}`` or the inline rules with
    ``"inline": True``."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, str):
            key = data.strip()
            if not key or len(key) > 64 or not key.replace("-", "").replace("_", "").isalnum():
                raise serializers.ValidationError("A program key: letters, digits, - and _.")
            return {"key": key}
        if isinstance(data, dict):
            inline = CoopProgramInSerializer(data=data)
            if not inline.is_valid():
                raise serializers.ValidationError(inline.errors)
            return {"inline": dict(inline.validated_data)}
        raise serializers.ValidationError("A program key, or a program's rules as an object.")

    def to_representation(self, value: Any) -> Any:
        return value


class ComplianceCheckSerializer(serializers.Serializer[dict[str, Any]]):
    channel = serializers.ChoiceField(choices=KNOWN_CHANNELS, help_text="The send channel.")
    kind = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=100,
        help_text='The action kind, e.g. "paid_social_audience_upload".',
    )
    # DRF's metaclass moves declared fields off the class, so this does not shadow
    # Serializer.fields at run time; mypy only sees the class body.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=TextOrLinesField(),
        required=False,
        help_text="The creative as rendered text: subject, body, from, list_unsubscribe, "
        "list_unsubscribe_post for email; body for SMS; headlines, descriptions (a list, or "
        "one per line), final_url, path1, path2 for a responsive search ad; primary_text, "
        "headline, description, link for Meta; commentary, headline, description, "
        "landing_page for LinkedIn.",
    )
    text = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=MAX_TEXT,
        help_text="Shorthand for fields.body.",
    )
    recipient = RecipientInSerializer(required=False)
    audience = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=MAX_AUDIENCE,
        help_text="Contact ids of an audience upload.",
    )
    jurisdictions = serializers.ListField(
        child=serializers.CharField(max_length=6),
        required=False,
        max_length=MAX_JURISDICTIONS,
        help_text='Extra markets to check against: "US", "US-CA", "CA", "DE", "EU". When '
        "neither these nor the recipients name one, the workspace's country.",
    )
    vehicle = VehicleInSerializer(
        required=False,
        help_text="For vehicle creative: the vehicle as data (the vertical's checks read it).",
    )
    vehicle_id = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="Instead of vehicle: an inventory vehicle of the workspace.",
    )
    as_sent = serializers.BooleanField(
        default=True,
        help_text="Lint the draft as its channel will send it (default): the platform's limits "
        "on the copy (not the placement or account), and what the channel adds (email: the "
        "List-Unsubscribe headers and the footer with the postal address and unsubscribe link; "
        "{{ unsubscribe_url }} in the body is that link). false: the fields exactly as given.",
    )
    coop_program = CoopProgramField(
        required=False,
        help_text="An OEM co-op program the creative runs under: a program key of the "
        "workspace, or the program's rules inline. Without it, a vehicle's make picks the "
        "workspace's active programs covering it on this channel.",
    )
    at = AwareDateTimeField(
        required=False, help_text="The instant the draft would be sent (default: now)."
    )

    def validate_fields(self, value: dict[str, str]) -> dict[str, str]:
        if len(value) > MAX_FIELDS:
            raise serializers.ValidationError(f"At most {MAX_FIELDS} fields.")
        if any(len(name) > 100 for name in value):
            raise serializers.ValidationError("Field names are at most 100 characters.")
        return value

    def validate_jurisdictions(self, value: list[str]) -> list[str]:
        codes = []
        for raw in value:
            code = raw.strip().upper()
            match = _JURISDICTION.match(code)
            if match is None or (code != "EU" and _country_or_none(match.group(1)) is None):
                raise serializers.ValidationError(
                    f'{raw!r} is not a jurisdiction: give "EU", a country ("US", "CA") or a '
                    'country and subdivision ("US-CA").'
                )
            codes.append(code)
        return codes

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "vehicle" in attrs and "vehicle_id" in attrs:
            raise serializers.ValidationError(
                {"vehicle_id": ["Give the vehicle inline or its vehicle_id, not both."]}
            )
        fields = dict(attrs.get("fields") or {})
        if "text" in attrs:
            if "body" in fields:
                raise serializers.ValidationError(
                    {"text": ["Give the body in text or in fields.body, not both."]}
                )
            fields["body"] = attrs.pop("text")
        attrs["fields"] = fields
        return attrs


def _country_or_none(code: str) -> Any:
    return pycountry.countries.get(alpha_2=code)


class FindingOutSerializer(serializers.Serializer[dict[str, Any]]):
    rule = serializers.CharField(help_text='"<check>.<rule>", e.g. "tcpa.written_consent".')
    severity = serializers.ChoiceField(
        choices=[s.value for s in Severity],
        help_text="block: nothing may be sent; warn: an approver must acknowledge it; defer: "
        "allowed, from defer_until on.",
    )
    message = serializers.CharField()
    citation = serializers.CharField(help_text="The law or policy cited.")
    fix_hint = serializers.CharField(help_text="How to fix the draft.")
    evidence = serializers.DictField(help_text="What the check saw.")
    defer_until = serializers.DateTimeField(
        required=False, help_text="For defer: the earliest instant it may be sent."
    )


class ComplianceReportSerializer(serializers.Serializer[dict[str, Any]]):
    findings = FindingOutSerializer(many=True)
    blocking = serializers.BooleanField(help_text="Some finding blocks the send.")
    checked = serializers.ListField(
        child=serializers.CharField(), help_text="The keys of the checks that ran."
    )
    defer_until = serializers.DateTimeField(
        allow_null=True, help_text="When every deferral has passed; null when none defers."
    )
    jurisdictions = serializers.ListField(
        child=serializers.CharField(), help_text="The jurisdictions the draft was checked for."
    )

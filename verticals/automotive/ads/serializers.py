"""What the inventory-ads API reads and answers: a vehicle's ads, and a creative preview."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from como.creative import MAX_SOURCE

from .creative import SPECS
from .creative.render import source_errors
from .models import VehicleAd


def channel_kinds() -> dict[str, str]:
    """The creative previewed for a channel: the one that launches its ads, else its piece."""
    found: dict[str, str] = {}
    for spec in sorted(SPECS.all(), key=lambda s: not s.create_kind):
        found.setdefault(spec.channel, spec.key)
    return found


class VehicleAdSerializer(serializers.ModelSerializer[VehicleAd]):
    class Meta:
        model = VehicleAd
        fields = [
            "id",
            "channel",
            "state",
            "external_id",
            "action",
            "changed_at",
            "live_since",
            "error",
        ]
        read_only_fields = fields


class SourceField(serializers.CharField):
    """A template source: text only (DRF's CharField would take ``5`` as ``"5"``)."""

    default_error_messages = {"text": "Must be text."}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("text")
        return str(super().to_internal_value(data))


class PreviewRequestSerializer(serializers.Serializer[Any]):
    # The body's key is "fields", which shadows Serializer.fields for the type checker only
    # (DRF's metaclass takes declared fields out of the class).
    fields = serializers.DictField(  # type: ignore[assignment]
        child=SourceField(allow_blank=True, trim_whitespace=False, max_length=MAX_SOURCE),
        required=False,
        help_text="Unsaved Jinja2 sources by field, rendered over the saved templates; an "
        "empty one reads the default.",
    )

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        # The registry is filled at start-up; its keys are read per request, not at import.
        declared = super().get_fields()
        declared["channel"] = serializers.ChoiceField(
            choices=sorted(channel_kinds()),
            required=False,
            help_text="The channel whose creative to preview.",
        )
        declared["kind"] = serializers.ChoiceField(
            choices=sorted(SPECS.keys()),
            required=False,
            help_text="Or the creative itself (a template kind).",
        )
        return declared

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        channel, kind = attrs.get("channel"), attrs.get("kind")
        if bool(channel) == bool(kind):
            raise serializers.ValidationError(
                {"channel": ["Give a channel or a kind (one of them)."]}
            )
        attrs["kind"] = kind or channel_kinds()[str(channel)]
        errors = source_errors(SPECS.get(attrs["kind"]), attrs.get("fields") or {})
        if errors:
            raise serializers.ValidationError(
                {"fields": {name: [message] for name, message in errors.items()}}
            )
        return attrs


class FindingSerializer(serializers.Serializer[Any]):
    rule = serializers.CharField()
    severity = serializers.CharField()
    message = serializers.CharField()
    citation = serializers.CharField(required=False)
    fix_hint = serializers.CharField(required=False)
    evidence = serializers.DictField(required=False)


class CreativeResultSerializer(serializers.Serializer[Any]):
    """:meth:`.creative.CreativeResult.as_dict` (documentation of the answer)."""

    kind = serializers.CharField()
    channel = serializers.CharField()
    fields = serializers.DictField(  # type: ignore[assignment]
        help_text="Rendered text per field (a list for lines)."
    )
    payload = serializers.DictField(help_text="What the channel adapter would be sent.")
    findings = FindingSerializer(many=True)
    blocked = serializers.BooleanField()

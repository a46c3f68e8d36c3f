"""Serializers of the MQL handoff API and its report."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from como.workspaces.api_base import AwareDateTimeField

from ..models import Handoff, HandoffEscalation, RejectReason
from .selectors import HandoffReport


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField(source="get_full_name")


class HandoffContactSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.CharField()
    name = serializers.SerializerMethodField()
    lifecycle_stage = serializers.CharField()

    def get_name(self, contact: Any) -> str:
        return f"{contact.first_name} {contact.last_name}".strip()


class HandoffEscalationSerializer(serializers.ModelSerializer):
    from_user = PersonSerializer(allow_null=True)
    to_user = PersonSerializer(allow_null=True)

    class Meta:
        model = HandoffEscalation
        fields = ["level", "from_user", "to_user", "at", "why"]


class HandoffSerializer(serializers.ModelSerializer):
    workspace = serializers.CharField(source="workspace.slug", help_text="The workspace's slug.")
    contact = HandoffContactSerializer()
    rep = PersonSerializer(allow_null=True, help_text="Who has the handoff now.")
    territory = serializers.CharField(source="territory.name", allow_null=True, default=None)
    escalations = HandoffEscalationSerializer(many=True)

    class Meta:
        model = Handoff
        fields = [
            "id",
            "workspace",
            "action",
            "contact",
            "rep",
            "route",
            "territory",
            "mql_at",
            "handed_at",
            "sla_due_at",
            "assigned_at",
            "due_at",
            "level",
            "breached_at",
            "first_touch_at",
            "outcome",
            "reason",
            "note",
            "decided_at",
            "escalations",
        ]
        read_only_fields = fields


class HandoffListQuerySerializer(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=["open", "accepted", "rejected"],
        required=False,
        help_text="open: not decided yet; accepted or rejected: sales' verdict.",
    )
    mine = serializers.BooleanField(
        required=False, default=False, help_text="Only handoffs you have now."
    )


class HandoffAcceptSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class HandoffRejectSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=RejectReason.choices)
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text="Free text; required when the reason is `other`.",
    )


class HandoffReportQuerySerializer(serializers.Serializer):
    to = AwareDateTimeField(required=False, help_text="End of the period (exclusive); default now.")
    workspace = serializers.SlugField(
        required=False, help_text="Only this workspace (by slug); default: all yours."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("from"), attrs.get("to")
        if start is not None and end is not None and start >= end:
            raise serializers.ValidationError({"from": ["Must be before `to`."]})
        return attrs


# ``from`` is a Python keyword: declared after the class, first in order.
HandoffReportQuerySerializer._declared_fields = {
    "from": AwareDateTimeField(
        required=False, help_text="Start of the period (inclusive); default 30 days before `to`."
    ),
    **HandoffReportQuerySerializer._declared_fields,
}


class ReasonCountSerializer(serializers.Serializer):
    reason = serializers.CharField()
    count = serializers.IntegerField()


# ``label`` is an attribute of every DRF field: declared after the class.
ReasonCountSerializer._declared_fields = {
    "reason": ReasonCountSerializer._declared_fields["reason"],
    "label": serializers.CharField(),
    "count": ReasonCountSerializer._declared_fields["count"],
}


class HandoffReportSerializer(serializers.Serializer):
    workspace = serializers.CharField(source="workspace.slug")
    handoffs = serializers.IntegerField(help_text="MQLs handed to sales in the period.")
    accepted = serializers.IntegerField()
    rejected = serializers.IntegerField()
    open = serializers.IntegerField()
    conversion_rate = serializers.FloatField(
        allow_null=True, help_text="MQL→SQL: accepted ÷ handoffs (null without handoffs)."
    )
    touched = serializers.IntegerField()
    median_seconds_to_first_touch = serializers.FloatField(allow_null=True)
    sla_met = serializers.IntegerField()
    sla_missed = serializers.IntegerField()
    sla_pending = serializers.IntegerField()
    sla_hit_rate = serializers.FloatField(
        allow_null=True, help_text="met ÷ (met + missed); null when none is judged yet."
    )
    breaches = serializers.IntegerField()
    rejection_reasons = ReasonCountSerializer(many=True)


class HandoffReportsSerializer(serializers.Serializer):
    results = HandoffReportSerializer(many=True, help_text="One report per workspace.")


HandoffReportsSerializer._declared_fields = {
    "from": serializers.DateTimeField(),
    "to": serializers.DateTimeField(),
    **HandoffReportsSerializer._declared_fields,
}


def report_body(start: Any, end: Any, reports: list[HandoffReport]) -> dict[str, Any]:
    return {"from": start, "to": end, "results": reports}

"""API shapes of buying committees, member role overrides and link runs."""

from __future__ import annotations

from rest_framework import serializers

from como.workspaces.api_base import AwareDateTimeField

from ..intent.serializers import AccountIntentSerializer
from .models import AccountLinkRun, CommitteeMember, Level, RoleSource


class CommitteeQuerySerializer(serializers.Serializer):
    at = AwareDateTimeField(
        required=False,
        help_text="The instant engagement is measured at (ISO 8601 with offset); default now.",
    )


class CommitteeRoleSerializer(serializers.Serializer):
    key = serializers.CharField()
    # DRF pops declared fields off the class, so these names do not shadow Field's attributes.
    label = serializers.CharField()  # type: ignore[assignment]
    required = serializers.BooleanField()  # type: ignore[assignment]
    weight = serializers.DecimalField(max_digits=4, decimal_places=2)
    hs_buying_roles = serializers.ListField(child=serializers.CharField())
    members = serializers.ListField(
        child=serializers.IntegerField(), help_text="Contact ids of the members in this role."
    )
    engaged = serializers.ListField(
        child=serializers.IntegerField(), help_text="Those of them engaged at the instant."
    )


class CommitteeMemberViewSerializer(serializers.Serializer):
    contact = serializers.IntegerField(source="contact_id")
    name = serializers.CharField()
    email = serializers.CharField()
    title = serializers.CharField()
    role = serializers.CharField(help_text='A role key; "" for none.')
    role_source = serializers.ChoiceField(choices=RoleSource.choices)
    level = serializers.ChoiceField(choices=Level.choices)
    department = serializers.CharField()
    intent = serializers.FloatField(
        help_text="Intent points earned in the window, decayed to the instant."
    )
    engaged = serializers.BooleanField()


class CoverageSerializer(serializers.Serializer):
    covered = serializers.IntegerField(help_text="Required roles with an engaged member.")
    required = serializers.IntegerField()  # type: ignore[assignment]
    ratio = serializers.DecimalField(
        max_digits=5, decimal_places=4, allow_null=True, help_text="covered ÷ required."
    )


class CommitteeSerializer(serializers.Serializer):
    account = serializers.IntegerField(source="account_id")
    domain = serializers.CharField()
    name = serializers.CharField()
    at = serializers.DateTimeField()
    window_days = serializers.IntegerField()
    min_intent = serializers.FloatField()
    coverage = CoverageSerializer()
    missing_roles = serializers.ListField(
        child=serializers.CharField(),
        help_text="Required roles without an engaged member, in the playbook's order.",
    )
    roles = CommitteeRoleSerializer(many=True)
    members = CommitteeMemberViewSerializer(many=True)
    unassigned = serializers.ListField(
        child=serializers.IntegerField(), help_text="Members whose role is none of the roles."
    )


class MemberRoleInSerializer(serializers.Serializer):
    role = serializers.CharField(
        allow_blank=True,
        allow_null=True,
        max_length=40,
        help_text='A role key; "" for no role on purpose; null to give the role back to the '
        "CRM value and the title.",
    )


class CommitteeMemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = CommitteeMember
        fields = [
            "contact",
            "account",
            "role",
            "role_source",
            "level",
            "department",
            "title",
            "set_by",
            "updated_at",
        ]
        read_only_fields = fields


class AccountLinkRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = AccountLinkRun
        fields = [
            "id",
            "status",
            "total",
            "done",
            "percent",
            "linked",
            "accounts_created",
            "started_at",
            "finished_at",
            "error",
            "created_at",
        ]
        read_only_fields = fields

    percent = serializers.IntegerField(read_only=True)


class FitItemSerializer(serializers.Serializer):
    criterion = serializers.ChoiceField(
        choices=["industry", "employee_band", "country", "technology"]
    )
    value = serializers.CharField(help_text="The account's value that matched the ICP item.")
    points = serializers.FloatField()


class MemberPartSerializer(serializers.Serializer):
    contact = serializers.IntegerField(source="contact_id")
    role = serializers.CharField(help_text='A role key; "" for none.')
    level = serializers.ChoiceField(choices=Level.choices)
    weight = serializers.FloatField(help_text="The level's weight (2.0 for 200 %).")
    intent = serializers.FloatField(help_text="The member's contact intent at `at`.")
    value = serializers.FloatField(help_text="weight * intent: its part of the account intent.")


class AccountScoreSerializer(serializers.Serializer):
    account = serializers.IntegerField()
    at = serializers.DateTimeField()
    score = serializers.FloatField(help_text="fit + members_intent + signals_intent.")
    fit = serializers.FloatField(help_text="The ICP items' points (no decay).")
    intent = serializers.FloatField(help_text="members_intent + signals_intent.")
    members_intent = serializers.FloatField()
    signals_intent = serializers.FloatField()
    stage = serializers.CharField(help_text="The account's stage now.")
    fit_items = FitItemSerializer(many=True)
    members = MemberPartSerializer(many=True)
    signals = AccountIntentSerializer(help_text="The intent signals' part, signal by signal.")

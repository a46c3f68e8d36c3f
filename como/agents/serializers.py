"""API shapes of agent actions (the approval queue) and of the decisions taken on them."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from como.workspaces.serializer_fields import JSONField

from .models import ActionApproval, ActionTransition, AgentAction, PlaybookVersion
from .playbook_versions import version_diff

#: Longest note or reason a decision may carry.
DECISION_TEXT_MAX = 2000


@extend_schema_field(
    {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "rule": {"type": "string", "description": "The check's rule id."},
                "severity": {
                    "type": "string",
                    "description": "block (approval impossible) or warn (needs a note).",
                },
                "message": {"type": "string"},
                "evidence": {"description": "What the check found."},
                "citation": {"type": "string", "description": "The law or policy cited."},
                "fix_hint": {"type": "string", "description": "How to fix the proposal."},
            },
            "additionalProperties": True,
        },
    }
)
class FindingsField(JSONField):
    """The compliance report: a list of findings, as the checks wrote them."""


class ActionApprovalSerializer(serializers.ModelSerializer):
    user: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, help_text="The approver."
    )

    class Meta:
        model = ActionApproval
        fields = ["user", "note", "created_at"]
        read_only_fields = fields


class ActionTransitionSerializer(serializers.ModelSerializer):
    actor: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="Who moved it (null: the system, e.g. the executor or the expiry).",
    )

    class Meta:
        model = ActionTransition
        fields = ["from_status", "to_status", "actor_kind", "actor", "note", "at"]
        read_only_fields = fields


class AgentActionSerializer(serializers.ModelSerializer):
    """An action: what, to what, why, how it looks, what compliance found; its approvals,
    its execution record and its audit trail.

    One shape for the list and the detail, so the queue shows how many approvals an action
    has and why it is where it is."""

    workspace = serializers.CharField(
        source="workspace.slug", read_only=True, help_text="The workspace's slug."
    )
    proposed_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        help_text="Who proposed it: an agent identity or a member.",
    )
    payload = JSONField(read_only=True, help_text="What the executor acts on.")
    findings = FindingsField(read_only=True)
    result = JSONField(
        read_only=True, help_text="What execution returned (external ids, the response)."
    )
    approvals = ActionApprovalSerializer(many=True, read_only=True)
    transitions = ActionTransitionSerializer(
        many=True, read_only=True, help_text="The audit trail, oldest first."
    )

    class Meta:
        model = AgentAction
        fields = [
            "id",
            "workspace",
            "agent",
            "kind",
            "channel",
            "target_type",
            "target_id",
            "status",
            "risk",
            "spend",
            "rationale",
            "preview",
            "findings",
            "payload",
            "idempotency_key",
            "required_approvals",
            "approvals",
            "proposed_by",
            "created_at",
            "updated_at",
            "expires_at",
            "approved_at",
            "claimed_at",
            "next_attempt_at",
            "attempts",
            "finished_at",
            "result",
            "error",
            "transitions",
        ]
        read_only_fields = fields


class ActionApproveSerializer(serializers.Serializer):
    note = serializers.CharField(
        max_length=DECISION_TEXT_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text="Why it may go ahead; required when the action has compliance warnings.",
    )


class ActionRejectSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=DECISION_TEXT_MAX,
        allow_blank=True,  # a blank reason is refused by the service, with its message
        help_text="Why the action is rejected (required).",
    )


class PlaybookVersionSerializer(serializers.ModelSerializer[PlaybookVersion]):
    """A saved state of the playbook, with what changed against the version before."""

    created_by = serializers.SerializerMethodField()
    scoring_model_version = serializers.SerializerMethodField()
    settings = JSONField(read_only=True)
    changes = serializers.SerializerMethodField()

    class Meta:
        model = PlaybookVersion
        fields = [
            "number",
            "created_at",
            "created_by",
            "note",
            "scoring_model_version",
            "settings",
            "changes",
        ]
        read_only_fields = fields

    def get_created_by(self, obj: PlaybookVersion) -> str | None:
        return obj.created_by.get_username() if obj.created_by is not None else None

    def get_scoring_model_version(self, obj: PlaybookVersion) -> int | None:
        return obj.scoring_model.version if obj.scoring_model is not None else None

    @extend_schema_field(
        {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "setting": {"type": "string"},
                    "path": {"type": "string"},
                    "kind": {"type": "string", "enum": ["added", "removed", "changed"]},
                    "before": {},
                    "after": {},
                },
            },
        }
    )
    def get_changes(self, obj: PlaybookVersion) -> list[dict[str, Any]]:
        return [
            {
                "setting": part.setting,
                "path": change.path,
                "kind": change.kind,
                "before": change.before,
                "after": change.after,
            }
            for part in version_diff(obj)
            for change in part.changes
        ]

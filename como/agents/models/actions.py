"""Agent actions: the proposal, its approvals, its audit trail; and the playbook's policy.

An :class:`AgentAction` is what an agent (or a member) proposes; people approve it; then it is
executed exactly once in effect. The row is the outbox (docs/architecture.md, "Exactly once"):
approval commits the status, the execute task is enqueued on commit, and a sweeper finds anything
approved but not run.
Every status change is an :class:`ActionTransition` row, never an edit.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from como.workspaces.scoping import WorkspaceOwned

from .handoff import HandoffRouting


class ActionStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    APPROVED = "approved", "Approved"
    EXECUTING = "executing", "Executing"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    REJECTED = "rejected", "Rejected"
    EXPIRED = "expired", "Expired"
    SUPERSEDED = "superseded", "Superseded"


#: Statuses an action never leaves.
FINAL_STATUSES = frozenset(
    {
        ActionStatus.SUCCEEDED,
        ActionStatus.FAILED,
        ActionStatus.REJECTED,
        ActionStatus.EXPIRED,
        ActionStatus.SUPERSEDED,
    }
)


class Risk(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class ActorKind(models.TextChoices):
    MEMBER = "member", "Member"
    AGENT = "agent", "Agent"
    SYSTEM = "system", "System"


class Playbook(WorkspaceOwned):
    """A workspace's configured policy for its agents (one per workspace).

    Approval policy: kinds in ``auto_approve_kinds`` are approved on proposal (unless a finding
    blocks them); kinds in ``two_approver_kinds``, and any action whose spend exceeds
    ``two_approver_spend_above``, need two different approvers; everything else needs one.
    """

    auto_approve_kinds = ArrayField(
        models.CharField(max_length=64),
        default=list,
        blank=True,
        help_text="Action kinds approved on proposal, e.g. ad_pause, mql_handoff.",
    )
    two_approver_kinds = ArrayField(
        models.CharField(max_length=64),
        default=list,
        blank=True,
        help_text="Action kinds that need two different approvers.",
    )
    two_approver_spend_above = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Actions spending more than this need two approvers (blank: no limit).",
    )
    handoff_sla_minutes = models.PositiveIntegerField(
        default=5, help_text="Minutes sales has to touch an MQL before the handoff escalates."
    )
    agents = models.JSONField(
        default=dict,
        blank=True,
        help_text='Per agent key: {"enabled": true|false}. Agents not listed are enabled.',
    )
    handoff_routing = models.CharField(
        max_length=32,
        blank=True,
        choices=HandoffRouting.choices,
        help_text="Who gets an MQL. Blank: the vertical's default.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace"], name="playbook_one_per_workspace")
        ]

    def __str__(self) -> str:
        return f"playbook of {self.workspace_id}"


class AgentAction(WorkspaceOwned):
    """A proposed action: what, to what, why, how it will look, what compliance found."""

    agent = models.CharField(max_length=64, help_text="Key of the agent that proposed it.")
    kind = models.CharField(max_length=64)
    channel = models.CharField(max_length=32, blank=True)
    target_type = models.CharField(max_length=32, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    rationale = models.TextField(help_text="Why the agent proposes this, for the approver.")
    preview = models.TextField(blank=True, help_text="What will be sent or changed, rendered.")
    findings = models.JSONField(
        default=list, blank=True, help_text="Compliance findings: rule, severity, message, …"
    )
    risk = models.CharField(max_length=10, choices=Risk.choices, default=Risk.LOW)
    spend = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    idempotency_key = models.CharField(
        max_length=200, help_text="Unique per workspace: proposing the same thing twice is one row."
    )
    status = models.CharField(
        max_length=12, choices=ActionStatus.choices, default=ActionStatus.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    required_approvals = models.PositiveSmallIntegerField(default=1)
    approved_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the broker took the pending execute message (a retry's: when it is due). "
        "Blank: none is known to be pending; a claim consumes it.",
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    # What executing this action made, where it is a row of its own: a scoring-model version
    # (the refit's). The link lives here, not on the version, because scoring sits below
    # agents and never imports it; from the version it reads ``version.proposing_action``.
    # One version per action (a unique key), so an executor run twice finds the first one's.
    scoring_model = models.OneToOneField(
        "scoring.ScoringModel",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.RESTRICT,
        related_name="proposing_action",
    )
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "idempotency_key"], name="action_unique_idempotency_key"
            )
        ]
        indexes = [
            models.Index(fields=["workspace", "status", "-created_at"]),
            # The sweeper's scan: approved (or claimed long ago) actions, oldest first.
            models.Index(
                fields=["status", "next_attempt_at"],
                condition=Q(status__in=["approved", "executing"]),
                name="action_sweep",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def blocking_findings(self) -> list[dict[str, object]]:
        return [f for f in self.findings or [] if f.get("severity") == "block"]

    @property
    def warnings(self) -> list[dict[str, object]]:
        return [f for f in self.findings or [] if f.get("severity") == "warn"]


class ActionApproval(models.Model):
    """One person's approval of an action (two-approver kinds need two rows)."""

    action = models.ForeignKey(AgentAction, on_delete=models.CASCADE, related_name="approvals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["action", "user"], name="approval_once_per_user")
        ]

    def __str__(self) -> str:
        return f"approval of action {self.action_id} by user {self.user_id}"


class ActionTransition(WorkspaceOwned):
    """Append-only audit of an action: from, to, when, who or what, and a note."""

    action = models.ForeignKey(AgentAction, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status}"


class Notification(WorkspaceOwned):
    """An in-app message to a member (e.g. "a new MQL is yours")."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    action = models.ForeignKey(
        AgentAction, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=500, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Executing an action twice notifies once: the action id is the idempotency key.
            models.UniqueConstraint(
                fields=["action", "user"],
                condition=Q(action__isnull=False),
                name="notification_once_per_action",
            )
        ]

    def __str__(self) -> str:
        return self.title

"""Agent actions: the proposal, its approvals, its audit trail; and the playbook's policy.

An :class:`AgentAction` is what an agent (or a member) proposes; people approve it; then it is
executed exactly once in effect. The row is the outbox (docs/architecture.md, "Exactly once"):
approval commits the status, the execute task is enqueued on commit, and a sweeper finds anything
approved but not run.
Every status change is an :class:`ActionTransition` row, never an edit.
"""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q

from como.workspaces.scoping import WorkspaceOwned

if TYPE_CHECKING:
    from ..playbook_settings import PlaybookSettings, Source


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


def _setting(name: str) -> property:
    """A playbook setting as an attribute: reads the effective value (the workspace's choice,
    else its vertical's default, else the built-in one); assigning makes it the workspace's
    choice (validated when saved through :func:`como.agents.playbooks.playbook_update`)."""

    def get(playbook: Playbook) -> Any:
        # A copy: mutating a list read here must not change the cached settings.
        return copy.deepcopy(getattr(playbook.effective, name))

    def set_(playbook: Playbook, value: Any) -> None:
        playbook.overrides = {**(playbook.overrides or {}), name: value}

    return property(get, set_, doc=f"The effective ``{name}`` (see como.agents.playbook_settings).")


class Playbook(WorkspaceOwned):
    """A workspace's configured policy for its agents (one per workspace).

    Approval policy: kinds in ``auto_approve_kinds`` are approved on proposal (unless a finding
    blocks them); kinds in ``two_approver_kinds``, and any action whose spend exceeds
    ``two_approver_spend_above``, need two different approvers; everything else needs one.

    Only the settings the workspace chose are stored (``overrides``); the others follow its
    vertical's defaults (:mod:`como.agents.playbook_settings`). Each setting reads as an
    attribute (``playbook.auto_approve_kinds``) with its effective value.
    """

    overrides = models.JSONField(
        default=dict,
        blank=True,
        encoder=DjangoJSONEncoder,
        help_text="The settings this workspace chose; the others come from its vertical.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    auto_approve_kinds = _setting("auto_approve_kinds")
    two_approver_kinds = _setting("two_approver_kinds")
    two_approver_spend_above = _setting("two_approver_spend_above")
    handoff_sla_minutes = _setting("handoff_sla_minutes")
    handoff_routing = _setting("handoff_routing")
    agents = _setting("agents")
    jurisdictions = _setting("jurisdictions")
    quiet_hours = _setting("quiet_hours")
    market_radius_miles = _setting("market_radius_miles")
    inventory_removal_hold_share = _setting("inventory_removal_hold_share")
    channels = _setting("channels")
    frequency_caps = _setting("frequency_caps")
    send_windows = _setting("send_windows")
    sequences_enabled = _setting("sequences_enabled")
    merchandising = _setting("merchandising")
    intent = _setting("intent")
    accounts = _setting("accounts")
    programs = _setting("programs")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace"], name="playbook_one_per_workspace")
        ]

    def __str__(self) -> str:
        return f"{self.workspace.name}'s playbook"

    @property
    def effective(self) -> PlaybookSettings:
        """The settings in effect, cached while the vertical and the overrides stay the same."""
        from ..playbook_settings import effective_settings  # it imports the models

        vertical = self.workspace.vertical
        key = (vertical, json.dumps(self.overrides or {}, sort_keys=True, cls=DjangoJSONEncoder))
        cached = self.__dict__.get("_effective")
        if cached is None or cached[0] != key:
            cached = (key, effective_settings(vertical, self.overrides or {}))
            self.__dict__["_effective"] = cached
        return cached[1]

    @property
    def sources(self) -> dict[str, Source]:
        """Per setting: chosen by the workspace, its vertical's default, or built in."""
        from ..playbook_settings import sources

        return sources(self.workspace.vertical, self.overrides or {})


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


class InboxAction(AgentAction):
    """The approval inbox's page over the same rows (a proxy: an admin page of its own on the
    scoped base, so the tenancy walk covers it like the queue)."""

    class Meta:
        proxy = True
        verbose_name = "approval inbox"
        verbose_name_plural = "approval inbox"


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

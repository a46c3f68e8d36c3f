"""Writes of agent actions: propose, approve, reject, expire, supersede.

Every status change goes through :func:`_transition`, which writes the audit row in the same
transaction. Execution (approved → executing → succeeded | failed) is in
:mod:`como.agents.execution`; what is enqueued for it is enqueued on commit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from como.workspaces.models import Workspace
from como.workspaces.principal import principal_for_user
from como.workspaces.roles import Permission
from como.workspaces.users import User

from .compliance_gate import channel_of, merged_findings, preflight
from .models import (
    FINAL_STATUSES,
    ActionApproval,
    ActionStatus,
    ActionTransition,
    ActorKind,
    AgentAction,
    Playbook,
    Risk,
)
from .selectors import approval_refusals, auto_approves, required_approvals

__all__ = ["required_approvals"]  # re-exported: the policy is read here too

AUTO_APPROVED = "Auto-approved by the playbook's policy."


def playbook_for(workspace: Workspace) -> Playbook:
    """The workspace's playbook, created on first use; a setting the workspace never chose
    reads as its vertical's default (``playbook_for(ws).inventory_removal_hold_share``)."""
    playbook, _ = Playbook.objects.get_or_create(workspace=workspace)
    playbook.workspace = workspace  # its settings read the vertical: no query for it
    return playbook


@dataclass(frozen=True)
class Proposed:
    action: AgentAction
    #: "created", "revised" (a proposal not yet decided was updated) or "unchanged" (the same
    #: idempotency key was already decided: nothing is proposed twice).
    outcome: str


@dataclass(frozen=True)
class ActionDraft:
    """What an agent proposes, before it is a row."""

    agent: str
    kind: str
    idempotency_key: str
    rationale: str
    channel: str = ""
    target_type: str = ""
    target_id: str | int = ""
    payload: Mapping[str, Any] = field(default_factory=dict)
    preview: str = ""
    findings: Sequence[Mapping[str, Any]] = ()
    risk: str = Risk.LOW
    spend: Decimal | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True)
class Coverage:
    """An approval given earlier that covers new actions (each send of an approved sequence
    version): they are approved at once, with the approving action, its approver and the policy
    named in the audit row. The compliance gate still runs right before each one goes out."""

    action: AgentAction
    approver: str
    policy: str

    @property
    def note(self) -> str:
        return (
            f"Covered by the approval of action #{self.action.pk} by {self.approver}; "
            f"policy: {self.policy}."
        )


def _gated_fields(
    workspace: Workspace, draft: ActionDraft, *, report_now: bool = True
) -> dict[str, Any]:
    """The row's fields, with the report the approver reads: the agent's findings and, for a
    channel's action, the compliance engine's on the action as proposed (run again right
    before it is sent). ``report_now`` False: no approver reads it (a covered action), only
    the gate before sending."""
    channel = channel_of(draft.kind, draft.channel)
    payload = dict(draft.payload)
    report = (
        preflight(
            AgentAction(
                workspace=workspace,
                kind=draft.kind,
                channel=channel,
                payload=payload,
                target_type=draft.target_type,
                target_id=str(draft.target_id),
            ),
            at=timezone.now(),
        )
        if report_now
        else None
    )
    return {
        "agent": draft.agent,
        "kind": draft.kind,
        "channel": channel,
        "target_type": draft.target_type,
        "target_id": str(draft.target_id),
        "payload": payload,
        "rationale": draft.rationale,
        "preview": draft.preview,
        "findings": merged_findings(draft.findings, report),
        "risk": draft.risk,
        "spend": draft.spend,
        "expires_at": draft.expires_at,
    }


@transaction.atomic
def actions_propose_new(
    *,
    workspace: Workspace,
    proposer: User,
    drafts: Sequence[ActionDraft],
    playbook: Playbook | None = None,
    covered: Coverage | None = None,
) -> list[AgentAction]:
    """Propose many actions at once, with one INSERT for them and one for their audit rows.

    For keys not proposed before (the caller leaves the known ones out; a key proposed
    concurrently raises IntegrityError). Those the playbook auto-approves, and no finding
    blocks, are approved and enqueued on commit, as :func:`action_propose` does one by one.
    ``playbook``: the workspace's, when the caller has it already. ``covered``: an approval
    that covers them all; they are approved at once whatever the playbook says."""
    if not drafts:
        return []
    playbook = playbook or playbook_for(workspace)
    now = timezone.now()
    rows: list[AgentAction] = []
    for draft in drafts:
        needed = required_approvals(playbook, draft.kind, draft.spend)
        row = AgentAction(
            workspace=workspace,
            idempotency_key=draft.idempotency_key,
            proposed_by=proposer,
            required_approvals=max(1, needed),
            **_gated_fields(workspace, draft, report_now=covered is None),
        )
        if covered is not None or auto_approves(playbook, row):
            row.status, row.approved_at = ActionStatus.APPROVED, now
        rows.append(row)
    actions = AgentAction.objects.bulk_create(rows)
    audit: list[ActionTransition] = []
    for action in actions:
        audit.append(
            ActionTransition(
                workspace=workspace,
                action=action,
                from_status="",
                to_status=ActionStatus.PROPOSED,
                actor_kind=actor_kind(action, proposer),
                actor=proposer,
                note="Proposed.",
                at=now,
            )
        )
        if action.status == ActionStatus.APPROVED:
            audit.append(
                ActionTransition(
                    workspace=workspace,
                    action=action,
                    from_status=ActionStatus.PROPOSED,
                    to_status=ActionStatus.APPROVED,
                    actor_kind=ActorKind.SYSTEM,
                    note=covered.note if covered is not None else AUTO_APPROVED,
                    at=now,
                )
            )
    ActionTransition.objects.bulk_create(audit)
    from .execution import enqueue_execution

    for action in actions:
        if action.status == ActionStatus.APPROVED:
            enqueue_execution(action.pk)
    return actions


@transaction.atomic
def action_propose(*, workspace: Workspace, proposer: User, draft: ActionDraft) -> Proposed:
    """Propose ``draft``, or revise the undecided proposal with the same idempotency key.

    The playbook's policy sets how many approvers it needs; a kind that auto-approves is
    approved at once (and enqueued on commit) unless a finding blocks it."""
    idempotency_key = draft.idempotency_key
    existing = (
        AgentAction.objects.select_for_update()
        .filter(workspace=workspace, idempotency_key=idempotency_key)
        .first()
    )
    if existing is not None and existing.status != ActionStatus.PROPOSED:
        # Decided already: nothing is proposed twice, and no report is worth computing.
        return Proposed(existing, "unchanged")
    fields = _gated_fields(workspace, draft)
    needed = max(1, required_approvals(playbook_for(workspace), draft.kind, draft.spend))
    if existing is None:
        try:
            with transaction.atomic():
                action = AgentAction.objects.create(
                    workspace=workspace,
                    idempotency_key=idempotency_key,
                    proposed_by=proposer,
                    required_approvals=needed,
                    **fields,
                )
        except IntegrityError:
            # A concurrent proposer won the key: theirs is the proposal.
            existing = AgentAction.objects.select_for_update().get(
                workspace=workspace, idempotency_key=idempotency_key
            )
        else:
            _transition(action, ActionStatus.PROPOSED, proposer, note="Proposed.", initial=True)
            _auto_approve(action)
            return Proposed(action, "created")
    if existing.status != ActionStatus.PROPOSED:
        return Proposed(existing, "unchanged")
    for name, value in fields.items():
        setattr(existing, name, value)
    # The revised kind or spend may need more (or fewer) approvers than the first draft.
    existing.required_approvals = needed
    existing.save(update_fields=[*fields, "required_approvals", "updated_at"])
    # An approval was given to what the approver saw; changed content needs theirs again.
    withdrawn, _ = ActionApproval.objects.filter(action=existing).delete()
    note = "Revised by its proposer."
    if withdrawn:
        note += f" {withdrawn} earlier approval(s) no longer count: they approved other content."
    _record(existing, existing.status, proposer, note)
    _auto_approve(existing)
    return Proposed(existing, "revised")


def _auto_approve(action: AgentAction) -> None:
    if auto_approves(playbook_for(action.workspace), action):
        _approved(action, None, AUTO_APPROVED)


@transaction.atomic
def action_approve(*, action: AgentAction, user: User | None, note: str = "") -> AgentAction:
    """Record ``user``'s approval; with enough approvals the action is approved and enqueued.

    Raises the first of :func:`como.agents.selectors.approval_refusals`: PermissionDenied when
    the user may not approve this action at all (not an approver of its workspace, the agent
    identity, or its proposer) and ValidationError when the action cannot be approved as it
    stands (decided already, a blocking finding, a warning without an acknowledging note,
    approved by this user already)."""
    locked = AgentAction.objects.select_for_update().get(pk=action.pk)
    refusals = approval_refusals(action=locked, user=user, note=note)
    if refusals or user is None:  # nobody signed in is always refused
        raise refusals[0].error()
    ActionApproval.objects.create(action=locked, user=user, note=note)
    count = ActionApproval.objects.filter(action=locked).count()
    if count >= locked.required_approvals:
        _approved(locked, user, note or "Approved.")
    else:
        _record(locked, locked.status, user, f"Approval {count} of {locked.required_approvals}.")
    _copy(locked, action)
    return action


@transaction.atomic
def action_reject(*, action: AgentAction, user: User | None, reason: str) -> AgentAction:
    """Reject a proposal, with the reason (required)."""
    if not reason.strip():
        raise ValidationError({"reason": ["Say why the action is rejected."]})
    locked = AgentAction.objects.select_for_update().get(pk=action.pk)
    principal = principal_for_user(user)
    if not principal.can(Permission.APPROVE, locked.workspace_id):
        raise PermissionDenied("You may not reject actions in this workspace.")
    if locked.status != ActionStatus.PROPOSED:
        raise ValidationError(f"This action is {locked.status}, not awaiting approval.")
    _transition(locked, ActionStatus.REJECTED, user, note=reason.strip())
    locked.finished_at = timezone.now()
    locked.save(update_fields=["finished_at", "updated_at"])
    _copy(locked, action)
    return action


@transaction.atomic
def action_supersede(*, action: AgentAction, note: str = "", waiting: bool = False) -> AgentAction:
    """An undecided proposal made obsolete (by a newer one, or by the world changing).
    ``waiting``: also an approved action no worker has claimed yet (what it would act on is
    gone); the row lock holds a concurrent claim back until this commits, and the claim's
    conditional UPDATE then finds it superseded."""
    locked = AgentAction.objects.select_for_update().get(pk=action.pk)
    if locked.status == ActionStatus.PROPOSED or (
        waiting and locked.status == ActionStatus.APPROVED
    ):
        _transition(locked, ActionStatus.SUPERSEDED, None, note=note or "Superseded.")
    _copy(locked, action)
    return action


@transaction.atomic
def action_narrow(
    *,
    action: AgentAction,
    payload: Mapping[str, Any],
    preview: str,
    note: str,
    user: User | None = None,
) -> bool:
    """Replace the payload of a waiting action (proposed, or approved and not yet claimed) by a
    narrower one: items it featured are taken out (a vehicle sold, one the approver dropped).
    Nothing new is added, so approvals given stand. Returns False when the action is no longer
    waiting (claimed, decided): then nothing changes. The audit row says what and who."""
    locked = AgentAction.objects.select_for_update().get(pk=action.pk)
    if locked.status not in (ActionStatus.PROPOSED, ActionStatus.APPROVED):
        _copy(locked, action)
        return False
    locked.payload = dict(payload)
    locked.preview = preview
    locked.save(update_fields=["payload", "preview", "updated_at"])
    _record(locked, locked.status, user, note)
    _copy(locked, action)
    return True


def actions_expire(*, now: datetime | None = None) -> int:
    """Expire proposals whose ``expires_at`` has passed; returns how many."""
    now = now or timezone.now()
    expired = 0
    ids = AgentAction.objects.filter(status=ActionStatus.PROPOSED, expires_at__lte=now).values_list(
        "pk", flat=True
    )
    for pk in list(ids):
        with transaction.atomic():
            locked = AgentAction.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if locked is None or locked.status != ActionStatus.PROPOSED:
                continue
            _transition(locked, ActionStatus.EXPIRED, None, note="Not decided before it expired.")
            expired += 1
    return expired


def _approved(action: AgentAction, user: User | None, note: str) -> None:
    from .execution import enqueue_execution

    action.approved_at = timezone.now()
    action.save(update_fields=["approved_at", "updated_at"])
    _transition(action, ActionStatus.APPROVED, user, note=note)
    enqueue_execution(action.pk)


def _transition(
    action: AgentAction,
    to_status: str,
    user: User | None,
    *,
    note: str = "",
    initial: bool = False,
) -> None:
    """Move the (locked) action to ``to_status`` and write the audit row."""
    if not initial and action.status in FINAL_STATUSES:
        raise ValidationError(f"This action is {action.status} and cannot change.")
    from_status = "" if initial else action.status
    action.status = to_status
    action.save(update_fields=["status", "updated_at"])
    _record(action, to_status, user, note, from_status=from_status)


def _record(
    action: AgentAction,
    to_status: str,
    user: User | None,
    note: str,
    *,
    from_status: str | None = None,
) -> None:
    ActionTransition.objects.create(
        workspace_id=action.workspace_id,
        action=action,
        from_status=action.status if from_status is None else from_status,
        to_status=to_status,
        actor_kind=actor_kind(action, user),
        actor=user,
        note=note,
        at=timezone.now(),
    )


def actor_kind(action: AgentAction, user: User | None) -> str:
    if user is None:
        return ActorKind.SYSTEM
    if action.workspace.agent_user_id == user.pk:
        return ActorKind.AGENT
    return ActorKind.MEMBER


def _copy(source: AgentAction, target: AgentAction) -> None:
    """Refresh the caller's instance with what the locked copy now holds."""
    if source is not target:
        for field in source._meta.concrete_fields:
            setattr(target, field.attname, getattr(source, field.attname))

"""Reads of agent actions: the approval policy, and why a person may not approve an action.

The four-eyes rules live here once. :func:`como.agents.services.action_approve` raises the first
refusal; the admin shows them all before anyone presses a button.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError

from como.workspaces.principal import CallerKind, principal_for_user
from como.workspaces.roles import Permission
from como.workspaces.users import User

from .models import ActionStatus, AgentAction, Playbook


def required_approvals(playbook: Playbook, kind: str, spend: Decimal | None) -> int:
    """0 (auto-approved), 1 or 2 approvers, as the playbook's policy says for this action."""
    limit = playbook.two_approver_spend_above
    if kind in playbook.two_approver_kinds or (
        spend is not None and limit is not None and spend > limit
    ):
        return 2
    if kind in playbook.auto_approve_kinds:
        return 0
    return 1


def auto_approves(playbook: Playbook, action: AgentAction) -> bool:
    """Whether the proposed ``action`` is approved on proposal: its kind needs no approver and
    no finding blocks it."""
    if action.blocking_findings:
        return False
    return required_approvals(playbook, action.kind, action.spend) == 0


@dataclass(frozen=True)
class Refusal:
    """Why a person may not approve an action."""

    message: str
    #: The field of the decision it is about (``note``), or None for the action as a whole.
    field: str | None = None
    #: About who asks (PermissionDenied), not about the action as it stands (ValidationError).
    forbidden: bool = False

    def error(self) -> PermissionDenied | ValidationError:
        if self.forbidden:
            return PermissionDenied(self.message)
        if self.field:
            return ValidationError({self.field: [self.message]})
        return ValidationError(self.message)


def approval_refusals(
    *, action: AgentAction, user: User | None, note: str | None = None
) -> list[Refusal]:
    """Every reason ``user`` may not approve ``action`` now, most fundamental first; empty when
    they may.

    ``note`` is the approval's note; None when it is not written yet (the admin's panel), which
    leaves out the rule that warnings need one. Reads ``action.approvals`` (prefetch them for a
    list). Nobody signed in (None) is refused as a member without the permission is."""
    refusals: list[Refusal] = []
    principal = principal_for_user(user)
    if principal.kind is CallerKind.AGENT or not principal.can(
        Permission.APPROVE, action.workspace_id
    ):
        refusals.append(Refusal("You may not approve actions in this workspace.", forbidden=True))
    if user is None:
        return refusals
    if action.proposed_by_id == user.pk:
        refusals.append(Refusal("The proposer of an action cannot approve it.", forbidden=True))
    if action.status != ActionStatus.PROPOSED:
        refusals.append(Refusal(f"This action is {action.status}, not awaiting approval."))
    if action.blocking_findings:
        refusals.append(
            Refusal(
                "A blocking compliance finding stops this action: revise it and propose it again."
            )
        )
    if note is not None and action.warnings and not note.strip():
        refusals.append(
            Refusal("This action has compliance warnings: say why it may go ahead.", field="note")
        )
    if any(approval.user_id == user.pk for approval in action.approvals.all()):
        refusals.append(
            Refusal("You have approved this action already; it needs another approver.")
        )
    return refusals

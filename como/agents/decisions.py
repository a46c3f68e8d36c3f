"""A person's decision on one action, through the services, as an outcome to show them.

The action's admin page, its bulk decisions and the approval inbox all decide through
:func:`decide`, so each says the same thing about the same refusal: who may decide is checked
by the services (four eyes, blocking findings, a note on warnings, a second approver), and a
refusal is an outcome, not an error page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError

from como.workspaces.users import User

from . import services
from .models import ActionApproval, ActionStatus, AgentAction

Verb = Literal["approve", "reject"]


@dataclass(frozen=True)
class Outcome:
    action_id: int
    ok: bool
    #: The action's status after the decision (unchanged when refused).
    status: str
    message: str
    #: A refusal's messages by field ("note", "reason"), "" for the action as a whole.
    errors: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.action_id,
            "ok": self.ok,
            "status": self.status,
            "message": self.message,
            "errors": self.errors,
        }


def label(action: AgentAction) -> str:
    return f"Action {action.pk} ({action.kind})"


def decide(action: AgentAction, user: User | None, verb: Verb, text: str) -> Outcome:
    """Approve (``text`` is the note) or reject (the reason) through the service."""
    try:
        if verb == "approve":
            services.action_approve(action=action, user=user, note=text)
        else:
            services.action_reject(action=action, user=user, reason=text)
    except PermissionDenied as error:
        return Outcome(
            action.pk,
            False,
            action.status,
            f"{label(action)}: refused: {error}",
            {"": [str(error)]},
        )
    except ValidationError as error:
        errors = (
            {name: list(messages) for name, messages in error.message_dict.items()}
            if hasattr(error, "error_dict")
            else {"": list(error.messages)}
        )
        return Outcome(
            action.pk,
            False,
            action.status,
            f"{label(action)}: refused: {' '.join(error.messages)}",
            errors,
        )
    if verb == "reject":
        return Outcome(action.pk, True, action.status, f"{label(action)}: rejected.")
    if action.status == ActionStatus.APPROVED:
        return Outcome(
            action.pk, True, action.status, f"{label(action)}: approved; it will be executed now."
        )
    given = ActionApproval.objects.filter(action=action).count()
    return Outcome(
        action.pk,
        True,
        action.status,
        f"{label(action)}: your approval is recorded ({given} of {action.required_approvals}); "
        "it needs another approver.",
    )

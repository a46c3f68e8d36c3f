"""The approver's edit of a waiting account play: dropping parts before approving it.

Checked first (:func:`check_parts_drop`: the person may approve in the action's workspace, the
action is an account play still waiting, the parts are its own and at least one stays), then
narrowed through the agents framework (:func:`como.agents.services.action_narrow`), which
writes the audit row: nothing is added, so approvals given stand.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError

from como.agents.models import ActionStatus, AgentAction
from como.agents.services import action_narrow
from como.workspaces.principal import principal_for_user
from como.workspaces.roles import Permission
from como.workspaces.users import User

from .agent import KIND
from .presenter import play_preview


def check_parts_drop(*, action: AgentAction, parts: Sequence[str], user: User | None) -> list[str]:
    """The parts to drop, validated; raises PermissionDenied or ValidationError (by field)."""
    if user is None or not principal_for_user(user).can(Permission.APPROVE, action.workspace_id):
        raise PermissionDenied("You may not change actions in this workspace.")
    if action.kind != KIND:
        raise ValidationError({"action": ["Only an account play has parts to drop."]})
    if action.status not in (ActionStatus.PROPOSED, ActionStatus.APPROVED):
        raise ValidationError({"action": [f"This action is {action.status}, not waiting."]})
    have = list((action.payload or {}).get("parts") or [])
    unknown = sorted(set(parts) - set(have))
    if unknown:
        raise ValidationError({"parts": [f"Not parts of this play: {', '.join(unknown)}."]})
    if not parts:
        raise ValidationError({"parts": ["Name at least one part to drop."]})
    if not set(have) - set(parts):
        raise ValidationError({"parts": ["At least one part stays; reject the play instead."]})
    return sorted(set(parts))


def play_parts_drop(*, action: AgentAction, parts: Sequence[str], user: User | None) -> bool:
    """Drop ``parts`` of a waiting play; False when it stopped waiting meanwhile."""
    dropped = check_parts_drop(action=action, parts=parts, user=user)
    payload: dict[str, Any] = dict(action.payload)
    payload["parts"] = [p for p in payload["parts"] if p not in dropped]
    payload["parts_left_out"] = [
        *(payload.get("parts_left_out") or []),
        *({"part": p, "reason": "dropped by the approver"} for p in dropped),
    ]
    return action_narrow(
        action=action,
        payload=payload,
        preview=play_preview(payload),
        note=f"Part(s) dropped by the approver: {', '.join(dropped)}.",
        user=user,
    )

"""Reactions to account stage moves (for the ABM agent) and to members leaving an account.

A handler registered here (from an ``AppConfig.ready()``) is called with the transitions just
recorded, inside the mover's transaction (the ingest transaction when events made the move), so
what it records commits or rolls back with the move. Like :mod:`como.leads.reactions`: explicit
and typed, a :class:`como.registry.Hooks` (a handler registered twice is called once).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from como.registry import Hooks

if TYPE_CHECKING:
    from como.workspaces.models import Workspace

    from .models import AccountTransition

#: ``handler(workspace, transitions)``: accounts moved between stages; the transitions are the
#: rows just written (with their ids), in the mover's transaction.
AccountStageChangedHandler = Callable[["Workspace", Sequence["AccountTransition"]], None]

ACCOUNT_STAGE_CHANGED: Hooks[AccountStageChangedHandler] = Hooks()


def register_account_stage_changed(
    handler: AccountStageChangedHandler,
) -> AccountStageChangedHandler:
    """Call ``handler`` whenever accounts change stage (idempotent per handler)."""
    return ACCOUNT_STAGE_CHANGED.register(handler)


def account_stage_changed(workspace: Workspace, transitions: Sequence[AccountTransition]) -> None:
    if not transitions:
        return
    for handler in ACCOUNT_STAGE_CHANGED.all():
        handler(workspace, transitions)


#: ``handler(workspace, account_ids)``: committee members left these accounts (a contact moved
#: to another account or to none, or merged away), in the writer's transaction. The account
#: the member joined hears of it through the contacts-changed reaction; the one it left only
#: through this (its score still counted the member).
MembersLeftHandler = Callable[["Workspace", Sequence[int]], None]

MEMBERS_LEFT: Hooks[MembersLeftHandler] = Hooks()


def register_members_left(handler: MembersLeftHandler) -> MembersLeftHandler:
    """Call ``handler`` whenever members leave accounts (idempotent per handler)."""
    return MEMBERS_LEFT.register(handler)


def members_left(workspace: Workspace, account_ids: Sequence[int]) -> None:
    if not account_ids:
        return
    for handler in MEMBERS_LEFT.all():
        handler(workspace, account_ids)

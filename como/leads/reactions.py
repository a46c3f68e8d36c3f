"""Reactions of higher floors to changes of contacts, without leads importing them.

Leads sits below scoring, so it cannot call the scorer. Instead, a higher app registers a
handler here from its ``AppConfig.ready()`` and the leads services call :func:`contacts_changed`
after they change contacts' attributes, inside the same transaction. Explicit and typed: no
Django signals, and the handler list is visible in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from como.workspaces.models import Workspace

    from .models import LifecycleTransition

#: ``handler(workspace, contact_ids)``: the contacts' stored attributes changed.
ContactsChangedHandler = Callable[["Workspace", Sequence[int]], None]

_contact_changed: list[ContactsChangedHandler] = []


def register_contact_changed(handler: ContactsChangedHandler) -> None:
    """Call ``handler`` whenever contacts' attributes change (idempotent per handler)."""
    if handler not in _contact_changed:
        _contact_changed.append(handler)


def contacts_changed(workspace: Workspace, contact_ids: Sequence[int]) -> None:
    """Tell every registered handler that these contacts' attributes changed."""
    ids = sorted(set(contact_ids))
    if not ids:
        return
    for handler in list(_contact_changed):
        handler(workspace, ids)


#: ``handler(workspace, transitions)``: contacts moved between lifecycle stages; the
#: transitions are the rows just recorded (with their ids), in the mover's transaction.
StageChangedHandler = Callable[["Workspace", Sequence["LifecycleTransition"]], None]

_stage_changed: list[StageChangedHandler] = []


def register_stage_changed(handler: StageChangedHandler) -> None:
    """Call ``handler`` whenever contacts change stage (idempotent per handler)."""
    if handler not in _stage_changed:
        _stage_changed.append(handler)


def stage_changed(workspace: Workspace, transitions: Sequence[LifecycleTransition]) -> None:
    """Tell every registered handler about these stage moves (a handler's queries run inside
    the caller's transaction, so what it records commits or rolls back with the move)."""
    if not transitions:
        return
    for handler in list(_stage_changed):
        handler(workspace, transitions)

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

"""Reactions of higher floors to changes of contacts, without leads importing them.

Leads sits below scoring, so it cannot call the scorer. Instead, a higher app registers a
handler here from its ``AppConfig.ready()`` and the leads services call :func:`contacts_changed`
(attributes changed), :func:`contacts_identified` (created with, or given, an email: what they
are known by), :func:`stage_changed` (lifecycle moves), identity resolution calls
:func:`contacts_merged` (anonymous contacts merged away) and the ingest path
:func:`events_ingested` (new events stored), inside the same transaction. Explicit
and typed: no Django signals, and every hook list leads offers is here, in one place
(:class:`como.registry.Hooks`: a handler registered twice is called once).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from como.registry import Hooks

if TYPE_CHECKING:
    from como.workspaces.models import Workspace

    from .models import LifecycleTransition

#: ``handler(workspace, contact_ids)``: the contacts' stored attributes changed.
ContactsChangedHandler = Callable[["Workspace", Sequence[int]], None]

CONTACTS_CHANGED: Hooks[ContactsChangedHandler] = Hooks()


def register_contact_changed(handler: ContactsChangedHandler) -> None:
    """Call ``handler`` whenever contacts' attributes change (idempotent per handler)."""
    CONTACTS_CHANGED.register(handler)


def contacts_changed(workspace: Workspace, contact_ids: Sequence[int]) -> None:
    """Tell every registered handler that these contacts' attributes changed."""
    ids = sorted(set(contact_ids))
    if not ids:
        return
    for handler in CONTACTS_CHANGED.all():
        handler(workspace, ids)


#: ``handler(workspace, contact_ids)``: these contacts were just created, or their email (or
#: external id) was just set or changed. Called in the writer's transaction *before* the
#: contacts are scored, so what a handler derives from the address (the B2B vertical links the
#: contact to its company's account by email domain) is what their score sees. A handler must
#: be set-based (ingest calls it once per batch) and must not call back into the writer.
ContactsIdentifiedHandler = Callable[["Workspace", Sequence[int]], None]

CONTACTS_IDENTIFIED: Hooks[ContactsIdentifiedHandler] = Hooks()


def register_contacts_identified(handler: ContactsIdentifiedHandler) -> ContactsIdentifiedHandler:
    """Call ``handler`` whenever contacts are created or take an email (idempotent)."""
    return CONTACTS_IDENTIFIED.register(handler)


def contacts_identified(workspace: Workspace, contact_ids: Sequence[int]) -> None:
    """Tell every registered handler that these contacts' identifiers are new or changed."""
    ids = sorted(set(contact_ids))
    if not ids:
        return
    for handler in CONTACTS_IDENTIFIED.all():
        handler(workspace, ids)


#: ``handler(workspace, transitions)``: contacts moved between lifecycle stages; the
#: transitions are the rows just recorded (with their ids), in the mover's transaction.
StageChangedHandler = Callable[["Workspace", Sequence["LifecycleTransition"]], None]

STAGE_CHANGED: Hooks[StageChangedHandler] = Hooks()
_stage_changed = STAGE_CHANGED.handlers  # the live list, under the name tests patch


def register_stage_changed(handler: StageChangedHandler) -> None:
    """Call ``handler`` whenever contacts change stage (idempotent per handler)."""
    STAGE_CHANGED.register(handler)


def stage_changed(workspace: Workspace, transitions: Sequence[LifecycleTransition]) -> None:
    """Tell every registered handler about these stage moves (a handler's queries run inside
    the caller's transaction, so what it records commits or rolls back with the move)."""
    if not transitions:
        return
    for handler in STAGE_CHANGED.all():
        handler(workspace, transitions)


#: ``handler(workspace_id, {removed anonymous contact id: id of the contact it merged into})``:
#: called after events and anonymous ids moved and before the anonymous contacts are deleted,
#: inside the same transaction. Higher apps (consent) carry their own rows over.
MergeHandler = Callable[[int, Mapping[int, int]], None]

CONTACTS_MERGED: Hooks[MergeHandler] = Hooks()
_merge_handlers = CONTACTS_MERGED.handlers  # the live list, under the name tests patch


def register_merge_handler(handler: MergeHandler) -> MergeHandler:
    """Call ``handler`` whenever identity resolution merges anonymous contacts away."""
    return CONTACTS_MERGED.register(handler)


def contacts_merged(workspace_id: int, merged: Mapping[int, int]) -> None:
    for handler in CONTACTS_MERGED.all():
        handler(workspace_id, merged)


class IngestedEvent(Protocol):
    """What a reaction reads of an event just stored (the scorer's record has these)."""

    @property
    def type(self) -> str: ...

    @property
    def properties(self) -> Mapping[str, Any]: ...

    @property
    def occurred_at(self) -> datetime: ...


#: ``handler(workspace, {contact id: events just stored})``: called by the ingest path inside
#: its transaction, after the events are stored and scored (sequences enrol on them).
EventsIngestedHandler = Callable[["Workspace", Mapping[int, Sequence[IngestedEvent]]], None]

EVENTS_INGESTED: Hooks[EventsIngestedHandler] = Hooks()


def register_events_ingested(handler: EventsIngestedHandler) -> EventsIngestedHandler:
    """Call ``handler`` whenever new events are stored (idempotent per handler)."""
    return EVENTS_INGESTED.register(handler)


def events_ingested(workspace: Workspace, events: Mapping[int, Sequence[IngestedEvent]]) -> None:
    if not events:
        return
    for handler in EVENTS_INGESTED.all():
        handler(workspace, events)

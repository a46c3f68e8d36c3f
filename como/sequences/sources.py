"""Sources: a vertical's own trigger and context for sequences.

A source answers two questions, each set-based (a few queries for any number of people, never
one per person):

- :meth:`Source.due` — who should enter now (``Trigger(on="source", source=key, crontab=…)``:
  on its crontab the sequence's approved version enrols every :class:`Entry`, the
  one-active-membership rule and the sequence's re-entry setting holding as for any trigger);
- :meth:`Source.context` — extra plain-data template context per member for their sends (the
  vehicle, what service is due), put in each send's payload as ``"context"`` and merged into
  the channel's template context by :func:`como.channels.personalization.message_context`
  (it cannot replace ``contact``, ``sender`` or the unsubscribe link).

Registry contract (:data:`SOURCES`, a :class:`como.registry.Registry`): a vertical registers its
sources in its ``AppConfig.ready()`` list with :func:`register`, under the source's ``key``
(``"<vertical>.<name>"``); :func:`source_for` raises ``NotRegistered`` for an unknown key and
:func:`find` answers None. Tests swap sources in with ``SOURCES.override(...)``, which restores
the registry exactly as it was (the test-only reset).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from como.registry import Registry

if TYPE_CHECKING:
    from como.workspaces.models import Workspace


@dataclass(frozen=True)
class Entry:
    """One person who should enter now, and what the membership is about (plain JSON data,
    stored on the member as ``subject``, e.g. ``{"vin": "…"}``)."""

    contact_id: int
    subject: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MemberRef:
    """A member whose sends need context: its id (negative for a preview's sample), its
    contact and its subject."""

    id: int
    contact_id: int
    subject: dict[str, Any] = field(default_factory=dict)


class Source(Protocol):
    key: str
    label: str

    def due(self, workspace: Workspace, now: datetime) -> Iterable[Entry]:
        """Who should enter now: set-based queries, never one query per person."""
        ...

    def context(
        self, workspace: Workspace, members: Sequence[MemberRef], now: datetime
    ) -> dict[int, dict[str, Any]]:
        """Member id -> extra template context (plain data) for that member's sends, read in
        a few queries for the whole batch. A member missing from the answer gets none."""
        ...


SOURCES: Registry[Source] = Registry("sequence source")


def register(source: Source) -> Source:
    return SOURCES.register(source.key, source)


def source_for(key: str) -> Source:
    return SOURCES.get(key)


def find(key: str) -> Source | None:
    return SOURCES.find(key)


def context_for(
    key: str | None, workspace: Workspace, members: Sequence[MemberRef], now: datetime
) -> dict[int, dict[str, Any]]:
    """The source's context for ``members``; none without a source or a member (a source no
    longer installed gives none: its sends render without the extra data)."""
    source = find(key) if key else None
    if source is None or not members:
        return {}
    return source.context(workspace, members, now)

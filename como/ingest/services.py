"""The ingest write path: validate, resolve identities, store, react.

Designed for ≥ 20,000 events/s in batches of 1,000 (docs/architecture.md, "Hot paths"): events
are validated with pydantic, people are resolved set-based (:mod:`como.leads.identity`), rows
are stored by one binary psycopg ``COPY`` into the partitioned table; each id is first claimed
in :class:`~como.leads.models.EventKey` (the idempotency key across months, and the only one:
the events table has no unique key on the sender's id). Nothing runs a query per event.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Literal

import psycopg
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from psycopg import sql

from como.leads.identity import RETRYABLE_ERRORS, PersonRef, Resolution, contacts_resolve
from como.leads.models import Contact, Event, EventKey
from como.leads.reactions import contacts_identified, events_ingested
from como.rawsql import raw_cursor
from como.scoring.score_state import contacts_score_events
from como.scoring.snapshots import EventRecord
from como.workspaces.models import Workspace
from como.workspaces.services import workspace_writers_hold

from .fastvalidate import events_validate_encoded
from .schema import UTM_PARTS, EventIn, encode_properties
from .statistics import statistics_refresh_on_commit

logger = logging.getLogger(__name__)

#: A concurrent batch that invalidates identity resolution is rare; a few tries settle it.
MAX_ATTEMPTS = 5
_SOURCE_MAX = Event._meta.get_field("source").max_length or 0
_ID_MAX = Event._meta.get_field("event_id").max_length or 0
_EVENT = sql.Identifier(Event._meta.db_table)
_CONTACT = sql.Identifier(Contact._meta.db_table)
_KEY = sql.Identifier(EventKey._meta.db_table)
_UTM_COLUMNS = [f"utm_{part}" for part in UTM_PARTS]


# One per event of a batch: not frozen, whose __init__ sets each field via object.__setattr__.
@dataclass(slots=True)
class EventResult:
    index: int
    id: str | None
    status: Literal["created", "duplicate", "rejected"]
    errors: dict[str, list[str]] | None = None


def events_ingest(
    *,
    workspace: Workspace,
    events: Sequence[Any],
    source: str = "api",
    received_at: datetime | None = None,
) -> list[EventResult]:
    """Store a batch of events; one result per input item, in input order.

    Each item is validated on its own: valid events are stored even when others are rejected.
    An event whose ``id`` the workspace already holds, or that repeats an earlier item of the
    same batch, is a ``duplicate`` and is not stored again (the first occurrence wins).
    Contacts' first/last-seen times are written with their score state, in this transaction
    (:mod:`como.scoring.score_state`).
    """
    if len(source) > _SOURCE_MAX:
        raise ValueError(f"source must be at most {_SOURCE_MAX} characters")
    received_at = received_at or timezone.now()
    results: list[EventResult | None] = [None] * len(events)
    accepted: list[tuple[int, EventIn]] = []
    # The properties' JSON the validator made, by id of an accepted event: the COPY's bytes.
    properties_json: dict[str, bytes] = {}
    seen: set[str] = set()
    validated, encoded = events_validate_encoded(list(events), now=received_at)
    for index, (item, (event, errors), properties) in enumerate(
        zip(events, validated, encoded, strict=True)
    ):
        if event is None:
            results[index] = EventResult(index, _echo_id(item), "rejected", errors)
        elif event["id"] in seen:
            results[index] = EventResult(index, event["id"], "duplicate")
        else:
            seen.add(event["id"])
            accepted.append((index, event))
            if properties is not None:
                properties_json[event["id"]] = properties
    if accepted:
        created = _store(
            workspace=workspace,
            events=accepted,
            properties_json=properties_json,
            source=source,
            received_at=received_at,
        )
        for index, event in accepted:
            status: Literal["created", "duplicate"] = (
                "created" if event["id"] in created else "duplicate"
            )
            results[index] = EventResult(index, event["id"], status)
    return [result for result in results if result is not None]


def _echo_id(item: Any) -> str | None:
    """The id of a rejected item, when it is one we can safely echo back."""
    if isinstance(item, dict):
        value = item.get("id")
        if isinstance(value, str) and 0 < len(value) <= _ID_MAX:
            return value
    return None


def _store(
    *,
    workspace: Workspace,
    events: list[tuple[int, EventIn]],
    properties_json: Mapping[str, bytes],
    source: str,
    received_at: datetime,
) -> set[str]:
    """Insert the events that are new, and re-score their contacts in the same transaction
    (set-based, :func:`como.scoring.score_state.contacts_score_events`); return the ids
    inserted."""
    workspace_id = workspace.pk
    with transaction.atomic():
        with raw_cursor() as cursor:
            # The events table has no foreign keys (their per-row checks cost more than the
            # insert): this holds off the workspace's deletion instead, as identity resolution
            # holds the contacts the events point at (FOR KEY SHARE).
            if not workspace_writers_hold(cursor, workspace_id):
                raise Workspace.DoesNotExist("the workspace was deleted")
            # Once this batch has committed: the planner's figures, if ingest outgrew them.
            statistics_refresh_on_commit()
            claimed = _claim_ids(cursor, workspace_id, [event for _, event in events])
            fresh = [event for _, event in events if event["id"] in claimed]
            if not fresh:
                return set()
            attempt = 1
            while True:
                try:
                    # A savepoint, so a stale identity plan is undone and made again.
                    with transaction.atomic():
                        resolution = contacts_resolve(
                            workspace_id=workspace_id, refs=[_person(e) for e in fresh]
                        )
                        created = _insert(
                            cursor,
                            workspace_id=workspace_id,
                            events=fresh,
                            properties_json=properties_json,
                            contact_ids=resolution.contact_ids,
                            source=source,
                            received_at=received_at,
                        )
                    break
                except RETRYABLE_ERRORS as error:
                    if attempt == MAX_ATTEMPTS:
                        raise
                    attempt += 1
                    logger.info("ingest: identity plan went stale (%s), retrying", error)
        new_events = _created_by_contact(resolution, created, fresh, source)
        # New people and people who just gave their address: a vertical may derive something
        # from it (B2B: the account of their email domain) before they are scored below.
        contacts_identified(workspace, [*resolution.created, *resolution.changed])
        # Merge survivors took other contacts' events, and contacts that took an email or an
        # external id may now match other fit rules (contact.email_domain): both are scored
        # from their history, never from the stored state.
        full = {*resolution.merged.values(), *resolution.changed}
        if new_events or full:
            # Scores move with the events: stored state and MQL moves commit with them.
            contacts_score_events(workspace=workspace, new_events=new_events, full=full)
        # Sequences enrol on them, in this transaction (a leads reaction: ingest knows none).
        events_ingested(workspace, new_events)
    return set(created)


def _claim_ids(cursor: psycopg.Cursor[Any], workspace_id: int, events: list[EventIn]) -> set[str]:
    """Claim the batch's ids in :class:`~como.leads.models.EventKey`; the ones that were new.

    Before identity resolution, so a re-posted batch neither creates nor changes contacts.
    The events table is partitioned by month, so a unique key there would have to hold
    ``occurred_at``; the key table's does not, so an id re-sent with another instant is a
    duplicate, and a concurrent
    batch claiming the same id waits for this transaction, then finds it taken (or claims it,
    if this one rolled back). Ids go in sorted order, so two batches claiming overlapping ids
    wait for one another in one direction only, never in a cycle.

    The common batch is all new ids: a plain ``INSERT`` claims them, in a savepoint. Its unique
    index checks each id as ``ON CONFLICT`` would (waiting for a concurrent claimer the same
    way), without the speculative insertion's extra index probe and confirmation record per
    row. Any id already taken fails it; then the savepoint goes and ``ON CONFLICT DO NOTHING``
    claims what is free.
    """
    ordered = sorted(events, key=lambda event: event["id"])
    ids = [event["id"] for event in ordered]
    params = [workspace_id, ids, [event["occurred_at"] for event in ordered]]
    try:
        with transaction.atomic():
            cursor.execute(_CLAIM_ALL, params)
    except psycopg.errors.UniqueViolation:
        cursor.execute(_CLAIM_FREE, params)
        return {event_id for (event_id,) in cursor.fetchall()}
    return set(ids)


_CLAIM_ALL = sql.SQL("""
INSERT INTO {key} (workspace_id, event_id, occurred_at)
SELECT %b, u.event_id, u.occurred_at
FROM unnest(%b::text[], %b::timestamptz[]) WITH ORDINALITY AS u(event_id, occurred_at, n)
ORDER BY u.n
""").format(key=_KEY)
_CLAIM_FREE = sql.SQL("""
INSERT INTO {key} (workspace_id, event_id, occurred_at)
SELECT %b, u.event_id, u.occurred_at
FROM unnest(%b::text[], %b::timestamptz[]) WITH ORDINALITY AS u(event_id, occurred_at, n)
ORDER BY u.n
ON CONFLICT DO NOTHING
RETURNING event_id
""").format(key=_KEY)


def _person(event: EventIn) -> PersonRef:
    contact = event["contact"]
    return PersonRef(
        email=contact.get("email") or "",
        external_id=contact.get("external_id") or "",
        anonymous_id=contact.get("anonymous_id") or "",
    )


def _insert(
    cursor: psycopg.Cursor[Any],
    *,
    workspace_id: int,
    events: list[EventIn],
    properties_json: Mapping[str, bytes],
    contact_ids: list[int],
    source: str,
    received_at: datetime,
) -> list[str]:
    """COPY the events straight into the partitioned table, which routes each row to its
    month. Every id was claimed in leads_eventkey by this transaction, so every row is new:
    no key to check, nothing to read back. A failed attempt's rows go with its savepoint.
    ``properties_json`` holds the properties the validator already encoded, by event id;
    the others are encoded here, the same function on the same value."""
    with cursor.copy(_copy_events()) as copy:
        # Binary: psycopg's C dumpers write the timestamps and numbers as they are, where the
        # text format spent its time formatting each instant (and PostgreSQL parsing it back).
        # A jsonb value in binary is a version byte and the JSON text, encoded once here.
        copy.set_types(_COPY_TYPES)
        for event, contact_id in zip(events, contact_ids, strict=True):
            utm = event.get("utm") or {}
            copy.write_row(
                (
                    workspace_id,
                    event["id"],
                    contact_id,
                    event["type"],
                    _JSONB_V1
                    + (
                        properties_json.get(event["id"])
                        or encode_properties(event.get("properties") or {})
                    ),
                    event["occurred_at"],
                    received_at,
                    source,
                    utm.get("source") or "",
                    utm.get("medium") or "",
                    utm.get("campaign") or "",
                    utm.get("term") or "",
                    utm.get("content") or "",
                )
            )
    return [event["id"] for event in events]


#: The columns ingest writes, in ``_insert``'s order; ``id`` is the table's identity.
_COPY_COLUMNS = [
    "workspace_id",
    "event_id",
    "contact_id",
    "type",
    "properties",
    "occurred_at",
    "received_at",
    "source",
    *_UTM_COLUMNS,
]
#: ``bytea`` for properties: the bytes go as they are, and jsonb's binary input reads them.
_COPY_TYPES = ["int8", "text", "int8", "text", "bytea", "timestamptz", "timestamptz", "text"]
_COPY_TYPES += ["text"] * len(UTM_PARTS)
_JSONB_V1 = b"\x01"


@cache
def _copy_events() -> sql.Composed:
    # A field added to Event without a value here would take no default from a COPY (Django
    # keeps defaults in Python): refuse to store events until ingest writes it.
    written = {"id", *(c.removesuffix("_id") for c in _COPY_COLUMNS), "contact", "workspace"}
    missing = sorted(
        f.name for f in Event._meta.concrete_fields if f.name not in written | {"event_id"}
    )
    if missing:
        raise ImproperlyConfigured(f"ingest writes no value for Event fields {missing}")
    return sql.SQL("COPY {event} ({columns}) FROM STDIN (FORMAT BINARY)").format(
        event=_EVENT, columns=_identifiers(_COPY_COLUMNS)
    )


def _identifiers(names: Sequence[str]) -> sql.Composable:
    return sql.SQL(", ").join(map(sql.Identifier, names))


def _created_by_contact(
    resolution: Resolution, created: list[str], events: list[EventIn], source: str
) -> dict[int, list[EventRecord]]:
    """The events just stored, as the scorer takes them, by contact."""
    created_ids = set(created)
    out: dict[int, list[EventRecord]] = {}
    for event, contact_id in zip(events, resolution.contact_ids, strict=True):
        if event["id"] in created_ids:
            out.setdefault(contact_id, []).append(
                EventRecord(
                    event["id"], event["type"], event.get("properties") or {}, event["occurred_at"]
                )
            )
    return out

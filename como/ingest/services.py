"""The ingest write path: validate, resolve identities, store, react.

Designed for ≥ 20,000 events/s in batches of 1,000 (docs/architecture.md, "Hot paths"): events are
validated with pydantic, people are resolved set-based (:mod:`como.leads.identity`), rows are
staged with one psycopg ``COPY`` into a session temp table and stored by one
``INSERT … SELECT``; each id is first claimed in :class:`~como.leads.models.EventKey` (the
idempotency key across months, and the only one: the events table has no unique key on the
sender's id). Nothing runs a query per event.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Literal

import psycopg
from django.db import connection, transaction
from django.utils import timezone
from psycopg import sql

from como.leads.identity import RETRYABLE_ERRORS, PersonRef, Resolution, contacts_resolve
from como.leads.models import Contact, Event, EventKey
from como.leads.reactions import contacts_identified, events_ingested
from como.rawsql import column_defaults, raw_cursor
from como.scoring.score_state import contacts_score_events
from como.scoring.snapshots import EventRecord
from como.workspaces.models import Workspace
from como.workspaces.services import workspace_writers_hold

from .fastvalidate import events_validate
from .schema import UTM_PARTS, EventIn, encode_properties

logger = logging.getLogger(__name__)

#: A concurrent batch that invalidates identity resolution is rare; a few tries settle it.
MAX_ATTEMPTS = 5
_SOURCE_MAX = Event._meta.get_field("source").max_length or 0
_ID_MAX = Event._meta.get_field("event_id").max_length or 0
_EVENT = sql.Identifier(Event._meta.db_table)
_CONTACT = sql.Identifier(Contact._meta.db_table)
_KEY = sql.Identifier(EventKey._meta.db_table)
_STAGE = sql.Identifier("como_ingest_stage_v2")  # bump the suffix when the columns change
_UTM_COLUMNS = [f"utm_{part}" for part in UTM_PARTS]
_STAGE_COLUMNS = ["ord", "event_id", "contact_id", "type", "properties", "occurred_at"]
_STAGE_TYPES = ["int4", "text", "int8", "text", "text", "timestamptz", *["text"] * len(UTM_PARTS)]


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
    seen: set[str] = set()
    for index, (item, (event, errors)) in enumerate(
        zip(events, events_validate(list(events), now=received_at), strict=True)
    ):
        if event is None:
            results[index] = EventResult(index, _echo_id(item), "rejected", errors)
        elif event["id"] in seen:
            results[index] = EventResult(index, event["id"], "duplicate")
        else:
            seen.add(event["id"])
            accepted.append((index, event))
    if accepted:
        created = _store(
            workspace=workspace, events=accepted, source=source, received_at=received_at
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
    source: str,
    received_at: datetime,
) -> set[str]:
    """Insert the events that are new, and re-score their contacts in the same transaction
    (set-based, :func:`como.scoring.score_state.contacts_score_events`); return the ids
    inserted."""
    workspace_id = workspace.pk
    # Inside a caller's transaction the stage may still hold an earlier batch's rows.
    nested = connection.in_atomic_block
    with transaction.atomic():
        with raw_cursor() as cursor:
            pg = cursor.connection
            # The events table has no foreign keys (their per-row checks cost more than the
            # insert): this holds off the workspace's deletion instead, as identity resolution
            # holds the contacts the events point at (FOR KEY SHARE).
            if not workspace_writers_hold(cursor, workspace_id):
                raise Workspace.DoesNotExist("the workspace was deleted")
            claimed = _claim_ids(cursor, workspace_id, [event for _, event in events])
            fresh = [event for _, event in events if event["id"] in claimed]
            if not fresh:
                return set()
            _ensure_stage(cursor, pg)
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
                            empty_stage=nested,
                            workspace_id=workspace_id,
                            events=fresh,
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
    """
    ordered = sorted(events, key=lambda event: event["id"])
    cursor.execute(
        sql.SQL("""
        INSERT INTO {key} (workspace_id, event_id, occurred_at)
        SELECT %b, u.event_id, u.occurred_at
        FROM unnest(%b::text[], %b::timestamptz[]) WITH ORDINALITY AS u(event_id, occurred_at, n)
        ORDER BY u.n
        ON CONFLICT DO NOTHING
        RETURNING event_id
        """).format(key=_KEY),
        [
            workspace_id,
            [event["id"] for event in ordered],
            [event["occurred_at"] for event in ordered],
        ],
    )
    return {event_id for (event_id,) in cursor.fetchall()}


def _person(event: EventIn) -> PersonRef:
    contact = event["contact"]
    return PersonRef(
        email=contact.get("email") or "",
        external_id=contact.get("external_id") or "",
        anonymous_id=contact.get("anonymous_id") or "",
    )


#: psycopg connections whose session already has the stage table (a committed CREATE).
_staged: weakref.WeakSet[psycopg.Connection[Any]] = weakref.WeakSet()


def _ensure_stage(cursor: psycopg.Cursor[Any], pg: psycopg.Connection[Any]) -> None:
    # One temp table per database session, reused by every batch: creating one per batch
    # would churn the system catalogs, and asking each time costs a round trip. It is only
    # remembered once the creating transaction commits (a rollback would take it away).
    if pg in _staged:
        return
    cursor.execute(
        sql.SQL("""
        CREATE TEMP TABLE IF NOT EXISTS {stage} (
            ord integer NOT NULL,
            event_id text NOT NULL,
            contact_id bigint NOT NULL,
            type text NOT NULL,
            properties text NOT NULL,
            occurred_at timestamptz NOT NULL,
            utm_source text NOT NULL,
            utm_medium text NOT NULL,
            utm_campaign text NOT NULL,
            utm_term text NOT NULL,
            utm_content text NOT NULL
        ) ON COMMIT DELETE ROWS
        """).format(stage=_STAGE)
    )
    transaction.on_commit(lambda: _staged.add(pg))


def _insert(
    cursor: psycopg.Cursor[Any],
    *,
    empty_stage: bool,
    workspace_id: int,
    events: list[EventIn],
    contact_ids: list[int],
    source: str,
    received_at: datetime,
) -> list[str]:
    # ON COMMIT DELETE ROWS empties the stage between transactions, and a failed attempt's
    # rows go with its savepoint; only several batches in one outer transaction need this.
    if empty_stage:
        cursor.execute(sql.SQL("DELETE FROM {stage}").format(stage=_STAGE))
    copy_sql = sql.SQL("COPY {stage} ({columns}) FROM STDIN (FORMAT BINARY)").format(
        stage=_STAGE, columns=_identifiers([*_STAGE_COLUMNS, *_UTM_COLUMNS])
    )
    with cursor.copy(copy_sql) as copy:
        # Binary: psycopg's C dumpers write the timestamps and numbers as they are, where the
        # text format spent its time formatting each instant (and PostgreSQL parsing it back).
        # The properties are staged as the JSON text already encoded, cast once in the INSERT.
        copy.set_types(_STAGE_TYPES)
        for ord, (event, contact_id) in enumerate(zip(events, contact_ids, strict=True)):
            utm = event.get("utm") or {}
            copy.write_row(
                (
                    ord,
                    event["id"],
                    contact_id,
                    event["type"],
                    encode_properties(event.get("properties") or {}).decode(),
                    event["occurred_at"],
                    utm.get("source") or "",
                    utm.get("medium") or "",
                    utm.get("campaign") or "",
                    utm.get("term") or "",
                    utm.get("content") or "",
                )
            )
    columns, exprs, params = _event_defaults()
    cursor.execute(
        sql.SQL("""
        INSERT INTO {event} (workspace_id, event_id, contact_id, type, properties, occurred_at,
                             received_at, source, {utm}{columns})
        SELECT %s, s.event_id, s.contact_id, s.type, s.properties::jsonb, s.occurred_at,
               %s, %s, {utm}{exprs}
        FROM {stage} s
        ORDER BY s.ord
        """).format(
            event=_EVENT,
            stage=_STAGE,
            utm=_identifiers(_UTM_COLUMNS),
            columns=columns,
            exprs=exprs,
        ),
        [workspace_id, received_at, source, *params],
    )
    # Every id was claimed in leads_eventkey by this transaction, so every row is new: no
    # unique key on the events table to check (nor to write), and nothing to read back.
    return [event["id"] for event in events]


_EVENT_GIVEN = {
    "id",
    "workspace",
    "event_id",
    "contact",
    "type",
    "properties",
    "occurred_at",
    "received_at",
    "source",
    *(f"utm_{part}" for part in UTM_PARTS),
}


@cache
def _event_defaults() -> tuple[sql.Composable, sql.Composable, tuple[Any, ...]]:
    return column_defaults(Event, given=_EVENT_GIVEN)


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

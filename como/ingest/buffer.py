"""The single-event fast path: accept at the edge, store in batches through the bulk path.

``POST /api/v1/events/collect`` validates an event exactly as ``POST /api/v1/events`` does
(:func:`como.ingest.schema.event_validate`, so bad input still gets its field-level 400) and
appends it to :class:`~como.ingest.models.AcceptedEvent` with one autocommitted ``INSERT``: a
202 means the row is committed in PostgreSQL (``synchronous_commit`` on, so it survives a
crash of the web worker, of the drain, of Redis and of PostgreSQL itself). Nothing else runs
per request: no identity resolution, no scoring, no transaction of several statements.

:func:`buffer_drain` takes up to ``limit`` rows (``FOR UPDATE SKIP LOCKED``, so several drain
processes share the work), stores them per workspace with
:func:`como.ingest.services.events_ingest` (the bulk path, scoring included) and deletes them,
all in one transaction: a drain killed at any point leaves its rows to the next one, and the
event id makes a repeat a duplicate. The drain process is ``manage.py ingest_drain``.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from psycopg import sql

from como import jsonsafe
from como.rawsql import raw_cursor
from como.workspaces.models import Workspace

from .groupcommit import Row as BufferedRow
from .groupcommit import buffer_write
from .models import AcceptedEvent
from .services import events_ingest

logger = logging.getLogger(__name__)

#: A row that failed this many drains on its own is left for a person (its ``last_error``).
MAX_FAILURES = 5
#: Rows per drain transaction: the bulk path's own batch size.
DRAIN_BATCH = 1000
_TABLE = sql.Identifier(AcceptedEvent._meta.db_table)
_TAKE = sql.SQL("""
    DELETE FROM {table} WHERE id IN (
        SELECT id FROM {table} WHERE failures < %s ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED
    )
    RETURNING id, workspace_id, source, payload, accepted_at
""").format(table=_TABLE)


def event_accept(
    *, workspace: Workspace, payload: bytes, source: str, accepted_at: datetime
) -> None:
    """Append one validated event's JSON text to the buffer; committed when this returns.

    The caller has validated ``payload`` (:func:`~como.ingest.schema.event_validate` at
    ``accepted_at``). Runs in autocommit: one statement, no lock beyond the row's own. The
    edge (:mod:`como.ingest.edge`) writes the same statement for many requests at once.
    """
    buffer_write([BufferedRow(workspace.pk, source, payload.decode(), accepted_at)])


@dataclass(frozen=True)
class _Row:
    id: int
    workspace_id: int
    source: str
    payload: str
    accepted_at: datetime


def buffer_drain(*, limit: int = DRAIN_BATCH) -> int:
    """Store up to ``limit`` accepted events through the bulk path; the number taken.

    One transaction takes the rows (``DELETE … RETURNING`` of a ``SKIP LOCKED`` selection)
    and stores their events, so both commit or neither does. When the batch fails, each of its
    rows is tried alone and a row that fails alone has ``failures`` counted (it is skipped once
    it reaches :data:`MAX_FAILURES`); the good rows are stored.
    """
    try:
        with transaction.atomic():
            rows = _take(limit)
            _store(rows)
    except Exception:
        logger.exception("ingest drain: a batch failed; storing its rows one by one")
        return _drain_one_by_one(limit)
    return len(rows)


def _take(limit: int, *, only: int | None = None) -> list[_Row]:
    with raw_cursor() as cursor:
        if only is None:
            cursor.execute(_TAKE, [MAX_FAILURES, limit])
        else:
            cursor.execute(
                sql.SQL(
                    "DELETE FROM {table} WHERE id = %s RETURNING "
                    "id, workspace_id, source, payload, accepted_at"
                ).format(table=_TABLE),
                [only],
            )
        return [_Row(*row) for row in cursor.fetchall()]


def _store(rows: list[_Row]) -> None:
    """Each (workspace, source)'s events in acceptance order, through the bulk path."""
    groups: dict[tuple[int, str], list[_Row]] = defaultdict(list)
    for row in rows:
        groups[(row.workspace_id, row.source)].append(row)
    workspaces = Workspace.objects.in_bulk({workspace_id for workspace_id, _ in groups})
    for (workspace_id, source), group in groups.items():
        # The latest acceptance of the group: every event passed the future-time check at its
        # own acceptance, and a later instant is never stricter.
        received_at = max(row.accepted_at for row in group)
        events: list[Any] = [jsonsafe.loads(row.payload) for row in group]
        results = events_ingest(
            workspace=workspaces[workspace_id],
            events=events,
            source=source,
            received_at=received_at,
        )
        rejected = [result for result in results if result.status == "rejected"]
        if rejected:  # the edge accepted it: a disagreement is a bug, not the sender's error
            raise ValueError(f"accepted event rejected by the bulk path: {rejected[0].errors}")


def _drain_one_by_one(limit: int) -> int:
    with raw_cursor() as cursor:
        cursor.execute(
            sql.SQL("SELECT id FROM {table} WHERE failures < %s ORDER BY id LIMIT %s").format(
                table=_TABLE
            ),
            [MAX_FAILURES, limit],
        )
        ids = [row_id for (row_id,) in cursor.fetchall()]
    stored = 0
    for row_id in ids:
        try:
            with transaction.atomic():
                rows = _take(1, only=row_id)
                _store(rows)
                stored += len(rows)
        except Exception as error:
            logger.exception("ingest drain: accepted event %s failed", row_id)
            AcceptedEvent.objects.filter(pk=row_id).update(
                failures=F("failures") + 1, last_error=repr(error)[:2000]
            )
    return stored


def buffer_backlog() -> tuple[int, datetime | None]:
    """Rows waiting (failed ones included) and the oldest acceptance among them."""
    with raw_cursor() as cursor:
        cursor.execute(
            sql.SQL("SELECT count(*), min(accepted_at) FROM {table}").format(table=_TABLE)
        )
        count, oldest = cursor.fetchone() or (0, None)
    return int(count), oldest

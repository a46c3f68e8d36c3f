"""The leads tables' planner figures, refreshed while ingest grows them (:mod:`como.dbstats`).

A new workspace's first hours of events take the contact, score, key and event tables from
what the planner last sampled to many times that. Planned on the old figures, the batch's
reads and its score ``UPDATE`` scan the workspace's rows instead of probing their keys, so a
batch costs more the more the workspace holds: measured with ``bench/ingest.py --events
100000`` on a box without autovacuum, 175 µs of CPU an event against 101 µs with the tables
analyzed as they grew.

After a batch commits, at most once a second per process, one catalog query compares each
table's changes since its last ANALYZE with autovacuum's own threshold (the figure autovacuum
reads, reported by every backend within a second of its commits), and the tables past it are
analyzed: ``robust``, since statistics are an optimisation and the batch has committed.
"""

from __future__ import annotations

import time

from django.db import connection, transaction

from como.dbstats import SCALE, THRESHOLD, analyze
from como.leads.models import AnonymousId, Contact, ContactScore, Event, EventKey

#: Seconds between two checks in one process: backends report their changes about as often.
CHECK_EVERY = 1.0
#: The events' columns the hot reads filter on (not the properties: sampling them is the
#: dearest part of an ANALYZE, and no plan depends on their figures).
_EVENT_COLUMNS = ("workspace_id", "contact_id", "occurred_at", "type")
#: Tables analyzed on all their columns.
_TABLES = (Contact, ContactScore, EventKey, AnonymousId)

_next_check = 0.0


def statistics_refresh_on_commit() -> None:
    """After this transaction commits, analyze the leads tables (each month's events
    partition on its own) whose statistics are stale — unless this process checked less than
    :data:`CHECK_EVERY` seconds ago."""
    global _next_check
    now = time.monotonic()
    if now < _next_check:
        return
    _next_check = now + CHECK_EVERY
    transaction.on_commit(_refresh, robust=True)


def _refresh() -> None:
    analyze(
        {
            table: _EVENT_COLUMNS if partition else ()
            for table, partition in _stale(
                [model._meta.db_table for model in _TABLES], Event._meta.db_table
            )
        }
    )


def _stale(tables: list[str], partitioned: str) -> list[tuple[str, bool]]:
    """The tables, and the partitions of ``partitioned``, changed by more than autovacuum's
    threshold since their last ANALYZE; each with whether it is a partition."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, i.inhrelid IS NOT NULL
            FROM pg_class c
            LEFT JOIN pg_inherits i ON i.inhrelid = c.oid AND i.inhparent = %s::regclass
            WHERE (c.oid = ANY(%s::regclass[]) OR i.inhrelid IS NOT NULL)
              AND pg_stat_get_mod_since_analyze(c.oid) > %s + %s * greatest(c.reltuples, 0)
            """,
            [partitioned, tables, THRESHOLD, SCALE],
        )
        return [(name, bool(partition)) for name, partition in cursor.fetchall()]


def reset_for_tests() -> None:
    """Forget when this process last checked (the next batch checks again)."""
    global _next_check
    _next_check = 0.0

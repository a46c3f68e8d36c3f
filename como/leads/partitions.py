"""The monthly partitions of the events table: created ahead, and dropped past the retention.

``leads_event`` is partitioned by RANGE of ``occurred_at`` (migration 0008): one partition per
UTC month, named ``leads_event_pYYYYMM``, and ``leads_event_default`` for events in a month
that has none yet. Ingest never runs DDL: a CREATE in the hot path would take locks on the
parent that queue behind (and in front of) every concurrent batch and reader. An event of a
month without a partition (a backfill of old history, a clock far ahead) lands in the default
partition, and :func:`event_partitions_ensure` (beat, daily) gives that month its own
partition and moves those rows into it.

Retention (``COMO_EVENT_RETENTION_MONTHS``, default ``None``: keep forever) drops whole
partitions only: a month goes once all of it is older than the retention, so no event younger
than the retention is ever dropped. Stored score state is not recomputed when events go: a
contact's stored intent keeps the decayed points of the dropped events until that contact is
rescored from its history (a model change, a merge, an attribute change, or a rescore run);
the score API, which explains a score from the events, no longer counts them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from psycopg import sql

from como.rawsql import raw_cursor

from .models import Event, EventKey

logger = logging.getLogger(__name__)

TABLE = Event._meta.db_table
DEFAULT = f"{TABLE}_default"
_PREFIX = f"{TABLE}_p"
#: Serialises the partition maintenance of concurrent runners (beat and a command, say).
_LOCK_KEY = "como.leads.event_partitions"
#: ATTACH and DETACH need locks that every reader of the table would queue behind while they
#: wait for a long report to finish; past this the run gives up and the next one tries again
#: (months are made ahead, so a failed run costs nothing).
LOCK_TIMEOUT = "10s"


def _maintenance_locks(cursor: psycopg.Cursor[Any]) -> None:
    cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
    cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [_LOCK_KEY])


@dataclass(frozen=True, order=True)
class Partition:
    start: datetime
    end: datetime
    name: str


def month_start(at: datetime) -> datetime:
    """The first instant of ``at``'s UTC month."""
    at = at.astimezone(UTC)
    return datetime(at.year, at.month, 1, tzinfo=UTC)


def add_months(month: datetime, months: int) -> datetime:
    index = month.year * 12 + month.month - 1 + months
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def partition_for(month: datetime) -> Partition:
    start = month_start(month)
    return Partition(start, add_months(start, 1), f"{_PREFIX}{start:%Y%m}")


def event_partitions() -> list[Partition]:
    """The monthly partitions that exist, oldest first (the default partition is not one)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT child.relname FROM pg_inherits
            JOIN pg_class parent ON parent.oid = pg_inherits.inhparent
            JOIN pg_class child ON child.oid = pg_inherits.inhrelid
            WHERE parent.relname = %s AND child.relname <> %s
            """,
            [TABLE, DEFAULT],
        )
        names = [name for (name,) in cursor.fetchall()]
    months = [
        datetime.strptime(name.removeprefix(_PREFIX), "%Y%m").replace(tzinfo=UTC)
        for name in names
        if name.startswith(_PREFIX)
    ]
    return sorted(partition_for(month) for month in months)


def event_partitions_ensure(*, now: datetime | None = None, ahead: int | None = None) -> list[str]:
    """Give this month, the next ``ahead`` months and every month that has events in the
    default partition a partition of their own; the names created. Idempotent."""
    now = now or timezone.now()
    ahead = settings.COMO_EVENT_PARTITIONS_AHEAD if ahead is None else ahead
    current = month_start(now)
    with transaction.atomic(), raw_cursor() as cursor:
        _maintenance_locks(cursor)
        # Held to commit: an event routed to the default partition while its month is being
        # moved out would make the ATTACH below fail its check of the default partition.
        cursor.execute(
            sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(sql.Identifier(DEFAULT))
        )
        cursor.execute(
            sql.SQL(
                "SELECT DISTINCT date_trunc('month', occurred_at AT TIME ZONE 'UTC') FROM {}"
            ).format(sql.Identifier(DEFAULT))
        )
        stray = {month.replace(tzinfo=UTC) for (month,) in cursor.fetchall()}
        wanted = {add_months(current, n) for n in range(ahead + 1)} | stray
        existing = {partition.start for partition in event_partitions()}
        created = []
        for month in sorted(wanted - existing):
            partition = partition_for(month)
            _create(cursor, partition, move=month in stray)
            created.append(partition.name)
    if created:
        logger.info("event partitions created: %s", ", ".join(created))
    return created


def _create(cursor: psycopg.Cursor[Any], partition: Partition, *, move: bool) -> None:
    # CREATE TABLE … PARTITION OF would lock the parent ACCESS EXCLUSIVE; a table attached
    # afterwards only needs SHARE UPDATE EXCLUSIVE, which ingest and readers do not wait on.
    parent, name, default = map(sql.Identifier, (TABLE, partition.name, DEFAULT))
    bounds = [partition.start, partition.end]
    execute = cursor.execute
    execute(sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING DEFAULTS)").format(name, parent))
    if move:
        execute(
            sql.SQL(
                "WITH moved AS (DELETE FROM {default} WHERE occurred_at >= %s AND occurred_at < %s"
                " RETURNING *) INSERT INTO {name} SELECT * FROM moved"
            ).format(default=default, name=name),
            bounds,
        )
    # DDL takes no bound parameters: the bounds are literals.
    execute(
        sql.SQL("ALTER TABLE {} ATTACH PARTITION {} FOR VALUES FROM ({}) TO ({})").format(
            parent, name, sql.Literal(partition.start), sql.Literal(partition.end)
        )
    )


def retention_cutoff(now: datetime, months: int) -> datetime:
    """Events before this instant are older than ``months`` months of retention."""
    at = now.astimezone(UTC)
    month = add_months(month_start(at), -months)
    # The same day of that month, or its last day when it is shorter (31 March - 1 month).
    day = at.day
    while True:
        try:
            return at.replace(year=month.year, month=month.month, day=day)
        except ValueError:
            day -= 1


def event_partitions_drop_old(
    *, now: datetime | None = None, months: int | None = None, dry_run: bool = False
) -> list[str]:
    """Detach and drop every monthly partition wholly older than the retention, and delete
    the default partition's events of those months; the partitions dropped. Without a
    retention (``COMO_EVENT_RETENTION_MONTHS`` unset, ``months`` None) nothing is dropped."""
    months = settings.COMO_EVENT_RETENTION_MONTHS if months is None else months
    if months is None:
        return []
    if months < 1:
        raise ValueError("the retention must be at least one month")
    # Whole months only: the first month not wholly older than the retention is kept.
    keep_from = month_start(retention_cutoff(now or timezone.now(), months))
    with transaction.atomic(), raw_cursor() as cursor:
        _maintenance_locks(cursor)
        old = [partition for partition in event_partitions() if partition.end <= keep_from]
        if dry_run:
            return [partition.name for partition in old]
        parent = sql.Identifier(TABLE)
        for partition in old:
            name = sql.Identifier(partition.name)
            # DETACH … CONCURRENTLY is refused on a table with a default partition; a plain
            # DETACH holds the parent's lock for an instant (no rows are read or written).
            cursor.execute(sql.SQL("ALTER TABLE {} DETACH PARTITION {}").format(parent, name))
            cursor.execute(sql.SQL("DROP TABLE {}").format(name))
        cursor.execute(
            sql.SQL("DELETE FROM {} WHERE occurred_at < %s").format(sql.Identifier(DEFAULT)),
            [keep_from],
        )
        # The ids of the events dropped are forgotten with them, as before the key table: an
        # id re-sent after its event was dropped is stored again. A pass over the key table
        # (no index on occurred_at: one more would be written per event), once per drop.
        cursor.execute(
            sql.SQL("DELETE FROM {} WHERE occurred_at < %s").format(
                sql.Identifier(EventKey._meta.db_table)
            ),
            [keep_from],
        )
    if old:
        logger.info("event partitions dropped: %s", ", ".join(p.name for p in old))
    return [partition.name for partition in old]

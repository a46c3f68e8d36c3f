"""Group commit for the accepted-event buffer: one INSERT and one COMMIT for many requests.

Each request of ``POST /api/v1/events/collect`` on the edge (:mod:`como.ingest.edge`) hands
its row to this process's writer thread and waits. The writer takes whatever rows are waiting,
charges them to their rate limits in one Redis round trip
(:func:`como.workspaces.ratelimits.edge_charge`, which also refuses a key read before a
revocation), writes the charged ones with one ``INSERT … SELECT FROM unnest(…)`` in autocommit
(one WAL flush for all of them, ``synchronous_commit`` untouched) and wakes each request only
once that statement has committed: a 202 still means "committed in PostgreSQL".
No timer: while one commit is in flight the next requests queue up, so a batch is as large
as the load makes it and a lone request pays no wait. The same statement NOTIFYs the drain
(:data:`CHANNEL`), delivered at commit.

A failed batch is written again row by row on a fresh connection, so one bad row (its
workspace deleted meanwhile) fails only its own request. A request whose row failed is not
answered 202; its event may still be in the buffer (a commit whose acknowledgement was lost),
which the event id makes harmless: the drain stores an id once.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection
from psycopg import sql

from como.rawsql import raw_cursor
from como.workspaces.keycache import EPOCH_KEY
from como.workspaces.ratelimits import EdgeCharge, edge_charge

from .models import AcceptedEvent

logger = logging.getLogger(__name__)

#: The channel the drain LISTENs on (como/ingest/management/commands/ingest_drain.py).
CHANNEL = "como_ingest_accepted"
#: Rows per statement at most; past it the rest wait for the next commit.
MAX_BATCH = 500
#: How long a request waits for its commit before it gives up (and is not answered 202).
WAIT_SECONDS = 30.0

# One statement, so one round trip and one implicit transaction: the rows and the wake-up of
# the drain commit together (a data-modifying WITH runs even though nothing reads it).
# Bytes, not a Composed: psycopg caches the conversion of a bytes query, and would redo it
# (a regular-expression pass) for a Composed on every batch. The arrays are bound in binary
# (%b): as text, every '"' of every payload (a JSON event has dozens) is escaped by a regular
# expression, which cost more than the rest of the statement's Python.
_INSERT = (
    sql.SQL(
        "WITH inserted AS (INSERT INTO {table} "
        "(workspace_id, source, payload, accepted_at, failures, last_error) "
        "SELECT w, s, p, a, 0, '' FROM unnest(%b::bigint[], %b::text[], %b::text[], "
        "%b::timestamptz[]) AS u(w, s, p, a)) SELECT pg_notify({channel}, '')"
    )
    .format(table=sql.Identifier(AcceptedEvent._meta.db_table), channel=sql.Literal(CHANNEL))
    .as_bytes(None)
)


@dataclass(frozen=True)
class Row:
    workspace_id: int
    source: str
    payload: str
    accepted_at: datetime


#: A request's outcome besides edge_charge's codes: Redis could not be asked.
UNCHARGED = -1


def _held() -> threading.Lock:
    lock = threading.Lock()
    lock.acquire()
    return lock


@dataclass
class _Pending:
    row: Row
    charge: EdgeCharge
    # Held from the start, released by the writer once the outcome is set: the request thread
    # waits by acquiring it. A bare lock, not a threading.Event (a Condition and a lock in
    # Python), which cost a tenth of the writer's time in waking the requests.
    done: threading.Lock = field(default_factory=_held)
    code: int = UNCHARGED
    error: BaseException | None = None


class NotAccepted(Exception):
    """The row was not committed (or not known to be): do not answer 202."""


class GroupWriter:
    """One per process (:func:`writer`); :meth:`accept` is called from request threads."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="ingest-group-commit", daemon=True)
        self._thread.start()
        self.batches = 0  # statements written, for the benchmark's figures
        self.rows = 0

    def accept(self, row: Row, charge: EdgeCharge) -> int:
        """0 once ``row`` is charged and committed; else edge_charge's code (or
        :data:`UNCHARGED`) and nothing written. :class:`NotAccepted` if the commit failed."""
        pending = _Pending(row, charge)
        self._queue.put(pending)
        if not pending.done.acquire(timeout=WAIT_SECONDS):
            raise NotAccepted("the buffer's commit took too long")
        if pending.error is not None:
            raise NotAccepted(str(pending.error)) from pending.error
        return pending.code

    def release(self) -> None:
        """Close the writer's connection (it opens another when next needed): for tests, whose
        database cannot be dropped while it is open."""
        self._queue.put(None)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                connection.close()
                continue
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    following = self._queue.get_nowait()
                except queue.Empty:
                    break
                if following is None:
                    self._queue.put(None)  # after this batch
                    break
                batch.append(following)
            try:
                self._write(batch)
            except Exception as error:  # the thread must live on: these requests fall back
                logger.exception("ingest group commit: a batch failed before its write")
                for pending in batch:
                    pending.error = error
            finally:
                for pending in batch:
                    pending.done.release()

    def _write(self, batch: list[_Pending]) -> None:
        codes = edge_charge([pending.charge for pending in batch], epoch_key=EPOCH_KEY)
        if codes is None:
            return  # every request UNCHARGED: the full path takes them
        for pending, code in zip(batch, codes, strict=True):
            pending.code = code
        charged = [pending for pending in batch if pending.code == 0]
        if not charged:
            return
        try:
            buffer_write([pending.row for pending in charged])
        except Exception:
            logger.exception("ingest group commit: a batch of %s failed; row by row", len(charged))
            connection.close()
            for pending in charged:
                try:
                    buffer_write([pending.row])
                except Exception as error:
                    connection.close()
                    pending.error = error
        self.batches += 1
        self.rows += len(charged)


def buffer_write(rows: list[Row]) -> None:
    """Append ``rows`` on this thread's connection: committed on return in autocommit (the
    edge's writer thread), or with the caller's transaction."""
    params = [
        [row.workspace_id for row in rows],
        [row.source for row in rows],
        [row.payload for row in rows],
        [row.accepted_at for row in rows],
    ]
    with raw_cursor() as cursor:
        cursor.execute(_INSERT, params)


_writer: tuple[int, GroupWriter] | None = None
_lock = threading.Lock()


def writer() -> GroupWriter:
    """This process's writer, started on first use: in a request of a granian worker, which
    imports the application after it was forked, so the thread lives in the worker."""
    global _writer
    current = _writer
    if current is not None and current[0] == os.getpid():
        return current[1]
    with _lock:
        if _writer is None or _writer[0] != os.getpid():
            _writer = (os.getpid(), GroupWriter())
        return _writer[1]

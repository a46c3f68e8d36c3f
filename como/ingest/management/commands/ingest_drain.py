"""``manage.py ingest_drain``: store the events that ``POST /api/v1/events/collect`` accepted.

A long-running process (``make demo`` and docker/compose.yaml start one): it drains the buffer
in batches through the bulk path (:func:`como.ingest.buffer.buffer_drain`) and, once the
buffer is empty, sleeps until a commit to it NOTIFYs (:data:`como.ingest.groupcommit.CHANNEL`)
or ``--poll`` seconds pass, whichever is first: woken within a millisecond of an accepted
event, it also looks by itself in case a notification was missed (a reconnect).
Several may run at once (the batches are taken with ``SKIP LOCKED``). SIGTERM or Ctrl-C stops
it between batches; a SIGKILL mid-batch rolls that batch back for the next drain to take.
"""

from __future__ import annotations

import signal
import time
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections, connection
from psycopg import sql

from como import gcpolicy
from como.ingest.buffer import DRAIN_BATCH, buffer_drain
from como.ingest.groupcommit import CHANNEL

#: The longest an accepted event waits when its notification was lost (normally: none).
DEFAULT_POLL_SECONDS = 0.5
#: After a wake-up, how long more rows may gather before the batch is taken.
GATHER_SECONDS = 0.02


class Command(BaseCommand):
    help = "Store the events accepted by POST /api/v1/events/collect, in batches, until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=DRAIN_BATCH, help="events per batch")
        parser.add_argument(
            "--poll", type=float, default=DEFAULT_POLL_SECONDS, help="seconds between looks"
        )
        parser.add_argument(
            "--once", action="store_true", help="drain until empty, then exit (no polling)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self._stop = False
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._on_signal)
        batch, poll = options["batch"], options["poll"]
        # Long-lived and storing batches of up to a thousand events, as a web worker does.
        gcpolicy.settle()
        self.stdout.write(f"ingest drain: batches of {batch}, polling every {poll} s", ending="\n")
        self.stdout.flush()
        total = 0
        while not self._stop:
            taken = buffer_drain(limit=batch)
            total += taken
            if taken < batch:
                if options["once"]:
                    break
                close_old_connections()  # as a request would: a dead connection is replaced
                _wait(poll)
        self.stdout.write(f"ingest drain: stopped after {total} events")

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._stop = True


_listener: list[object] = []  # the psycopg connection that LISTENs


def _wait(seconds: float) -> None:
    """Until the buffer's channel is notified or ``seconds`` pass."""
    connection.ensure_connection()
    raw = connection.connection
    if not _listener or _listener[0] is not raw:  # a new connection: LISTEN again
        raw.execute(sql.SQL("LISTEN {}").format(sql.Identifier(CHANNEL)))
        _listener[:] = [raw]
    for _notify in raw.notifies(timeout=seconds, stop_after=1):
        break
    # Gather for a moment: a batch per commit of the edge would pay the drain's fixed cost per
    # batch hundreds of times a second, for nothing against a 1 s promise.
    time.sleep(GATHER_SECONDS)
    for _notify in raw.notifies(timeout=0.0):  # those the gathered rows sent: already seen
        pass

"""``manage.py ingest_drain``: store the events that ``POST /api/v1/events/collect`` accepted.

A long-running process (``make demo`` and docker/compose.yaml start one): it drains the buffer
in batches through the bulk path (:func:`como.ingest.buffer.buffer_drain`) and, once the
buffer is empty, looks again every ``--poll`` seconds. Several may run at once (the batches are
taken with ``SKIP LOCKED``). SIGTERM or Ctrl-C stops it between batches; a SIGKILL mid-batch
rolls that batch back for the next drain to take.
"""

from __future__ import annotations

import signal
import time
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from como.ingest.buffer import DRAIN_BATCH, buffer_drain

#: Why 0.05 s: an accepted event waits at most this long (plus its batch) to be stored.
DEFAULT_POLL_SECONDS = 0.05


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
                time.sleep(poll)
        self.stdout.write(f"ingest drain: stopped after {total} events")

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._stop = True

"""Claiming a background run's row under a lease, for runs that carry on from a checkpoint.

A run row (a re-score run, a B2B account link run) has ``status``, ``lease_expires_at``,
``started_at``, ``finished_at`` and ``error``. A worker claims it with one conditional UPDATE
(still unfinished, and no live lease), renews the lease with every batch it commits, and ends
it only while it is still running, so a superseded run stays superseded. A redelivered message
finds a live lease and looks again once it would have lapsed. Imports no app.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import Any

from django.db import OperationalError
from django.db.models import DateTimeField, Q, QuerySet, Value
from django.db.models.functions import Coalesce

RUNNING = "running"


def lease_claim(
    runs: QuerySet[Any], *, pk: int, unfinished: Collection[str], lease: timedelta, now: datetime
) -> bool:
    """Take run ``pk`` (unfinished, its lease lapsed or never held) for ``lease``; whether the
    claim took."""
    claimed = (
        runs.filter(pk=pk, status__in=list(unfinished))
        .filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now))
        .update(
            status=RUNNING,
            lease_expires_at=now + lease,
            started_at=Coalesce("started_at", Value(now, output_field=DateTimeField())),
        )
    )
    return bool(claimed)


def lease_lapses_in(expires_at: datetime | None, now: datetime) -> float:
    """Seconds until a held lease lapses (at least one), to look at the run again then."""
    return max(1.0, ((expires_at or now) - now).total_seconds())


def lease_finish(
    runs: QuerySet[Any], *, pk: int, status: str, now: datetime, error: str = ""
) -> None:
    """End run ``pk`` with ``status``, unless something else already has."""
    runs.filter(pk=pk, status=RUNNING).update(
        status=status, finished_at=now, lease_expires_at=None, error=error
    )


def lease_drive(
    batch: Callable[[], int | None],
    *,
    budget_seconds: float | None,
    pause: Callable[[], None],
    fail: Callable[[Exception], None],
) -> tuple[int, bool]:
    """Call ``batch`` (one committed batch; None when the run is over) until it is over or
    ``budget_seconds`` have passed, then ``pause`` (drop the lease for the next slice).
    Returns (rows done, whether it paused). An OperationalError propagates with the claim
    still held, for the task to retry once the lease lapses; any other error is given to
    ``fail`` (mark the run failed) and propagates."""
    deadline = None if budget_seconds is None else time.monotonic() + budget_seconds
    done = 0
    try:
        while (count := batch()) is not None:
            done += count
            if deadline is not None and time.monotonic() >= deadline:
                pause()
                return done, True
    except OperationalError:
        raise
    except Exception as error:
        fail(error)
        raise
    return done, False

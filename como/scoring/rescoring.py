"""Re-scoring a workspace in the background when a new scoring model version becomes active.

:func:`rescore_run_start` records a :class:`~.models.RescoreRun` in the transaction that
activates the version and enqueues ``como.scoring.rescore_workspace`` once it commits; the
request returns at once. The task calls :func:`rescore_run_execute`, which walks the
workspace's contacts in id order and re-scores them with
:func:`~.score_state.contacts_rescore`, a batch at a time.

Why a run survives dead workers, redelivered messages and further version changes:

* Each batch is one transaction that stores the scores *and* advances ``done`` and the
  checkpoint ``last_contact_id``. A killed worker loses only the batch in flight (rolled
  back); whoever resumes starts after the checkpoint, so nothing is redone or skipped.
* The checkpoint advances by a conditional UPDATE (still running, checkpoint unchanged since
  the batch began). When it matches no row the batch is rolled back: a superseded run writes
  nothing more, and two workers that ever overlap cannot both commit the same batch.
* A worker claims the run with a conditional UPDATE and holds a short lease that every batch
  renews. A redelivered message takes over a run whose lease has lapsed (its worker died) and
  leaves a live one to its holder, looking again once the lease would have lapsed.
* A slice stops between batches after ``budget_seconds`` and releases the lease; the task then
  enqueues the next slice, so a large workspace never runs into Celery's time limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from como.leads.models import Contact
from como.leases import lease_claim, lease_drive, lease_finish, lease_lapses_in

from .models import RescoreRun, ScoringModel
from .score_state import contacts_rescore

#: Contacts per batch (and per transaction): large enough that the per-batch queries are cheap
#: next to the scoring, small enough that a batch holds its row locks briefly.
BATCH_SIZE = 1_000
#: How long a claim holds without a batch committing. Far longer than a batch takes, so a
#: live worker never loses its run; short enough that a dead one's run resumes soon.
LEASE = timedelta(seconds=60)

Status = RescoreRun.Status


@dataclass(frozen=True)
class Slice:
    """What one call of :func:`rescore_run_execute` did."""

    #: the run's status when the call returned; None when the run no longer exists
    status: str | None
    #: contacts re-scored by this call
    rescored: int
    #: carry on with a new task after this many seconds; None when nothing is left for one
    resume_in: float | None = None


@transaction.atomic
def rescore_run_start(*, model: ScoringModel) -> RescoreRun:
    """Re-score ``model``'s workspace with it, in the background, once this transaction
    commits. Unfinished runs of the workspace are superseded: their version is no longer the
    active one, and the new run passes over every contact anyway.

    Call it from the transaction that made ``model`` active, holding the workspace lock."""
    now = timezone.now()
    RescoreRun.objects.filter(
        workspace_id=model.workspace_id, status__in=RescoreRun.UNFINISHED
    ).update(status=Status.SUPERSEDED, finished_at=now, lease_expires_at=None)
    run = RescoreRun.objects.create(
        workspace_id=model.workspace_id,
        scoring_model=model,
        total=Contact.objects.filter(workspace_id=model.workspace_id).count(),
    )
    # robust: the version is committed either way; a broker hiccup must not fail the request.
    transaction.on_commit(lambda: _enqueue(run.pk), robust=True)
    return run


def _enqueue(run_id: int) -> None:
    from .tasks import rescore_workspace  # the task module imports this one

    rescore_workspace.delay(run_id)


def rescore_run_execute(
    *, run_id: int, batch_size: int = BATCH_SIZE, budget_seconds: float | None = None
) -> Slice:
    """Claim the run and re-score its workspace's contacts after the checkpoint, batch by
    batch, until none is left (succeeded), another version is active (superseded), or
    ``budget_seconds`` have passed (``resume_in`` is then 0). Idempotent: a finished run is
    left as it is, a running one resumes from its checkpoint once its lease has lapsed.

    OperationalError propagates with the claim still held, for the task to retry once the
    lease lapses; any other error marks the run failed and propagates."""
    run = _claim(run_id)
    if run is None:
        return _unclaimed(run_id)
    rescored, paused = lease_drive(
        lambda: _batch(run, batch_size),
        budget_seconds=budget_seconds,
        pause=lambda: _release(run),
        fail=lambda error: _finish(run, Status.FAILED, error=f"{type(error).__name__}: {error}"),
    )
    if paused:
        return Slice(Status.RUNNING, rescored, resume_in=0)
    run.refresh_from_db(fields=["status"])
    return Slice(run.status, rescored)


def _claim(run_id: int) -> RescoreRun | None:
    """The run, now held by this worker; None when it is finished or held by a live lease."""
    claimed = lease_claim(
        RescoreRun.objects.all(),
        pk=run_id,
        unfinished=RescoreRun.UNFINISHED,
        lease=LEASE,
        now=timezone.now(),
    )
    if not claimed:
        return None
    return RescoreRun.objects.select_related("workspace").get(pk=run_id)


def _unclaimed(run_id: int) -> Slice:
    """Why the run was not claimed, and when to look again if another worker holds it (should
    that worker die, this message is the one that must carry the run on)."""
    run = RescoreRun.objects.filter(pk=run_id).first()
    if run is None or run.status not in RescoreRun.UNFINISHED:
        return Slice(None if run is None else run.status, 0)
    return Slice(run.status, 0, resume_in=lease_lapses_in(run.lease_expires_at, timezone.now()))


class _CheckpointMoved(Exception):
    """The run changed under this batch (superseded, or advanced by another worker)."""


def _batch(run: RescoreRun, batch_size: int) -> int | None:
    """Re-score the contacts after the checkpoint and advance it, in one transaction. Returns
    how many were re-scored, or None when the run is over (or no longer this worker's)."""
    try:
        with transaction.atomic():
            if not ScoringModel.objects.filter(pk=run.scoring_model_id, is_active=True).exists():
                _finish(run, Status.SUPERSEDED)
                return None
            ids = list(
                Contact.objects.filter(workspace_id=run.workspace_id, pk__gt=run.last_contact_id)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                _finish(run, Status.SUCCEEDED)
                return None
            contacts_rescore(workspace=run.workspace, contact_ids=ids)
            advanced = RescoreRun.objects.filter(
                pk=run.pk, status=Status.RUNNING, last_contact_id=run.last_contact_id
            ).update(
                done=F("done") + len(ids),
                last_contact_id=ids[-1],
                lease_expires_at=timezone.now() + LEASE,
            )
            if not advanced:
                raise _CheckpointMoved
    except _CheckpointMoved:
        return None
    run.last_contact_id = ids[-1]
    return len(ids)


def _finish(run: RescoreRun, status: Status, *, error: str = "") -> None:
    """End the run, unless something else (a newer version's start) already has."""
    lease_finish(
        RescoreRun.objects.all(), pk=run.pk, status=status, now=timezone.now(), error=error
    )


def _release(run: RescoreRun) -> None:
    """Drop the lease between slices, so the next slice's task can claim the run at once."""
    RescoreRun.objects.filter(
        pk=run.pk, status=Status.RUNNING, last_contact_id=run.last_contact_id
    ).update(lease_expires_at=None)

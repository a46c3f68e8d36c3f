"""Celery tasks of scoring: thin wrappers that take ids and call a service."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from como.task_policy import RETRY_ON_DATABASE_ERRORS

from .rescoring import rescore_run_execute

#: A slice of a run ends between batches after this long: well inside the soft time limit, so
#: Celery never interrupts a batch, and the next slice is a new message.
SLICE_SECONDS = settings.CELERY_TASK_SOFT_TIME_LIMIT / 2


@shared_task(
    name="como.scoring.rescore_workspace",
    ignore_result=True,
    **RETRY_ON_DATABASE_ERRORS,
)
def rescore_workspace(run_id: int) -> None:
    """Carry a re-score run on from its checkpoint (idempotent; see como.scoring.rescoring)."""
    outcome = rescore_run_execute(run_id=run_id, budget_seconds=SLICE_SECONDS)
    if outcome.resume_in is not None:
        # The next slice, or another look once a (presumably dead) holder's lease lapses.
        rescore_workspace.apply_async((run_id,), countdown=outcome.resume_in)

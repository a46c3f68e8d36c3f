"""Celery tasks of B2B accounts: thin wrappers that take ids and call a service."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from como.task_policy import RETRY_ON_DATABASE_ERRORS

from .runs import link_run_execute

SLICE_SECONDS = settings.CELERY_TASK_SOFT_TIME_LIMIT / 2


@shared_task(name="verticals.b2b.link_accounts", ignore_result=True, **RETRY_ON_DATABASE_ERRORS)
def link_accounts(run_id: int) -> None:
    """Carry an account link run on from its checkpoint (idempotent; see ``.runs``)."""
    outcome = link_run_execute(run_id=run_id, budget_seconds=SLICE_SECONDS)
    if outcome.resume_in is not None:
        link_accounts.apply_async((run_id,), countdown=outcome.resume_in)


@shared_task(name="verticals.b2b.demo_mqa_engage", ignore_result=True, **RETRY_ON_DATABASE_ERRORS)
def demo_mqa_engage(workspace_id: int) -> None:
    """The demo's live moment: the 4th required role of its account engages (``.demo_mqa``)."""
    from .demo_mqa import demo_mqa_engage_now

    demo_mqa_engage_now(workspace_id)

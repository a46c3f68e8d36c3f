"""Celery tasks of sequences: thin wrappers that call a service."""

from __future__ import annotations

from celery import shared_task

from como.task_policy import RETRY_ON_DATABASE_ERRORS

from .advance import sequences_advance
from .enrollment import AUDIENCE_TASK, audience_enrol


@shared_task(name="como.sequences.advance", ignore_result=True, **RETRY_ON_DATABASE_ERRORS)
def advance() -> int:
    """Beat, every minute: advance every due member (set-based batches, SKIP LOCKED)."""
    return sequences_advance().members


@shared_task(name=AUDIENCE_TASK, ignore_result=True, **RETRY_ON_DATABASE_ERRORS)
def enrol_audience(sequence_id: int) -> int:
    """Beat, on a scheduled sequence's crontab: its audience enters."""
    return audience_enrol(sequence_id=sequence_id)

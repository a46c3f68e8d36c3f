"""Celery tasks of leads: thin wrappers that call a service."""

from __future__ import annotations

from celery import shared_task

from como.task_policy import RETRY_ON_DATABASE_ERRORS

from .partitions import event_partitions_drop_old, event_partitions_ensure


@shared_task(
    name="como.leads.maintain_event_partitions", ignore_result=True, **RETRY_ON_DATABASE_ERRORS
)
def maintain_event_partitions() -> dict[str, list[str]]:
    """Beat, every 6 hours: partitions for the coming months (and for months whose events
    landed in the default partition), then the months past the retention dropped."""
    return {"created": event_partitions_ensure(), "dropped": event_partitions_drop_old()}

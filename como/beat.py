"""django-celery-beat rows kept in step with a model: the schedules and the upsert that the
agents' per-workspace schedules and a vertical's per-source schedules share.

A row is written only when it differs from what is wanted, because every save makes beat reload
its whole schedule; rows are deleted one by one for the same reason (the delete signal is what
tells beat).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from celery.schedules import ParseException
from celery.schedules import crontab as celery_crontab
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

CRONTAB_FIELDS = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")


def crontab_fields(value: str) -> dict[str, str]:
    """The five fields of a crontab text (``minute hour day-of-month month day-of-week``), by
    CrontabSchedule's column names; ValueError, with a sentence a person can act on, otherwise."""
    parts = value.split()
    if len(parts) != 5:
        raise ValueError(
            "must be five fields: minute hour day-of-month month day-of-week, like '0 6 * * 1'"
        )
    fields = dict(zip(CRONTAB_FIELDS, parts, strict=True))
    try:
        celery_crontab(**fields)
    # celery's ParseException ("-1", "1,,2") is no ValueError: caught here, or it would be a 500
    # wherever a person types a crontab.
    except (ValueError, IndexError, KeyError, TypeError, ParseException) as error:
        raise ValueError(f"not a valid crontab ({error})") from None
    return fields


def crontab_schedule(value: str, time_zone: str) -> CrontabSchedule:
    """The (shared) CrontabSchedule row for a valid crontab text read in ``time_zone``."""
    fields = crontab_fields(value)
    found = (
        CrontabSchedule.objects.filter(**fields, timezone=time_zone or "UTC").order_by("pk").first()
    )
    return found or CrontabSchedule.objects.create(**fields, timezone=time_zone or "UTC")


def interval_schedule(every: int, period: str) -> IntervalSchedule:
    """The (shared) IntervalSchedule row for ``every`` ``period``."""
    found = IntervalSchedule.objects.filter(every=every, period=period).order_by("pk").first()
    return found or IntervalSchedule.objects.create(every=every, period=period)


def periodic_task_upsert(name: str, values: Mapping[str, Any]) -> PeriodicTask:
    """Create or update the PeriodicTask called ``name`` with ``values`` (its columns), saving
    only when something differs. The row is locked for the read and the write, in the caller's
    transaction or in one of its own (the demo seeder calls it in autocommit)."""
    with transaction.atomic():
        task = PeriodicTask.objects.select_for_update().filter(name=name).first()
        if task is None:
            task = PeriodicTask(name=name)
        if task.pk is not None and all(
            getattr(task, key) == value for key, value in values.items()
        ):
            return task
        for key, value in values.items():
            setattr(task, key, value)
        task.save()
        return task


def periodic_tasks_delete(tasks: Iterable[PeriodicTask]) -> int:
    """Delete the rows one by one (the delete signal tells beat to reload); how many."""
    count = 0
    for task in tasks:
        task.delete()
        count += 1
    return count

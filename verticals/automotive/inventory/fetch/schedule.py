"""Each polled source's beat row: one django-celery-beat PeriodicTask per HTTPS, SFTP or file
source with a ``schedule`` (a five-field crontab read in the rooftop's time zone), running
:data:`TASK` with ``kwargs={"source_id": <id>}``.

Call :func:`source_schedule_sync` whenever a source is saved and :func:`source_schedule_delete`
when one is deleted. A disabled source keeps its row, disabled (its task checks the source again
when it runs, so a late beat does nothing). Rows are named ``inventory/<workspace id>/source/<id>``;
edit the source, not the row, which the next sync overwrites.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django_celery_beat.models import PeriodicTask

from como.beat import crontab_fields, crontab_schedule, periodic_task_upsert, periodic_tasks_delete

if TYPE_CHECKING:
    from ..models import InventorySource

TASK = "verticals.automotive.import_inventory_source"
POLLED_KINDS = frozenset({"https", "sftp", "file"})


def source_task_name(workspace_id: int, source_id: int) -> str:
    return f"inventory/{workspace_id}/source/{source_id}"


def source_schedule_errors(value: Any) -> list[str]:
    """Why ``value`` is not a usable schedule (blank is: no schedule); empty when it is."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return []
    if not isinstance(value, str):
        return ["must be a crontab of five fields, like '0 */3 * * *'"]
    try:
        crontab_fields(value)
    except ValueError as error:
        return [str(error)]
    return []


@transaction.atomic
def source_schedule_sync(*, source: InventorySource) -> PeriodicTask | None:
    """Create, update, enable or disable the source's beat row to match it; delete the row of
    a source that no longer polls (blank schedule, or an upload source). Returns the row."""
    name = source_task_name(source.workspace_id, source.pk)
    schedule = " ".join(str(source.schedule or "").split())
    if not schedule or str(source.kind) not in POLLED_KINDS:
        periodic_tasks_delete(PeriodicTask.objects.filter(name=name))
        return None
    time_zone = str(getattr(source.rooftop, "time_zone", "") or "UTC")
    enabled = bool(source.enabled)
    crontab = crontab_schedule(schedule, time_zone)
    return periodic_task_upsert(
        name,
        {
            "task": TASK,
            "interval_id": None,
            "crontab_id": crontab.pk,
            "solar_id": None,
            "clocked_id": None,
            "kwargs": json.dumps({"source_id": source.pk}),
            "enabled": enabled,
            "one_off": False,
            "description": (
                f"Inventory source {source.pk} ({source.kind}) of rooftop {source.rooftop_id}, "
                f"crontab {schedule} ({time_zone})"
                + ("" if enabled else " (disabled)")
                + ". Set on the source: edit it there, not here."
            ),
        },
    )


def source_schedule_delete(*, workspace_id: int, source_id: int) -> int:
    """Delete a (deleted) source's beat row; how many rows went."""
    return periodic_tasks_delete(
        PeriodicTask.objects.filter(name=source_task_name(workspace_id, source_id))
    )

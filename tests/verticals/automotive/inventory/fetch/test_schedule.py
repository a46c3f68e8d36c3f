"""One beat row per polled source, kept in step with it (como.beat's upsert, as the agents')."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from django_celery_beat.models import PeriodicTask

from verticals.automotive.inventory.fetch.schedule import (
    TASK,
    source_schedule_delete,
    source_schedule_errors,
    source_schedule_sync,
    source_task_name,
)

pytestmark = pytest.mark.django_db


def source(**fields: Any) -> Any:
    defaults = {
        "pk": 41,
        "workspace_id": 3,
        "rooftop_id": 5,
        "kind": "sftp",
        "schedule": "0 */3 * * *",
        "enabled": True,
        "rooftop": SimpleNamespace(time_zone="America/Chicago"),
    }
    return SimpleNamespace(**{**defaults, **fields})


def test_a_scheduled_source_gets_its_row() -> None:
    row = source_schedule_sync(source=source())
    assert row is not None
    stored = PeriodicTask.objects.get(name=source_task_name(3, 41))
    assert stored.task == TASK
    assert stored.enabled
    assert json.loads(stored.kwargs) == {"source_id": 41}
    assert stored.crontab is not None
    assert (stored.crontab.minute, stored.crontab.hour) == ("0", "*/3")
    assert str(stored.crontab.timezone) == "America/Chicago"


def test_a_change_updates_the_row_and_an_unchanged_source_leaves_it_alone() -> None:
    first = source_schedule_sync(source=source())
    assert first is not None
    changed = first.date_changed
    again = source_schedule_sync(source=source())
    assert again is not None
    assert again.date_changed == changed
    source_schedule_sync(source=source(schedule="30 6 * * 1-5", enabled=False))
    stored = PeriodicTask.objects.get(name=source_task_name(3, 41))
    assert not stored.enabled
    assert stored.crontab is not None
    assert (stored.crontab.minute, stored.crontab.day_of_week) == ("30", "1-5")
    assert PeriodicTask.objects.filter(name__startswith="inventory/").count() == 1


@pytest.mark.parametrize("fields", [{"schedule": ""}, {"schedule": "   "}, {"kind": "upload"}])
def test_a_source_that_no_longer_polls_loses_its_row(fields: dict[str, Any]) -> None:
    source_schedule_sync(source=source())
    assert source_schedule_sync(source=source(**fields)) is None
    assert not PeriodicTask.objects.filter(name=source_task_name(3, 41)).exists()


def test_deleting_a_source_deletes_its_row_only() -> None:
    source_schedule_sync(source=source())
    source_schedule_sync(source=source(pk=42))
    assert source_schedule_delete(workspace_id=3, source_id=41) == 1
    assert list(
        PeriodicTask.objects.filter(name__startswith="inventory/").values_list("name", flat=True)
    ) == [source_task_name(3, 42)]


@pytest.mark.parametrize("value", ["0 6 * *", "61 * * * *", "* * * * * *", 5, ["0"]])
def test_bad_schedules_are_explained(value: Any) -> None:
    assert source_schedule_errors(value)


@pytest.mark.parametrize("value", ["", None, "0 6 * * 1", "*/15 * * * *"])
def test_good_or_blank_schedules_pass(value: Any) -> None:
    assert source_schedule_errors(value) == []


def test_sync_refuses_a_bad_schedule_rather_than_storing_it() -> None:
    with pytest.raises(ValueError, match="not a valid crontab"):
        source_schedule_sync(source=source(schedule="99 * * * *"))
    assert not PeriodicTask.objects.filter(name__startswith="inventory/").exists()

"""The demo's inventory: three rooftops fed by files in two layouts through the real import,
idempotent re-seeding, and a move whose import reports exactly what the move did."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings
from django_celery_beat.models import PeriodicTask

from como.demo import automotive
from como.demo.hooks import seeders
from como.workspaces.models import Workspace
from tests.factories import WorkspaceFactory
from verticals.automotive.inventory.demo import feeds
from verticals.automotive.inventory.demo.services import (
    MOVE_TASK,
    demo_inventory_move,
    demo_inventory_seed,
    move_task_name,
)
from verticals.automotive.inventory.models import (
    ImportStatus,
    InventoryImport,
    Rooftop,
    Vehicle,
    VehicleStatus,
)
from verticals.automotive.inventory.vin import vin_problem

ANCHOR = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture
def root(tmp_path: Path) -> Any:
    with override_settings(COMO_INVENTORY_FILE_ROOT=str(tmp_path)):
        yield tmp_path


@pytest.fixture
def lakeside(db: Any) -> Workspace:
    return WorkspaceFactory.create(slug=automotive.SPEC.slug, vertical="automotive")


def test_the_vertical_registers_its_demo_seeder() -> None:
    assert demo_inventory_seed in seeders.all()


def test_other_workspaces_get_nothing(root: Path, db: Any) -> None:
    other = WorkspaceFactory.create(slug="some-dealer", vertical="automotive")
    assert demo_inventory_seed(other, ANCHOR) == []
    assert not Rooftop.objects.exists()
    assert not list(root.iterdir())


def test_generated_vins_are_valid_and_agree_with_the_make() -> None:
    vehicles = feeds.inventory_new(feeds.store("LFA"), ANCHOR.date(), seed=7)
    assert len(vehicles) == feeds.NEW_PER_STORE + feeds.USED_PER_STORE
    assert all(vin_problem(v["vin"]) is None for v in vehicles)
    assert vehicles == feeds.inventory_new(feeds.store("LFA"), ANCHOR.date(), seed=7)


def test_seed_imports_three_rooftops_in_two_layouts_and_reseeding_changes_nothing(
    root: Path, lakeside: Workspace
) -> None:
    lines = demo_inventory_seed(lakeside, ANCHOR)

    rooftops = Rooftop.objects.filter(workspace=lakeside)
    assert sorted(r.store_code for r in rooftops) == ["LFA", "LHO", "LTN"]
    assert {r.time_zone for r in rooftops} == {"America/Chicago"}
    imports = InventoryImport.objects.filter(workspace=lakeside)
    assert sorted(i.format_key for i in imports) == ["csv-common", "csv-common", "csv-fullpath"]
    per_store = feeds.NEW_PER_STORE + feeds.USED_PER_STORE
    for record in imports:
        assert record.status == ImportStatus.SUCCEEDED, record.errors
        assert record.counts["created"] == record.counts["rows"] == per_store
        assert record.counts["rejected"] == 0
        assert record.errors == []
    assert Vehicle.objects.filter(workspace=lakeside).count() == 3 * per_store
    assert f"{3 * per_store} vehicles available at 3 rooftops" in lines[-1]
    task = PeriodicTask.objects.get(name=move_task_name(lakeside.pk))
    assert task.task == MOVE_TASK
    assert task.interval is not None
    assert (task.interval.every, task.interval.period) == (3, "minutes")
    assert json.loads(task.kwargs) == {"workspace_id": lakeside.pk}

    before = list(Vehicle.objects.filter(workspace=lakeside).values().order_by("pk"))
    demo_inventory_seed(lakeside, ANCHOR)
    assert Rooftop.objects.filter(workspace=lakeside).count() == 3
    assert PeriodicTask.objects.filter(name=move_task_name(lakeside.pk)).count() == 1
    again = InventoryImport.objects.filter(workspace=lakeside).order_by("-pk")[:3]
    for record in again:
        assert record.counts["unchanged"] == record.counts["rows"] == per_store
    assert list(Vehicle.objects.filter(workspace=lakeside).values().order_by("pk")) == before


@pytest.mark.parametrize("moves", [2])
def test_a_move_sells_reprices_and_adds_what_it_says(
    root: Path, lakeside: Workspace, moves: int
) -> None:
    demo_inventory_seed(lakeside, ANCHOR)
    seen = set()
    for _ in range(moves * 3):  # every rooftop twice: sold rows leave the file on the next
        record, done = demo_inventory_move(workspace=lakeside)
        assert record is not None
        assert done is not None
        assert record.status == ImportStatus.SUCCEEDED, (record.message, record.errors)
        seen.add(record.rooftop.store_code)
        layout = feeds.LAYOUTS[record.rooftop.store_code]
        counts = record.counts
        assert done.sold
        assert done.repriced
        assert done.added
        assert counts["created"] == len(done.added)
        assert counts["changed"] == len(done.repriced)
        sold_count = counts["sold"] if layout.has_status else counts["removed"]
        assert sold_count == len(done.sold)
        assert counts["sold"] + counts["removed"] == len(done.sold)
        assert counts["rejected"] == counts["returned"] == 0
        vehicles = Vehicle.objects.filter(rooftop=record.rooftop)
        gone = vehicles.filter(stock_number__in=done.sold)
        assert {v.status for v in gone} == {
            VehicleStatus.SOLD if layout.has_status else VehicleStatus.REMOVED
        }
        assert vehicles.filter(stock_number__in=done.added).count() == len(done.added)
    assert seen == {"LTN", "LFA", "LHO"}


def test_a_move_without_demo_feeds_does_nothing(root: Path, lakeside: Workspace) -> None:
    assert demo_inventory_move(workspace=lakeside) == (None, None)
    assert not InventoryImport.objects.exists()

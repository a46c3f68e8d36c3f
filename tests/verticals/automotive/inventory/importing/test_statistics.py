"""An import that grows the inventory tables refreshes the planner's figures for them.

What the planner believes is `pg_class.reltuples`, which only ANALYZE (or VACUUM) sets; the
database under test runs without autovacuum, as CI's does, so nothing else would move it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from verticals.automotive.inventory.models import Rooftop, Vehicle, VehicleChange

from .support import import_rows, vehicle

pytestmark = pytest.mark.django_db


def believed(model: Any) -> float:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table]
        )
        return float(cursor.fetchone()[0])


def fill(rooftop: Rooftop, first: int, count: int, run: Callable[..., Any]) -> None:
    with run(execute=True):
        import_rows(rooftop, [vehicle(n, first + n) for n in range(1, count + 1)])


def test_a_large_import_analyzes_what_it_grew(
    rooftop: Rooftop, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    # Enough rows that the figure before (whatever an earlier test left: ANALYZE's figures
    # outlive a rolled-back transaction) cannot already be the count after.
    existing = Vehicle.objects.count()
    count = 120 if believed(Vehicle) != existing + 120 else 121
    fill(rooftop, 1_000, count, django_capture_on_commit_callbacks)
    assert believed(Vehicle) == Vehicle.objects.count() == existing + count
    assert believed(VehicleChange) == VehicleChange.objects.count()


def test_a_small_import_leaves_the_figures_to_autovacuum(
    rooftop: Rooftop, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    fill(rooftop, 2_000, 120, django_capture_on_commit_callbacks)
    before = believed(Vehicle)
    fill(rooftop, 3_000, 40, django_capture_on_commit_callbacks)
    assert believed(Vehicle) == before != Vehicle.objects.count()

"""The set-based diff, exactly: each kind of change, its history rows and its reaction payload.

Rows go in already validated (the parsing side has its own tests, and test_pipeline.py runs
files end to end); what is checked here is the SQL: kinds, ``{field: [old, new]}``, instants.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from como.workspaces.models import Workspace
from tests.verticals.automotive.inventory.factories import rooftop_make
from verticals.automotive.inventory.importing.reactions import INVENTORY_CHANGED, InventoryDiff
from verticals.automotive.inventory.models import Rooftop, Vehicle, VehicleChange

from .support import import_rows, vehicle

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard() -> Iterator[list[tuple[int, InventoryDiff]]]:
    calls: list[tuple[int, InventoryDiff]] = []
    with INVENTORY_CHANGED.override(lambda workspace_id, diff: calls.append((workspace_id, diff))):
        yield calls


def history(serial: int) -> list[tuple[str, dict[str, Any]]]:
    from .support import vin

    rows = VehicleChange.objects.filter(vehicle__vin=vin(serial)).order_by("id")
    return [(change.kind, change.changes) for change in rows]


def ids(*serials: int) -> tuple[int, ...]:
    from .support import vin

    by_vin = dict(Vehicle.objects.values_list("vin", "id"))
    return tuple(by_vin[vin(s)] for s in serials)


def test_the_acceptance_sequence(
    rooftop: Rooftop,
    dealer: Workspace,
    heard: list[tuple[int, InventoryDiff]],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    def run(rows: list[Any], *, full: bool = False) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return import_rows(rooftop, rows, full=full)

    lot = {s: vehicle(s, s) for s in (1, 2, 3, 4, 5)}
    # 1. add five vehicles
    first = run(list(lot.values()))
    assert first.counts == {
        "rows": 5, "created": 5, "changed": 0, "sold": 0,
        "removed": 0, "returned": 0, "unchanged": 0, "rejected": 0,
    }  # fmt: skip
    assert heard[-1] == (dealer.pk, InventoryDiff(first.pk, rooftop.pk, created=ids(1, 2, 3, 4, 5)))
    assert history(1) == [
        (
            "created",
            {
                "status": [None, "available"],
                "price": [None, "20000.00"],
                "internet_price": [None, None],
                "mileage": [None, 50000],
            },
        )
    ]
    # 2. a price change
    lot[1] = replace(lot[1], price=Decimal("19500.00"))
    second = run(list(lot.values()))
    assert (second.counts["changed"], second.counts["unchanged"]) == (1, 4)
    assert history(1)[-1] == ("changed", {"price": ["20000.00", "19500.00"]})
    assert heard[-1][1] == InventoryDiff(second.pk, rooftop.pk, changed=ids(1))
    # 3. a photo change
    lot[2] = replace(lot[2], photos=("https://img.example/2/1.jpg", "https://img.example/2/2.jpg"))
    third = run(list(lot.values()))
    assert history(2)[-1] == (
        "changed",
        {
            "photos": [
                ["https://img.example/2/1.jpg"],
                ["https://img.example/2/1.jpg", "https://img.example/2/2.jpg"],
            ]
        },
    )
    assert heard[-1][1] == InventoryDiff(third.pk, rooftop.pk, changed=ids(2))
    # 4. sold (status sold in the feed)
    lot[3] = replace(lot[3], status="sold")
    fourth = run(list(lot.values()))
    assert fourth.counts["sold"] == 1
    assert history(3)[-1] == ("sold", {"status": ["available", "sold"]})
    sold = Vehicle.objects.get(pk=ids(3)[0])
    assert sold.status == "sold"
    assert sold.sold_at is not None
    assert heard[-1][1] == InventoryDiff(fourth.pk, rooftop.pk, sold=ids(3))
    # 5. missing from a full feed: 1 of the 4 available (25 %, under the 30 % guard)
    without_4 = [lot[s] for s in (1, 2, 3, 5)]
    fifth = run(without_4, full=True)
    assert fifth.status == "succeeded"
    assert (fifth.counts["removed"], fifth.counts["unchanged"]) == (1, 4)
    assert history(4)[-1] == ("removed", {"status": ["available", "removed"]})
    gone = Vehicle.objects.get(pk=ids(4)[0])
    assert gone.status == "removed"
    assert gone.removed_at is not None
    assert heard[-1][1] == InventoryDiff(fifth.pk, rooftop.pk, removed=ids(4))
    # 6. back in stock
    sixth = run(list(lot.values()), full=True)
    assert (sixth.counts["returned"], sixth.counts["removed"]) == (1, 0)
    assert history(4)[-1] == ("returned", {"status": ["removed", "available"]})
    back = Vehicle.objects.get(pk=ids(4)[0])
    assert back.status == "available"
    assert back.removed_at is None
    assert heard[-1][1] == InventoryDiff(sixth.pk, rooftop.pk, returned=ids(4))
    # Vehicles are never deleted; each import wrote exactly the rows above.
    assert Vehicle.objects.count() == 5
    assert VehicleChange.objects.count() == 5 + 1 + 1 + 1 + 1 + 1
    # 7. the same file again changes nothing and calls nobody
    calls = len(heard)
    again = run(list(lot.values()), full=True)
    assert again.counts["unchanged"] == 5
    assert sum(again.counts[k] for k in ("created", "changed", "sold", "removed", "returned")) == 0
    assert VehicleChange.objects.count() == 10
    assert len(heard) == calls


def test_every_field_is_compared_and_cost_is_recorded_without_its_values(
    rooftop: Rooftop,
) -> None:
    import_rows(rooftop, [vehicle(2, 7)])
    changed = replace(
        vehicle(2, 7),
        mileage=50_100,
        cost=Decimal("14000.00"),
        dealer_charges=(("Doc fee", Decimal("249.00")),),
        certified=True,
        trim="EX-L",
    )
    import_rows(rooftop, [changed])
    kind, changes = history(7)[-1]
    assert kind == "changed"
    assert changes == {
        "mileage": [50_000, 50_100],
        "cost": ["(confidential)", "(confidential)"],
        "dealer_charges": [
            [{"name": "Doc fee", "amount": "199.00"}],
            [{"name": "Doc fee", "amount": "249.00"}],
        ],
        "certified": [False, True],
        "trim": ["EX", "EX-L"],
    }
    stored = Vehicle.objects.get()
    assert (stored.cost, stored.trim, stored.mileage) == (Decimal("14000.00"), "EX-L", 50_100)


def test_a_feed_without_received_at_keeps_the_stored_one(rooftop: Rooftop) -> None:
    from datetime import UTC, datetime

    received = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
    import_rows(rooftop, [vehicle(2, 8, received_at=received)])
    again = import_rows(rooftop, [vehicle(2, 8)])
    assert again.counts["unchanged"] == 1
    assert Vehicle.objects.get().received_at == received


def test_a_vin_from_another_rooftop_moves_here(rooftop: Rooftop, dealer: Workspace) -> None:
    other = rooftop_make(dealer, name="Lakeside Toyota", store_code="LKT", dealer_id="D-200")
    import_rows(other, [vehicle(2, 9)])
    moved = import_rows(rooftop, [vehicle(2, 9, stock_number="T9")])
    assert moved.counts["changed"] == 1
    stored = Vehicle.objects.get()
    assert (stored.rooftop_id, stored.stock_number) == (rooftop.pk, "T9")
    assert history(9)[-1] == (
        "changed",
        {"stock_number": ["S9", "T9"], "rooftop": [other.pk, rooftop.pk]},
    )


def test_a_stock_number_held_by_another_vin_rejects_that_row_only(rooftop: Rooftop) -> None:
    import_rows(rooftop, [vehicle(2, 10, stock_number="A1")])
    record = import_rows(rooftop, [vehicle(2, 11, stock_number="A1"), vehicle(3, 12)])
    assert (record.counts["created"], record.counts["rejected"]) == (1, 1)
    assert record.errors == [
        {
            "row": 2,
            "field": "stock_number",
            "message": "This stock number belongs to another vehicle of the rooftop (VIN "
            f"{Vehicle.objects.get(stock_number='A1').vin}); VIN "
            f"{vehicle(2, 11).vin} was not imported.",
        }
    ]


def test_another_workspaces_vehicles_are_neither_matched_nor_removed(
    rooftop: Rooftop, other_workspace: Workspace
) -> None:
    theirs = rooftop_make(other_workspace)
    import_rows(theirs, [vehicle(2, 13), vehicle(3, 14)])
    mine = import_rows(rooftop, [vehicle(2, 13)], full=True)
    assert mine.counts["created"] == 1
    assert Vehicle.objects.filter(workspace=other_workspace, status="available").count() == 2


def test_a_real_table_named_like_the_stage_is_left_alone(rooftop: Rooftop) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE public.inventory_import_stage (keep integer)")
        cursor.execute("CREATE TABLE public.inventory_import_diff (keep integer)")
    import_rows(rooftop, [vehicle(2, 15)])
    import_rows(rooftop, [vehicle(2, 15)])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename IN ('inventory_import_stage', 'inventory_import_diff')"
        )
        assert cursor.fetchone() == (2,)

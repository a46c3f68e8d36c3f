"""``como.rawsql.values_by_id``: the ORM's ``values()`` by id, read with one array parameter."""

from __future__ import annotations

from decimal import Decimal

import pytest

from como.rawsql import values_by_id
from como.workspaces.models import Workspace
from verticals.automotive.ads.creative.context import VEHICLE_FIELDS
from verticals.automotive.inventory.models import Rooftop, Vehicle

from .factories import VINS, rooftop_make, vehicle_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def rooftop(workspace: Workspace) -> Rooftop:
    return rooftop_make(workspace)


def test_it_gives_exactly_what_the_orm_gives_and_only_the_workspaces_rows(
    rooftop: Rooftop, other_workspace: Workspace
) -> None:
    ours = [
        vehicle_make(
            rooftop,
            vin=VINS[0],
            price=Decimal("18999.50"),
            photos=["https://img.example/1.jpg", "https://img.example/2.jpg"],
            dealer_charges=[{"name": "Doc fee", "amount": "199.00"}],
        ),
        vehicle_make(rooftop, vin=VINS[1], stock_number="B2", price=None, photos=[]),
    ]
    theirs = vehicle_make(rooftop_make(other_workspace), vin=VINS[2])
    ids = [v.pk for v in ours] + [theirs.pk, 2147483000]

    found = values_by_id(Vehicle, VEHICLE_FIELDS, workspace_id=rooftop.workspace_id, ids=ids)

    expected = {
        row["id"]: row
        for row in Vehicle.objects.filter(workspace_id=rooftop.workspace_id, pk__in=ids).values(
            *VEHICLE_FIELDS
        )
    }
    assert found == expected
    assert sorted(found) == sorted(v.pk for v in ours)
    assert found[ours[0].pk]["photos"] == ["https://img.example/1.jpg", "https://img.example/2.jpg"]
    assert found[ours[0].pk]["dealer_charges"] == [{"name": "Doc fee", "amount": "199.00"}]
    assert found[ours[0].pk]["price"] == Decimal("18999.50")
    assert "cost" not in found[ours[0].pk]


def test_no_ids_reads_nothing(rooftop: Rooftop) -> None:
    vehicle_make(rooftop)

    assert values_by_id(Vehicle, VEHICLE_FIELDS, workspace_id=rooftop.workspace_id, ids=[]) == {}

"""An automotive workspace with one rooftop and one vehicle whose cost is distinctive, for the
inventory-ads admin and API tests."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from como.workspaces.models import Workspace
from tests.factories import WorkspaceFactory
from tests.verticals.automotive.inventory.factories import VINS, rooftop_make, vehicle_make
from verticals.automotive.inventory.models import Rooftop, Vehicle

#: The vehicle's cost: confidential, so this string must never appear in any output.
COST = Decimal("12345.67")
COST_TEXTS = ("12345.67", "12,345.67", "12345", "12,345")
RECEIVED = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def dealer_workspace(slug: str = "lakeside", name: str = "Lakeside Auto Group") -> Workspace:
    return WorkspaceFactory.create(
        slug=slug,
        vertical="automotive",
        name=name,
        country="US",
        postal_address="1 Lake Rd, Madison, WI 53703",
    )


def dealer_rooftop(workspace: Workspace) -> Rooftop:
    return rooftop_make(
        workspace,
        street="1 Lake Rd",
        city="Madison",
        region="WI",
        postal_code="53703",
        country="US",
    )


def civic(rooftop: Rooftop, **fields: object) -> Vehicle:
    values: dict[str, object] = {
        "vin": VINS[0],
        "stock_number": "A100",
        "year": 2021,
        "make": "Honda",
        "model": "Civic",
        "trim": "EX",
        "condition": "used",
        "mileage": 23456,
        "exterior_color": "Blue",
        "price": Decimal("18995.00"),
        "cost": COST,
        "dealer_charges": [{"name": "Doc fee", "amount": "85.00"}],
        "photos": ["https://cdn.lakeside.example/a100/1.jpg"],
        "vdp_url": "https://lakeside.example/inventory/1HGCM82633A004352",
        "received_at": RECEIVED,
    }
    return vehicle_make(rooftop, **(values | fields))


def placed(workspace: Workspace) -> None:
    """The channel accounts and placements a launch needs, so a good creative has no block."""
    from como.agents.models import Playbook
    from como.channels.models import ChannelAccount

    ChannelAccount.objects.create(workspace=workspace, channel="paid_social", account_id="1234")
    ChannelAccount.objects.create(
        workspace=workspace, channel="paid_search", account_id="5550001111"
    )
    Playbook.objects.update_or_create(
        workspace=workspace,
        defaults={
            "overrides": {
                "merchandising": {
                    "placements": {
                        "paid_social": {"adset_id": "2385", "page_id": "1001"},
                        "paid_search": {"ad_group": "customers/5550001111/adGroups/77"},
                    }
                }
            }
        },
    )

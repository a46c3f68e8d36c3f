"""The demo's DMS history: imported through the real service for the demo's people at its
rooftops, in both DMS layouts, and a second seeding adds nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from como.campaigns.attribution.vin import vin_sales
from como.deals.models import Opportunity, OpportunityTransition
from como.demo import automotive
from como.demo.hooks import seeders
from como.ingest.services import events_ingest
from como.leads.models import Contact, Event
from como.workspaces.models import Workspace
from tests.factories import WorkspaceFactory
from tests.verticals.automotive.inventory.factories import rooftop_make
from verticals.automotive.dms.demo import AD_CLICK, demo_dms_seed
from verticals.automotive.dms.models import DmsImport, VehicleOwnership
from verticals.automotive.inventory.demo.services import demo_inventory_seed

ANCHOR = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db


@pytest.fixture
def lakeside(db: Any) -> Workspace:
    workspace = WorkspaceFactory.create(slug=automotive.SPEC.slug, vertical="automotive")
    for code, brand in (("LTN", "Toyota"), ("LFA", "Ford"), ("LHO", "Honda")):
        rooftop_make(workspace, store_code=code, dealer_id="", name=code, brands=[brand])
    Contact.objects.bulk_create(
        Contact(
            workspace=workspace, email=f"p{n}@example.com", first_name=f"P{n}", last_name="Demo"
        )
        for n in range(80)
    )
    return workspace


def test_it_runs_after_the_inventory_seeder() -> None:
    registered = list(seeders.all())
    assert registered.index(demo_inventory_seed) < registered.index(demo_dms_seed)


def test_two_years_of_deals_and_repair_orders_without_a_bad_row(lakeside: Workspace) -> None:
    lines = demo_dms_seed(lakeside, ANCHOR)

    imports = DmsImport.objects.filter(workspace=lakeside)
    assert sorted(i.preset for i in imports) == [
        "dms-deals-cdk",
        "dms-deals-cdk",
        "dms-deals-reynolds",
        "dms-ros-cdk",
        "dms-ros-cdk",
        "dms-ros-reynolds",
    ]
    assert [i.errors for i in imports] == [[]] * 6
    deals = Event.objects.filter(workspace=lakeside, type="vehicle_purchased").count()
    visits = Event.objects.filter(workspace=lakeside, type="service_visit").count()
    assert deals == 180
    assert visits > 200
    assert lines == [
        f"DMS history: {deals} deals and {visits} repair orders at 3 rooftops "
        f"({deals + visits} new events)"
    ]
    # Every deal is a won opportunity on its buyer with the VIN sold, in both DMS layouts.
    sales = Opportunity.objects.filter(workspace=lakeside)
    assert sales.count() == deals
    assert set(sales.values_list("status", "source")) == {("won", "dms")}
    assert sorted(sales.values_list("vin", flat=True)) == sorted(
        Event.objects.filter(workspace=lakeside, type="vehicle_purchased").values_list(
            "properties__vin", flat=True
        )
    )
    buyers = set(sales.values_list("contact_id", flat=True))
    assert set(Contact.objects.filter(pk__in=buyers).values_list("lifecycle_stage", flat=True)) == {
        "customer"
    }
    serviced = VehicleOwnership.objects.filter(workspace=lakeside, service_visits__gt=0)
    assert all(o.miles_per_day is not None and 19 <= o.miles_per_day <= 56 for o in serviced)

    again = demo_dms_seed(lakeside, ANCHOR)
    assert again[0].endswith("(0 new events)")
    assert Event.objects.filter(workspace=lakeside).count() == deals + visits
    assert Opportunity.objects.filter(workspace=lakeside).count() == deals
    assert OpportunityTransition.objects.filter(workspace=lakeside).count() == 2 * deals


def test_other_workspaces_get_nothing(db: Any) -> None:
    other = WorkspaceFactory.create(slug="some-dealer", vertical="automotive")
    assert demo_dms_seed(other, ANCHOR) == []


def test_recent_shoppers_buy_the_vehicle_they_viewed_after_its_ad(lakeside: Workspace) -> None:
    viewed: dict[str, Any] = {
        "vin": "1FMXK2XD0TC861168",
        "store": "LFA",
        "condition": "new",
        "price": 31_900,
        "year": 2026,
        "make": "Ford",
        "model": "Escape",
        "mileage": 9,
    }
    results = events_ingest(
        workspace=lakeside,
        events=[
            {
                "id": f"view-{n}",
                "type": "vdp_view",
                "occurred_at": (ANCHOR - timedelta(days=10 - n)).isoformat(),
                "contact": {"email": "p3@example.com"},
                "properties": viewed | {"path": "/inventory/escape"},
            }
            for n in range(2)
        ],
    )
    assert {r.status for r in results} == {"created"}
    demo_dms_seed(lakeside, ANCHOR)

    sale = Opportunity.objects.get(workspace=lakeside, vin=viewed["vin"])
    assert sale.contact is not None
    assert (sale.status, sale.amount, sale.contact.email) == ("won", 31_900, "p3@example.com")
    ad = Event.objects.get(workspace=lakeside, event_id=f"{AD_CLICK}{viewed['vin']}")
    assert (ad.utm_medium, ad.properties["vin"]) == ("paid_social", viewed["vin"])
    assert sale.closed_at is not None
    # Sold two days after the click, on the store's calendar (the DMS knows the day only).
    assert timedelta(days=1) <= sale.closed_at - ad.occurred_at <= timedelta(days=3)
    found = {
        s.vin: s
        for s in vin_sales(lakeside, since=ANCHOR.date() - timedelta(days=30), until=ANCHOR.date())
    }
    matched = found[viewed["vin"]]
    assert len(matched.vin_touches) >= 2
    assert matched.credited_channel == "paid_social"
    assert matched.days_to_sale is not None

    demo_dms_seed(lakeside, ANCHOR)  # a second seeding: the same deal, no second ad click
    assert Opportunity.objects.filter(workspace=lakeside, vin=viewed["vin"]).count() == 1
    assert Event.objects.filter(workspace=lakeside, event_id__startswith=AD_CLICK).count() == 1

"""VIN-level attribution: a DMS deal matched to its buyer's VDP views and the click of that
vehicle's ad, in vin_sales() and the API, with exact days, channel and ad."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

from como.campaigns.attribution.vin import vin_sales
from como.ingest.services import events_ingest
from como.leads.models import Event
from como.workspaces.models import Workspace
from tests.verticals.automotive.ads.support import car
from verticals.automotive.ads.models import VehicleAd
from verticals.automotive.dms.services import dms_import
from verticals.automotive.inventory.models import Rooftop

pytestmark = pytest.mark.django_db
SOLD = datetime(2026, 6, 1, 17, 0, tzinfo=UTC)  # 2026-06-01, noon in Chicago (CDT)
EMAIL = "ana@example.com"


def ev(key: str, type_: str, at: datetime, **extra: Any) -> dict[str, Any]:
    return {
        "id": key,
        "type": type_,
        "occurred_at": at.isoformat(),
        "contact": {"email": EMAIL},
    } | extra


def test_a_sold_vehicle_is_matched_to_its_vdp_views_and_its_ad(
    rooftop: Rooftop, key_client: Callable[[Workspace], APIClient]
) -> None:
    dealer = rooftop.workspace
    vehicle = car(rooftop, 1)
    other = car(rooftop, 2)
    VehicleAd.objects.create(
        workspace=dealer, vehicle=vehicle, channel="meta", external_id="AD-77", changed_at=SOLD
    )
    VehicleAd.objects.create(
        workspace=dealer, vehicle=other, channel="meta", external_id="AD-88", changed_at=SOLD
    )
    results = events_ingest(
        workspace=dealer,
        events=[
            # Not about the VIN: a search ad's landing 20 days and 3 hours before the sale.
            ev(
                "s1",
                "page_view",
                SOLD - timedelta(days=20, hours=3),
                utm={"source": "google", "medium": "cpc"},
            ),
            # The newsletter lands on the car's VDP; a second view inside the same visit.
            ev(
                "n1",
                "vdp_view",
                SOLD - timedelta(days=12),
                utm={"source": "news", "medium": "email"},
                properties={"vin": vehicle.vin},
            ),
            ev(
                "n2",
                "vdp_view",
                SOLD - timedelta(days=12) + timedelta(minutes=5),
                properties={"vin": vehicle.vin},
            ),
            # The click of the car's Meta ad, landing on its VDP.
            ev(
                "a1",
                "vdp_view",
                SOLD - timedelta(days=5),
                properties={"vin": vehicle.vin, "fbclid": "IwAR", "ad_id": "AD-77"},
            ),
            # Another car's ad, and a view after the sale: neither is about the sold VIN.
            ev(
                "a2",
                "page_view",
                SOLD - timedelta(days=2),
                properties={"fbclid": "IwAR2", "ad_id": "AD-88"},
            ),
            ev("late", "vdp_view", SOLD + timedelta(days=1), properties={"vin": vehicle.vin}),
        ],
    )
    assert {r.status for r in results} == {"created"}, results
    deals = (
        "deal_number,purchase_date,vin,condition,price,first_name,last_name,email,rooftop\n"
        f"D-1,2026-06-01,{vehicle.vin},used,20999.00,Ana,Ruiz,{EMAIL},LKH\n"
    )
    done = dms_import(
        rooftop=rooftop, kind="deals", data=deals.encode(), now=SOLD + timedelta(days=2)
    )
    assert done.counts["opportunities"] == 1, done.counts
    ids = dict(Event.objects.values_list("event_id", "id"))

    [sale] = vin_sales(dealer, since=SOLD.date(), until=SOLD.date())
    assert (sale.vin, sale.sold_at, str(sale.amount)) == (vehicle.vin, SOLD, "20999.00")
    assert sale.first_touch_at == SOLD - timedelta(days=20, hours=3)
    assert sale.days_to_sale == 20
    assert [(t.event_id, t.kind, t.channel, t.ad_id) for t in sale.vin_touches] == [
        (ids["n1"], "landing", "email", None),
        (ids["n2"], "page", "email", None),
        (ids["a1"], "ad_click", "paid_social", "AD-77"),
    ]
    assert sale.other_touches == 2  # the search landing and the other car's ad
    assert (sale.credited_channel, sale.credited_ad) == ("paid_social", "AD-77")
    assert (
        vin_sales(
            dealer, since=SOLD.date() + timedelta(days=1), until=SOLD.date() + timedelta(days=3)
        )
        == []
    )

    api = key_client(dealer)
    body = api.get(
        "/api/v1/attribution/vins", {"since": "2026-06-01", "until": "2026-06-01"}
    ).json()
    [found] = body["sales"]
    assert (
        found["vin"],
        found["days_to_sale"],
        found["credited_channel"],
        found["credited_ad"],
    ) == (
        vehicle.vin,
        20,
        "paid_social",
        "AD-77",
    )
    assert [t["channel"] for t in found["vin_touches"]] == ["email", "email", "paid_social"]
    response = api.get(
        "/api/v1/attribution/vins", {"since": "2026-06-01", "until": "2026-06-01", "format": "csv"}
    )
    assert response["Content-Type"].startswith("text/csv")
    [row] = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert (row["vin"], row["days_to_sale"], row["credited_ad"], row["vin_touches"]) == (
        vehicle.vin,
        "20",
        "AD-77",
        "3",
    )
    bad = api.get("/api/v1/attribution/vins", {"since": "2026-06-02", "until": "2026-06-01"})
    assert bad.status_code == 400
    assert "since" in bad.json()

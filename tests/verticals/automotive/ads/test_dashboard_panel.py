"""The dashboard's inventory-ads health panel on crafted ads and breaches: exact figures."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from como.workspaces.models import Workspace
from verticals.automotive.ads.dashboard import inventory_ads_health
from verticals.automotive.ads.models import AdBreach, AdState, VehicleAd
from verticals.automotive.inventory.models import Rooftop

from .support import car


def test_live_ads_sale_to_pause_and_breaches(dealer: Workspace, rooftop: Rooftop) -> None:
    now = timezone.now()
    live = [car(rooftop, n) for n in (1, 2)]
    for vehicle in live:
        for channel in ("paid_social", "paid_search"):
            VehicleAd.objects.create(
                workspace=dealer,
                vehicle=vehicle,
                channel=channel,
                state=AdState.LIVE,
                changed_at=now,
                live_since=now,
            )
    # Sold vehicles whose ads were paused 10, 20, 30 and 40 seconds after the sale.
    for n, wait in zip((3, 4, 5, 6), (10, 20, 30, 40), strict=True):
        sold_at = now - timedelta(hours=1)
        vehicle = car(rooftop, n, status="sold", sold_at=sold_at)
        VehicleAd.objects.create(
            workspace=dealer,
            vehicle=vehicle,
            channel="paid_social",
            state=AdState.PAUSED,
            changed_at=sold_at + timedelta(seconds=wait),
        )
    # One paused long ago (outside 7 days), one ad breached 48 hours: one resolved, one open.
    old = car(rooftop, 7, status="sold", sold_at=now - timedelta(days=20))
    VehicleAd.objects.create(
        workspace=dealer,
        vehicle=old,
        channel="paid_social",
        state=AdState.PAUSED,
        changed_at=now - timedelta(days=19),
    )
    late_sale = now - timedelta(days=3)
    late = car(rooftop, 8, status="sold", sold_at=late_sale)
    for channel, resolved in (("paid_social", now), ("paid_search", None)):
        ad = VehicleAd.objects.create(
            workspace=dealer,
            vehicle=late,
            channel=channel,
            state=AdState.PAUSED if resolved else AdState.LIVE,
            changed_at=now - timedelta(days=2),
        )
        AdBreach.objects.create(
            workspace=dealer,
            vehicle_ad=ad,
            vehicle=late,
            channel=channel,
            sold_at=late_sale,
            detected_at=now - timedelta(days=1),
            resolved_at=resolved,
        )
    week = inventory_ads_health(workspace=dealer, days=7, now=now)
    assert week == {
        "vehicles_advertised": 3,  # the two live cars and the breached one still live
        "live_ads": 5,
        "paused_after_sale": 5,  # the four, and the breached ad paused a day after the sale
        "sale_to_pause_p50_seconds": 30.0,
        "sale_to_pause_p90_seconds": 86_400.0,
        "breaches_48h": 2,
        "breaches_open": 1,
    }
    month = inventory_ads_health(workspace=dealer, days=30, now=now)
    assert month["paused_after_sale"] == 6
    assert month["sale_to_pause_p90_seconds"] == 86_400.0

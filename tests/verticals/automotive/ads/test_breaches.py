"""The 48-hour net: ads still live two days after their vehicle sold are recorded as breaches
once, and resolved when the ad is paused (issue 13, item 5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from como.workspaces.models import Workspace
from tests.verticals.automotive.inventory.factories import VINS, rooftop_make, vehicle_make
from verticals.automotive.ads.breaches import LIMIT, breaches_check
from verticals.automotive.ads.models import AdBreach, AdState, VehicleAd
from verticals.automotive.inventory.models import Vehicle, VehicleStatus

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def _ad(vehicle: Vehicle, channel: str, state: str) -> VehicleAd:
    return VehicleAd.objects.create(
        workspace_id=vehicle.workspace_id,
        vehicle=vehicle,
        channel=channel,
        external_id="1",
        state=state,
        changed_at=NOW - timedelta(days=5),
    )


def test_an_ad_live_48_hours_after_the_sale_is_a_breach_recorded_once(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    rooftop = rooftop_make(workspace)
    late = vehicle_make(
        rooftop, vin=VINS[0], stock_number="S1", status=VehicleStatus.SOLD, sold_at=NOW - LIMIT
    )
    early = vehicle_make(
        rooftop,
        vin=VINS[1],
        stock_number="S2",
        status=VehicleStatus.SOLD,
        sold_at=NOW - LIMIT + timedelta(hours=1),
    )
    gone = vehicle_make(
        rooftop,
        vin=VINS[2],
        stock_number="S3",
        status=VehicleStatus.REMOVED,
        removed_at=NOW - timedelta(days=3),
    )
    available = vehicle_make(rooftop, vin=VINS[3], stock_number="S4")
    breached = [_ad(late, "paid_social", AdState.LIVE), _ad(gone, "paid_search", AdState.LAUNCHING)]
    _ad(late, "paid_search", AdState.PAUSED)  # paused in time: no breach
    _ad(early, "paid_social", AdState.LIVE)  # sold 47 hours ago: not yet
    _ad(available, "paid_social", AdState.LIVE)

    check = breaches_check(now=NOW)

    assert check.recorded == 2
    assert check.open_by_workspace == {workspace.pk: sorted([late.pk, gone.pk])}
    rows = AdBreach.objects.order_by("vehicle_id")
    assert [(b.vehicle_ad_id, b.sold_at) for b in rows] == [
        (breached[0].pk, late.sold_at),
        (breached[1].pk, gone.removed_at),
    ]
    # A second run records nothing new, but the breaches are still open.
    again = breaches_check(now=NOW + timedelta(minutes=5))
    assert again.recorded == 0
    assert again.open_by_workspace == check.open_by_workspace
    assert AdBreach.objects.count() == 2

    # Paused: resolved at the next check, and no longer open.
    VehicleAd.objects.filter(pk=breached[0].pk).update(state=AdState.PAUSED)
    third = breaches_check(now=NOW + timedelta(minutes=10))
    assert third.resolved == 1
    assert third.open_by_workspace == {workspace.pk: [gone.pk]}
    resolved = AdBreach.objects.get(vehicle_ad=breached[0])
    assert resolved.resolved_at == NOW + timedelta(minutes=10)
    assert not AdBreach.objects.filter(workspace=other_workspace).exists()

"""The console dashboard's inventory-ads health panel (registered from the vertical's ready()).

Figures for one workspace: vehicles advertised and live ads now; over the period, the time from
a vehicle's sale (or removal) to its ad's pause, p50 and p90 over the ads paused in the period,
and the 48-hour breaches detected (CA Veh. Code 11614(c); ``breaches.py``), with those still open.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from como.console.panels import Panel
from como.console.selectors import period_start
from como.workspaces.models import Workspace

from .models import AdBreach, AdState, VehicleAd


def _nearest_rank(values: list[float], share: float) -> float | None:
    if not values:
        return None
    return values[max(0, math.ceil(share * len(values)) - 1)]


def inventory_ads_health(*, workspace: Workspace, days: int, now: datetime) -> dict[str, Any]:
    start = period_start(days, now)
    ads = VehicleAd.objects.filter(workspace=workspace)
    live = ads.filter(state=AdState.LIVE).aggregate(
        ads=Count("pk"), vehicles=Count("vehicle_id", distinct=True)
    )
    waits = sorted(
        (changed_at - gone_at).total_seconds()
        for changed_at, gone_at in ads.filter(
            state=AdState.PAUSED, changed_at__gte=start, changed_at__lte=now
        )
        .annotate(gone_at=Coalesce(F("vehicle__sold_at"), F("vehicle__removed_at")))
        .filter(gone_at__isnull=False, gone_at__lte=F("changed_at"))
        .values_list("changed_at", "gone_at")
    )
    breaches = AdBreach.objects.filter(
        workspace=workspace, detected_at__gte=start, detected_at__lte=now
    ).aggregate(detected=Count("pk"), open=Count("pk", filter=Q(resolved_at__isnull=True)))
    return {
        "vehicles_advertised": live["vehicles"],
        "live_ads": live["ads"],
        "paused_after_sale": len(waits),
        "sale_to_pause_p50_seconds": _nearest_rank(waits, 0.5),
        "sale_to_pause_p90_seconds": _nearest_rank(waits, 0.9),
        "breaches_48h": breaches["detected"],
        "breaches_open": breaches["open"],
    }


def _context(*, workspace: Workspace, days: int, **_: Any) -> dict[str, Any]:
    return inventory_ads_health(workspace=workspace, days=days, now=timezone.now())


PANEL = Panel(
    "inventory_ads",
    "dashboard",
    "Inventory ads health",
    70,
    "console/panels/inventory_ads.html",
    _context,
    verticals=frozenset({"automotive"}),
)

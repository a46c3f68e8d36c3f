"""The 48-hour rule: a vehicle sold (or gone from the feed) 48 hours ago or more must not be
advertised anywhere (CA Veh. Code 11614(c); the FTC's March 2026 warning letters named
listings left live after a sale). como pauses in seconds; this is the net under that.

Beat runs :func:`breaches_check` every few minutes: every ad still live (or launching) whose
vehicle left stock at least :data:`LIMIT` ago is recorded as an :class:`AdBreach`, once per ad
and sale, and its pause is proposed again; a breach is resolved once its ad is paused."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..inventory.models import VehicleStatus
from .models import AdBreach, AdState, VehicleAd

LIMIT = timedelta(hours=48)
CITATION = "Cal. Veh. Code § 11614(c)"
BREACH_TASK = "verticals.automotive.check_ad_breaches"
#: How often beat runs the check: a breach is recorded at most this late.
CHECK_EVERY_SECONDS = 300.0


@dataclass
class BreachCheck:
    recorded: int = 0
    resolved: int = 0
    #: workspace id → vehicle ids whose ads are in breach (new or still open).
    open_by_workspace: dict[int, list[int]] = field(default_factory=dict)


@transaction.atomic
def breaches_check(*, now: datetime | None = None) -> BreachCheck:
    """Record new breaches, resolve those whose ad is no longer live, and return what is
    still open per workspace (for the pause to be proposed again).

    Takes no lock: the unique (ad, sale instant) constraint makes a concurrent run record
    each breach once (``ignore_conflicts``)."""
    now = now or timezone.now()
    check = BreachCheck()
    check.resolved = AdBreach.objects.filter(
        resolved_at__isnull=True, vehicle_ad__state__in=[AdState.PAUSED]
    ).update(resolved_at=now)
    live = (
        VehicleAd.objects.filter(
            state__in=[AdState.LIVE, AdState.LAUNCHING],
            vehicle__status__in=[VehicleStatus.SOLD, VehicleStatus.REMOVED],
        )
        .annotate(gone_at=Coalesce(F("vehicle__sold_at"), F("vehicle__removed_at")))
        .filter(gone_at__lte=now - LIMIT)
        .values("pk", "workspace_id", "vehicle_id", "channel", "gone_at")
    )
    rows = list(live)
    AdBreach.objects.bulk_create(
        [
            AdBreach(
                workspace_id=row["workspace_id"],
                vehicle_ad_id=row["pk"],
                vehicle_id=row["vehicle_id"],
                channel=row["channel"],
                sold_at=row["gone_at"],
                detected_at=now,
            )
            for row in rows
        ],
        ignore_conflicts=True,
    )
    # ignore_conflicts sets no primary keys: the rows recorded by this run carry its instant.
    check.recorded = AdBreach.objects.filter(detected_at=now).count()
    grouped: dict[int, set[int]] = defaultdict(set)
    for row in rows:
        grouped[row["workspace_id"]].add(row["vehicle_id"])
    check.open_by_workspace = {ws: sorted(ids) for ws, ids in grouped.items()}
    return check

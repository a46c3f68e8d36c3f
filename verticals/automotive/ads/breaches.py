"""The nets under the pause: a vehicle sold (or gone from the feed) 48 hours ago or more must
not be advertised anywhere (CA Veh. Code 11614(c); the FTC's March 2026 warning letters named
listings left live after a sale). como pauses in seconds, from the import's reaction; beat
runs :func:`ads_sweep` every minute for whatever that missed:

- **Stray live ads**: a vehicle gone from stock for more than :data:`GRACE` with an ad still
  live and no pause of it waiting or running (the reaction's message was lost with the broker,
  a pause failed on a platform) has its pause proposed again, and the vertical's policy
  approves it at once: a lost reaction costs a minute, not the sale's 48 hours. Where people
  approve pauses and one refused it, the question rests :data:`ASK_AGAIN_AFTER_REJECTION`.
- **Breaches**: every ad still live (or launching) whose vehicle left stock at least
  :data:`LIMIT` ago is recorded as an :class:`AdBreach` (once per ad and sale) that the admin
  shows; a breach is resolved once its ad is paused."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from como.agents.models import ActionStatus, AgentAction
from como.workspaces.models import Workspace

from ..inventory.models import VehicleStatus
from .kinds import PAUSE
from .models import AdBreach, AdState, VehicleAd

LIMIT = timedelta(hours=48)
CITATION = "Cal. Veh. Code § 11614(c)"
#: How often beat sweeps: a lost reaction or a breach is acted on at most this late.
SWEEP_EVERY_SECONDS = 60.0
#: The import's own reaction pauses within seconds; the sweep leaves it this long first.
GRACE = timedelta(minutes=2)
#: A person who rejected a vehicle's pause is asked again only this long after: the breach
#: stays on record and on the dashboard meanwhile, and the question is not put every minute.
ASK_AGAIN_AFTER_REJECTION = timedelta(hours=4)


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


def stray_live_ads(*, now: datetime) -> dict[int, list[int]]:
    """Per workspace, the vehicles gone from stock for more than :data:`GRACE` that still
    have an ad live or launching and no pause waiting or running that features them, nor one
    refused less than :data:`ASK_AGAIN_AFTER_REJECTION` ago."""
    rows = (
        VehicleAd.objects.filter(
            state__in=[AdState.LIVE, AdState.LAUNCHING],
            vehicle__status__in=[VehicleStatus.SOLD, VehicleStatus.REMOVED],
        )
        .annotate(gone_at=Coalesce(F("vehicle__sold_at"), F("vehicle__removed_at")))
        .filter(gone_at__lte=now - GRACE)
        .values_list("workspace_id", "vehicle_id")
        .distinct()
    )
    found: dict[int, set[int]] = defaultdict(set)
    for workspace_id, vehicle_id in rows:
        found[workspace_id].add(vehicle_id)
    for workspace_id, vehicles in found.items():
        waiting = Q(
            status__in=[ActionStatus.PROPOSED, ActionStatus.APPROVED, ActionStatus.EXECUTING]
        )
        refused = Q(
            status=ActionStatus.REJECTED,
            finished_at__gt=now - ASK_AGAIN_AFTER_REJECTION,
        )
        pending = AgentAction.objects.filter(
            waiting | refused, workspace_id=workspace_id, kind=PAUSE
        ).values_list("payload__vehicle_ids", flat=True)
        for ids in pending:
            vehicles.difference_update(ids if isinstance(ids, list) else ())
    return {ws: sorted(ids) for ws, ids in found.items() if ids}


@dataclass
class Sweep:
    breaches: BreachCheck
    #: The pause actions proposed (their ids), per workspace.
    proposed: dict[int, int] = field(default_factory=dict)


def ads_sweep(*, now: datetime | None = None) -> Sweep:
    """Record breaches, then propose again the pause of every stray live ad. The proposal's
    idempotency key names the vehicles and the sweep's minute, so a pause that failed is
    proposed again at the next sweep, never twice in one."""
    from .proposals import vehicles_pause_propose

    now = now or timezone.now()
    sweep = Sweep(breaches_check(now=now))
    stray = stray_live_ads(now=now)
    for workspace in Workspace.objects.filter(pk__in=list(stray)):
        ids = stray[workspace.pk]
        digest = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:16]
        key = f"{PAUSE}:sweep:{now:%Y%m%d%H%M}:{digest}"
        action = vehicles_pause_propose(workspace=workspace, vehicle_ids=ids, idempotency_key=key)
        if action is not None:
            sweep.proposed[workspace.pk] = action.pk
            AdBreach.objects.filter(
                workspace=workspace, vehicle_id__in=ids, resolved_at__isnull=True, action=None
            ).update(action=action)
    return sweep

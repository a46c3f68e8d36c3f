"""Beat's sweep under the pause: a sold vehicle whose reaction was lost (or whose pause failed)
is paused within a sweep, never twice in one, and a pause already on its way is left alone."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from como.agents.execution import action_execute
from como.agents.models import ActionStatus, AgentAction
from como.agents.services import action_reject, playbook_for
from como.channels.models import SandboxRequest
from como.workspaces.models import Workspace
from verticals.automotive.ads.breaches import (
    ASK_AGAIN_AFTER_REJECTION,
    GRACE,
    LIMIT,
    ads_sweep,
    stray_live_ads,
)
from verticals.automotive.ads.kinds import PAUSE
from verticals.automotive.ads.models import AdBreach, VehicleAd
from verticals.automotive.inventory.models import Rooftop, Vehicle

from .support import car
from .test_agent import launched


def test_a_sold_vehicle_the_reaction_missed_is_paused_by_the_sweep(
    dealer: Workspace, rooftop: Rooftop, approver: Any
) -> None:
    cars = [car(rooftop, n) for n in range(1, 4)]
    launched(dealer, rooftop, approver, cars)
    now = timezone.now()
    # Sold without an import's reaction (its message lost with the broker): one just now,
    # one past the grace, one past the 48 hours.
    Vehicle.objects.filter(pk=cars[0].pk).update(status="sold", sold_at=now)
    Vehicle.objects.filter(pk=cars[1].pk).update(status="sold", sold_at=now - GRACE)
    Vehicle.objects.filter(pk=cars[2].pk).update(status="removed", removed_at=now - LIMIT)
    assert stray_live_ads(now=now) == {dealer.pk: [cars[1].pk, cars[2].pk]}

    before = SandboxRequest.objects.filter(workspace=dealer).count()
    sweep = ads_sweep(now=now)
    assert sweep.breaches.recorded == 2  # cars[2] on both channels
    pause = AgentAction.objects.get(pk=sweep.proposed[dealer.pk])
    assert pause.kind == PAUSE
    assert pause.status == ActionStatus.APPROVED  # the vertical's policy: no person needed
    assert pause.payload["vehicle_ids"] == [cars[1].pk, cars[2].pk]
    assert set(AdBreach.objects.values_list("action_id", flat=True)) == {pause.pk}

    # A second sweep while that pause waits proposes nothing more.
    again = ads_sweep(now=now + timedelta(seconds=30))
    assert again.proposed == {}
    assert stray_live_ads(now=now + timedelta(seconds=30)) == {}

    assert action_execute(pause.pk).status == ActionStatus.SUCCEEDED
    # 2 vehicles on 2 channels paused, and the catalog told.
    assert SandboxRequest.objects.filter(workspace=dealer).count() == before + 5
    states = set(
        VehicleAd.objects.filter(vehicle_id__in=[cars[1].pk, cars[2].pk]).values_list(
            "state", flat=True
        )
    )
    assert states == {"paused"}
    third = ads_sweep(now=now + timedelta(minutes=1))
    assert third.breaches.resolved == 2
    assert third.proposed == {}
    # cars[0], sold within the grace, is the import reaction's to pause: still live here.
    assert set(VehicleAd.objects.filter(vehicle=cars[0]).values_list("state", flat=True)) == {
        "live"
    }


def test_a_refused_pause_is_asked_again_hours_later_not_every_minute(
    dealer: Workspace, rooftop: Rooftop, approver: Any
) -> None:
    # This dealer has people approve pauses; the approver refuses the sweep's first one.
    playbook = playbook_for(dealer)
    playbook.auto_approve_kinds = [k for k in playbook.auto_approve_kinds if k != PAUSE]
    playbook.save()
    sold = car(rooftop, 1)
    launched(dealer, rooftop, approver, [sold])
    now = timezone.now()
    Vehicle.objects.filter(pk=sold.pk).update(status="sold", sold_at=now - GRACE)

    first = AgentAction.objects.get(pk=ads_sweep(now=now).proposed[dealer.pk])
    assert first.status == ActionStatus.PROPOSED
    action_reject(action=first, user=approver, reason="Sale fell through; keep it up.")

    for minutes in (1, 2, 60):
        assert ads_sweep(now=now + timedelta(minutes=minutes)).proposed == {}
    # The breach stays on record while the question rests, and is put again after the rest.
    later = timezone.now() + ASK_AGAIN_AFTER_REJECTION + timedelta(minutes=1)
    again = ads_sweep(now=later)
    assert AgentAction.objects.get(pk=again.proposed[dealer.pk]).payload["vehicle_ids"] == [sold.pk]

"""The demo's inventory ads: sandbox ad accounts and placements before the first import, then
one rooftop's launches approved by the workspace's owner and sent, the others waiting; the
demo's moving inventory then sells vehicles whose ads the agent pauses on its own."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from como.agents.execution import action_execute
from como.agents.models import ActionStatus, AgentAction
from como.channels.models import SandboxRequest
from como.demo import automotive
from como.demo.hooks import seeders
from como.workspaces.models import Workspace
from como.workspaces.roles import Role
from tests.factories import MembershipFactory, UserFactory, WorkspaceFactory
from verticals.automotive.ads.demo import LIVE_ROOFTOP, demo_ads_launch, demo_ads_seed
from verticals.automotive.ads.kinds import LAUNCH, PAUSE
from verticals.automotive.ads.models import VehicleAd
from verticals.automotive.ads.proposals import inventory_ads_react
from verticals.automotive.inventory.demo.services import demo_inventory_move, demo_inventory_seed
from verticals.automotive.inventory.importing.reactions import InventoryDiff
from verticals.automotive.inventory.models import Vehicle, VehicleStatus

ANCHOR = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture
def lakeside(db: Any, tmp_path: Path) -> Any:
    workspace = WorkspaceFactory.create(slug=automotive.SPEC.slug, vertical="automotive")
    MembershipFactory.create(workspace=workspace, user=UserFactory.create(), role=Role.OWNER)
    with override_settings(COMO_INVENTORY_FILE_ROOT=str(tmp_path)):
        yield workspace


def test_the_ads_seeders_run_around_the_inventorys() -> None:
    order = seeders.all()
    assert order.index(demo_ads_seed) < order.index(demo_inventory_seed)
    assert order.index(demo_inventory_seed) < order.index(demo_ads_launch)


def test_one_rooftop_goes_live_the_others_wait_and_a_sale_is_paused(lakeside: Workspace) -> None:
    assert demo_ads_seed(lakeside, ANCHOR)
    demo_inventory_seed(lakeside, ANCHOR)
    lines = demo_ads_launch(lakeside, ANCHOR)
    assert "approved and sent" in lines[0]

    live = VehicleAd.objects.filter(workspace=lakeside, state="live")
    rooftops = set(live.values_list("vehicle__rooftop__store_code", flat=True))
    assert rooftops == {LIVE_ROOFTOP}
    live_vehicles = set(live.values_list("vehicle_id", flat=True))
    # Both channels for every vehicle of that rooftop that was launched, one request each.
    assert live.count() == 2 * len(live_vehicles) > 0
    assert SandboxRequest.objects.filter(workspace=lakeside).count() == live.count()
    waiting = AgentAction.objects.filter(
        workspace=lakeside, kind=LAUNCH, status=ActionStatus.PROPOSED
    )
    assert waiting.exists()
    assert LIVE_ROOFTOP not in set(
        Vehicle.objects.filter(
            pk__in=[v for a in waiting for v in a.payload["vehicle_ids"]]
        ).values_list("rooftop__store_code", flat=True)
    )

    # Seeding again changes nothing.
    demo_ads_launch(lakeside, ANCHOR)
    assert SandboxRequest.objects.filter(workspace=lakeside).count() == live.count()

    # The moving inventory sells vehicles; the agent's reaction (the task's service, called
    # here as the worker would) pauses those with live ads, approved by the policy.
    for _ in range(3):
        record, _moved = demo_inventory_move(workspace=lakeside)
        if record is None:
            continue
        gone = tuple(
            Vehicle.objects.filter(
                last_import=record, status__in=[VehicleStatus.SOLD, VehicleStatus.REMOVED]
            ).values_list("pk", flat=True)
        )
        reaction = inventory_ads_react(
            workspace=lakeside,
            diff=InventoryDiff(import_id=record.pk, rooftop_id=record.rooftop_id, sold=gone),
        )
        if reaction.pause is None:
            continue
        pause = AgentAction.objects.get(pk=reaction.pause)
        assert pause.kind == PAUSE
        assert pause.status == ActionStatus.APPROVED
        assert action_execute(pause.pk).status == ActionStatus.SUCCEEDED
        paused = set(pause.payload["vehicle_ids"]) & live_vehicles
        assert paused
        assert set(
            VehicleAd.objects.filter(vehicle_id__in=paused).values_list("state", flat=True)
        ) == {"paused"}
        return
    pytest.fail("three moves sold no vehicle with live ads")

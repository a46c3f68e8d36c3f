"""The truncated-feed guard: removals past the playbook's share wait for a person's approval."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from como.agents.execution import action_execute
from como.agents.models import AgentAction
from como.agents.services import action_approve
from como.workspaces.models import Workspace
from tests.factories import _member
from verticals.automotive.inventory.importing.guard import KIND, holds, removal_hold_share
from verticals.automotive.inventory.importing.reactions import INVENTORY_CHANGED, InventoryDiff
from verticals.automotive.inventory.importing.services import inventory_import
from verticals.automotive.inventory.models import Rooftop, Vehicle, VehicleChange

from .feeds import feed, line
from .support import vin

pytestmark = pytest.mark.django_db


def run(rooftop: Rooftop, serials: list[int], *, full: bool, **prices: str) -> Any:
    lines = [line(s, price=prices.get(f"p{s}", "20000")) for s in serials]
    return inventory_import(rooftop=rooftop, data=feed(lines), file_name="f.csv", full=full)


def test_the_default_share_and_its_boundary(dealer: Workspace) -> None:
    assert removal_hold_share(dealer) == pytest.approx(0.30)
    assert not holds(removing=3, available=10, share=0.30)
    assert holds(removing=4, available=10, share=0.30)
    assert not holds(removing=0, available=0, share=0.30)


def test_a_truncated_full_feed_holds_its_removals_and_applies_the_rest(
    rooftop: Rooftop, dealer: Workspace
) -> None:
    run(rooftop, list(range(1, 11)), full=False)
    # Six of ten, one with a new price: four missing is 40 %, over the 30 % default.
    record = run(rooftop, list(range(1, 7)), full=True, p1="18000")
    assert record.status == "held"
    assert record.counts["removed"] == 0
    assert record.counts["changed"] == 1
    missing = sorted(
        Vehicle.objects.filter(vin__in=[vin(s) for s in range(7, 11)]).values_list("id", flat=True)
    )
    assert record.held_removals == missing
    assert Vehicle.objects.filter(status="available").count() == 10
    assert "4 of 10" in record.message
    action = AgentAction.objects.get(workspace=dealer, kind=KIND)
    assert action.status == "proposed"
    assert action.payload["vehicle_ids"] == missing
    assert action.idempotency_key == f"{KIND}:{record.pk}"


def test_approving_the_held_removals_applies_them_once(
    rooftop: Rooftop, dealer: Workspace, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    run(rooftop, list(range(1, 11)), full=False)
    record = run(rooftop, list(range(1, 6)), full=True)
    action = AgentAction.objects.get(workspace=dealer, kind=KIND)
    heard: list[InventoryDiff] = []
    with INVENTORY_CHANGED.override(lambda _w, diff: heard.append(diff)):
        with django_capture_on_commit_callbacks(execute=False):
            action_approve(action=action, user=_member(dealer, "owner"))
        with django_capture_on_commit_callbacks(execute=True):
            outcome = action_execute(action.pk)
    assert outcome.status == "succeeded"
    record.refresh_from_db()
    assert record.status == "succeeded"
    assert record.counts["removed"] == 5
    assert Vehicle.objects.filter(status="removed").count() == 5
    assert VehicleChange.objects.filter(kind="removed", inventory_import=record).count() == 5
    assert heard == [InventoryDiff(record.pk, rooftop.pk, removed=tuple(record.held_removals))]
    # The executor again (a redelivered message after a crash): nothing more happens.
    from verticals.automotive.inventory.importing.guard import removals_confirm_execute

    action.refresh_from_db()
    assert removals_confirm_execute(action, str(action.pk)) == {"removed": []}
    assert VehicleChange.objects.filter(kind="removed").count() == 5


def test_a_newer_import_supersedes_the_held_removals(rooftop: Rooftop, dealer: Workspace) -> None:
    run(rooftop, list(range(1, 11)), full=False)
    run(rooftop, list(range(1, 6)), full=True)
    action = AgentAction.objects.get(workspace=dealer, kind=KIND)
    run(rooftop, list(range(1, 11)), full=True)  # the whole lot is back in the next feed
    action_approve(action=action, user=_member(dealer, "owner"))
    outcome = action_execute(action.pk)
    assert outcome.status == "failed"
    assert Vehicle.objects.filter(status="available").count() == 10


def test_a_share_above_the_removals_lets_them_through(
    rooftop: Rooftop, dealer: Workspace, monkeypatch: Any
) -> None:
    from verticals.automotive.inventory.importing import pipeline

    monkeypatch.setattr(pipeline, "removal_hold_share", lambda workspace: 0.6)
    run(rooftop, list(range(1, 11)), full=False)
    record = run(rooftop, list(range(1, 6)), full=True)
    assert record.status == "succeeded"
    assert record.counts["removed"] == 5

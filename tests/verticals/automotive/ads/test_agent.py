"""The inventory-ads agent against the real database and the sandbox transport: its proposals
from an import's diff, per-vehicle execution, pauses, and waiting actions losing sold cars."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from como.agents.execution import action_execute
from como.agents.models import ActionStatus, ActionTransition, AgentAction
from como.agents.registry import agent_get
from como.agents.services import ActionDraft, action_approve, action_propose
from como.channels.models import SandboxRequest
from como.workspaces.models import Workspace
from tests.verticals.automotive.inventory.factories import rooftop_make
from verticals.automotive.ads.execution.launch import launch_execute
from verticals.automotive.ads.execution.steps import step_key
from verticals.automotive.ads.kinds import AGENT, LAUNCH, PAUSE, UPDATE
from verticals.automotive.ads.models import AdState, StepStatus, VehicleAd, VehicleAdStep
from verticals.automotive.ads.proposals import inventory_ads_react, launch_drop_vehicles
from verticals.automotive.inventory.importing.reactions import INVENTORY_CHANGED, InventoryDiff
from verticals.automotive.inventory.models import (
    InventoryImport,
    Rooftop,
    Vehicle,
    VehicleChange,
)

from .support import AD_GROUP, CATALOG_ID, car, sent

pytestmark = pytest.mark.usefixtures("fast_passwords")


def an_import(rooftop: Rooftop) -> InventoryImport:
    return InventoryImport.objects.create(
        workspace_id=rooftop.workspace_id, rooftop=rooftop, full=False, format_key="test"
    )


def launches(workspace: Workspace) -> list[AgentAction]:
    return list(AgentAction.objects.filter(workspace=workspace, kind=LAUNCH).order_by("pk"))


def react(workspace: Workspace, rooftop: Rooftop, **ids: Any) -> Any:
    record = an_import(rooftop)
    diff = InventoryDiff(record.pk, rooftop.pk, **{k: tuple(v) for k, v in ids.items()})
    return inventory_ads_react(workspace=workspace, diff=diff), record


def approve(action: AgentAction, user: Any) -> AgentAction:
    action.refresh_from_db()
    return action_approve(action=action, user=user, note="Read the warnings; fine.")


def test_registered_with_its_kinds_and_on_the_import_hook() -> None:
    spec = agent_get(AGENT)
    assert spec.kinds == (LAUNCH, UPDATE, PAUSE)
    assert any(
        getattr(h, "__name__", "") == "on_inventory_changed" for h in INVENTORY_CHANGED.all()
    )


def test_launch_proposals_per_rooftop_and_channel(dealer: Workspace, rooftop: Rooftop) -> None:
    other = rooftop_make(dealer, name="Lakeside Toyota", store_code="LKT", dealer_id="D-200")
    fresh = car(rooftop, 1)
    aged = car(rooftop, 2, received_at=timezone.now() - timedelta(days=75))
    no_photo = car(rooftop, 3, photos=[])
    blocked = car(rooftop, 4, vdp_url="http://lakeside.example/v/4")  # not https: refused
    elsewhere = car(other, 5)
    reaction, record = react(
        dealer,
        rooftop,
        created=[fresh.pk, aged.pk, no_photo.pk, blocked.pk],
        returned=[elsewhere.pk],
    )

    actions = launches(dealer)
    assert len(actions) == 4 == len(reaction.launches)
    keyed = {(a.payload["rooftop_id"], a.payload["channel"]): a for a in actions}
    assert set(keyed) == {
        (rooftop.pk, "paid_social"),
        (rooftop.pk, "paid_search"),
        (other.pk, "paid_social"),
        (other.pk, "paid_search"),
    }
    social = keyed[(rooftop.pk, "paid_social")]
    assert social.idempotency_key == f"{LAUNCH}:{record.pk}:{rooftop.pk}:paid_social"
    assert social.status == ActionStatus.PROPOSED
    assert social.channel == "paid_social"
    assert social.payload["vehicle_ids"] == [fresh.pk, aged.pk]
    entries = {v["id"]: v for v in social.payload["vehicles"]}
    assert entries[fresh.pk]["aged"] is False
    assert entries[fresh.pk]["band"] == "fresh"
    assert entries[fresh.pk]["budget_multiplier"] == "1.00"
    assert entries[aged.pk]["aged"] is True
    assert entries[aged.pk]["band"] == "aged"
    assert entries[aged.pk]["budget_multiplier"] == "1.50"
    assert entries[aged.pk]["days_in_stock"] == 75
    assert entries[fresh.pk]["name"] == "2003 Honda Accord"
    creative = entries[fresh.pk]["creative"]
    assert creative["kind"] == "meta_vehicle_ad"
    assert creative["payload"]["adset_id"] == "2300001"
    assert creative["payload"]["link"] == "https://lakeside.example/v/1"
    assert creative["blocked"] is False
    left = {v["id"]: v for v in social.payload["left_out"]}
    assert set(left) == {no_photo.pk, blocked.pk}
    assert left[no_photo.pk]["reasons"] == ["0 photo(s), at least 1 needed"]
    assert any("link" in f["message"] for f in left[blocked.pk]["findings"])
    assert all(f["severity"] == "block" for f in left[blocked.pk]["findings"])
    # One preview line per vehicle; the aged one flagged.
    lines = social.preview.splitlines()
    assert len(lines) == 2
    assert "AGED" in lines[1]
    assert "1.50" in lines[1]
    assert "AGED" not in lines[0]
    search = keyed[(rooftop.pk, "paid_search")]
    assert search.payload["vehicle_ids"] == [fresh.pk, aged.pk]
    assert search.payload["vehicles"][0]["creative"]["payload"]["ad_group"] == AD_GROUP
    assert not any(f["severity"] == "block" for f in social.findings)

    # Run again (a task retried): nothing new is proposed.
    inventory_ads_react(
        workspace=dealer,
        diff=InventoryDiff(
            record.pk,
            rooftop.pk,
            created=(fresh.pk, aged.pk, no_photo.pk, blocked.pk),
            returned=(elsewhere.pk,),
        ),
    )
    assert len(launches(dealer)) == 4


def test_a_vehicle_live_on_one_channel_is_launched_on_the_other_in_id_order(
    dealer: Workspace, rooftop: Rooftop
) -> None:
    # Vehicles going on different sets of channels are rendered in separate batches; each
    # channel's proposal still lists its vehicles by id, and each creative is its channel's.
    first, live_on_meta, last = car(rooftop, 1), car(rooftop, 2), car(rooftop, 3)
    VehicleAd.objects.create(
        workspace=dealer,
        vehicle=live_on_meta,
        channel="paid_social",
        external_id="238500001",
        state=AdState.LIVE,
        changed_at=timezone.now(),
    )

    react(dealer, rooftop, returned=[first.pk, live_on_meta.pk, last.pk])

    keyed = {a.payload["channel"]: a.payload for a in launches(dealer)}
    assert keyed["paid_search"]["vehicle_ids"] == [first.pk, live_on_meta.pk, last.pk]
    assert keyed["paid_social"]["vehicle_ids"] == [first.pk, last.pk]
    assert keyed["paid_social"]["left_out"] == [
        {"id": live_on_meta.pk, "vin": live_on_meta.vin, "reasons": ["it has a live ad already"]}
    ]
    for channel, payload in keyed.items():
        for entry in payload["vehicles"]:
            assert entry["creative"]["channel"] == channel
            assert "fields" not in entry["creative"]
    search = {v["id"]: v["creative"]["payload"] for v in keyed["paid_search"]["vehicles"]}
    assert search[live_on_meta.pk]["final_urls"] == [live_on_meta.vdp_url]


def test_a_launch_leaves_out_only_ads_live_or_launching(
    dealer: Workspace, rooftop: Rooftop
) -> None:
    from como.workspaces.services import workspace_create
    from verticals.automotive.ads.proposals.common import live_channels

    cars = [car(rooftop, n) for n in range(1, 6)]
    for vehicle, state in zip(
        cars, [AdState.LIVE, AdState.LAUNCHING, AdState.PAUSED, AdState.FAILED], strict=False
    ):
        VehicleAd.objects.create(
            workspace=dealer,
            vehicle=vehicle,
            channel="paid_search",
            external_id=f"customers/1/adGroupAds/2~{vehicle.pk}",
            state=state,
            changed_at=timezone.now(),
        )

    assert live_channels(dealer, [c.pk for c in cars]) == {
        cars[0].pk: {"paid_search"},
        cars[1].pk: {"paid_search"},
    }
    other = workspace_create(slug="other-dealer", name="Other", vertical="automotive")
    assert live_channels(other, [c.pk for c in cars]) == {}

    react(dealer, rooftop, returned=[c.pk for c in cars])

    keyed = {a.payload["channel"]: a.payload for a in launches(dealer)}
    assert keyed["paid_search"]["vehicle_ids"] == [c.pk for c in cars[2:]]
    assert [v["id"] for v in keyed["paid_search"]["left_out"]] == [cars[0].pk, cars[1].pk]
    assert keyed["paid_social"]["vehicle_ids"] == [c.pk for c in cars]


def test_a_channel_without_a_placement_is_skipped(dealer: Workspace, rooftop: Rooftop) -> None:
    from como.agents.playbooks import playbook_update
    from como.agents.services import playbook_for

    playbook_update(
        playbook=playbook_for(dealer),
        merchandising={"placements": {"paid_search": {"ad_group": AD_GROUP}}},
    )
    reaction, _ = react(dealer, rooftop, created=[car(rooftop, 1).pk])
    assert [a.channel for a in launches(dealer)] == ["paid_search"]
    assert reaction.skipped_channels == ["paid_social"]


def test_switched_off_proposes_nothing(dealer: Workspace, rooftop: Rooftop) -> None:
    from como.agents.playbooks import playbook_update
    from como.agents.services import playbook_for

    playbook_update(playbook=playbook_for(dealer), agents={AGENT: {"enabled": False}})
    react(dealer, rooftop, created=[car(rooftop, 1).pk])
    assert AgentAction.objects.filter(workspace=dealer).count() == 0


def test_the_proposer_cannot_approve(dealer: Workspace, rooftop: Rooftop) -> None:
    react(dealer, rooftop, created=[car(rooftop, 1).pk])
    action = launches(dealer)[0]
    with pytest.raises(PermissionDenied):
        action_approve(action=action, user=dealer.agent_user, note="me")
    action.refresh_from_db()
    assert action.status == ActionStatus.PROPOSED


def test_execution_sends_one_request_per_vehicle_and_repeats_none(
    dealer: Workspace, rooftop: Rooftop, approver: Any
) -> None:
    cars = [car(rooftop, n) for n in range(1, 4)]
    react(dealer, rooftop, created=[c.pk for c in cars])
    search, social = sorted(launches(dealer), key=lambda a: a.channel)
    for action in (social, search):
        approve(action, approver)
        assert action_execute(action.pk).status == ActionStatus.SUCCEEDED
    assert len(sent(dealer, "paid_social")) == 3
    assert len(sent(dealer, "paid_search")) == 3
    keys = {r.idempotency_key for r in sent(dealer)}
    assert keys == {step_key(a, c.pk, a.channel, "launch") for a in (social, search) for c in cars}
    social.refresh_from_db()
    assert social.result["counts"] == {"pending": 0, "done": 3, "failed": 0, "skipped": 0}
    assert [v["status"] for v in social.result["vehicles"]] == ["done"] * 3
    ads = VehicleAd.objects.filter(workspace=dealer).order_by("vehicle_id", "channel")
    assert [(a.state, a.action_id) for a in ads] == [
        (AdState.LIVE, a) for _ in cars for a in (search.pk, social.pk)
    ]
    search_ad = ads.get(vehicle=cars[0], channel="paid_search")
    assert search_ad.external_id.startswith("customers/1234567890/adGroupAds/555~")
    # Again (a re-run after a crash): every step is done, nothing more is sent.
    again = launch_execute(social, str(social.pk))
    assert again["counts"]["done"] == 3
    assert SandboxRequest.objects.filter(workspace=dealer).count() == 6


def test_one_platform_error_fails_only_that_vehicle(
    dealer: Workspace, rooftop: Rooftop, approver: Any
) -> None:
    cars = [car(rooftop, n) for n in range(1, 4)]
    from como.agents.playbooks import playbook_update
    from como.agents.services import playbook_for

    playbook_update(
        playbook=playbook_for(dealer),
        merchandising={"placements": {"paid_social": {"adset_id": "2300001"}}},
    )
    react(dealer, rooftop, created=[c.pk for c in cars])
    (action,) = launches(dealer)
    # The platform refuses the second car: its answer is already recorded under its key, as the
    # sandbox records any answer (the platform's 400 replays as it would over HTTP).
    SandboxRequest.objects.create(
        workspace=dealer,
        channel="paid_social",
        idempotency_key=step_key(action, cars[1].pk, "paid_social", "launch"),
        method="POST",
        url="https://graph.facebook.com/v25.0/act_1010/ads",
        response={"status": 400, "body": {"error": {"message": "Invalid parameter"}}},
    )
    approve(action, approver)
    assert action_execute(action.pk).status == ActionStatus.SUCCEEDED
    action.refresh_from_db()
    assert action.result["counts"] == {"pending": 0, "done": 2, "failed": 1, "skipped": 0}
    states = dict(VehicleAd.objects.filter(workspace=dealer).values_list("vehicle_id", "state"))
    assert states == {cars[0].pk: "live", cars[1].pk: "failed", cars[2].pk: "live"}
    failed = VehicleAdStep.objects.get(action=action, vehicle=cars[1])
    assert failed.status == StepStatus.FAILED
    assert "HTTP 400" in failed.error
    assert SandboxRequest.objects.filter(workspace=dealer).count() == 3


def test_a_transient_error_retries_only_what_is_left(
    dealer: Workspace, rooftop: Rooftop, approver: Any
) -> None:
    cars = [car(rooftop, n) for n in range(1, 4)]
    from como.agents.playbooks import playbook_update
    from como.agents.services import playbook_for

    playbook_update(
        playbook=playbook_for(dealer),
        merchandising={"placements": {"paid_social": {"adset_id": "2300001"}}},
    )
    react(dealer, rooftop, created=[c.pk for c in cars])
    (action,) = launches(dealer)
    busy = SandboxRequest.objects.create(
        workspace=dealer,
        channel="paid_social",
        idempotency_key=step_key(action, cars[0].pk, "paid_social", "launch"),
        method="POST",
        url="https://graph.facebook.com/v25.0/act_1010/ads",
        response={"status": 503, "body": {"error": {"message": "busy"}}},
    )
    approve(action, approver)
    assert action_execute(action.pk).status == ActionStatus.APPROVED  # to be retried
    steps = dict(VehicleAdStep.objects.filter(action=action).values_list("vehicle_id", "status"))
    assert steps == {cars[0].pk: "pending", cars[1].pk: "done", cars[2].pk: "done"}
    busy.delete()  # the platform is back
    result = launch_execute(action, str(action.pk))
    assert result["counts"] == {"pending": 0, "done": 3, "failed": 0, "skipped": 0}
    assert SandboxRequest.objects.filter(workspace=dealer).count() == 3


def test_a_vehicle_sold_after_approval_is_skipped(
    dealer: Workspace, rooftop: Rooftop, approver: Any
) -> None:
    cars = [car(rooftop, n) for n in range(1, 3)]
    react(dealer, rooftop, created=[c.pk for c in cars])
    action = next(a for a in launches(dealer) if a.channel == "paid_social")
    approve(action, approver)
    Vehicle.objects.filter(pk=cars[1].pk).update(status="pending")
    assert action_execute(action.pk).status == ActionStatus.SUCCEEDED
    action.refresh_from_db()
    assert action.result["counts"]["skipped"] == 1
    skipped = next(v for v in action.result["vehicles"] if v["status"] == "skipped")
    assert skipped["vehicle_id"] == cars[1].pk
    assert "pending" in skipped["reason"]
    assert len(sent(dealer)) == 1


def launched(dealer: Workspace, rooftop: Rooftop, approver: Any, cars: list[Vehicle]) -> None:
    react(dealer, rooftop, created=[c.pk for c in cars])
    for action in launches(dealer):
        approve(action, approver)
        assert action_execute(action.pk).status == ActionStatus.SUCCEEDED


def test_sold_vehicles_are_paused_at_once_with_the_catalog_update(
    dealer: Workspace, rooftop: Rooftop, approver: Any
) -> None:
    cars = [car(rooftop, n) for n in range(1, 5)]
    launched(dealer, rooftop, approver, cars)
    before = SandboxRequest.objects.filter(workspace=dealer).count()
    assert before == 8
    Vehicle.objects.filter(pk__in=[cars[0].pk, cars[1].pk]).update(
        status="sold", sold_at=timezone.now()
    )
    Vehicle.objects.filter(pk=cars[2].pk).update(status="removed")
    reaction, record = react(dealer, rooftop, sold=[cars[0].pk, cars[1].pk], removed=[cars[2].pk])
    pause = AgentAction.objects.get(pk=reaction.pause)
    assert pause.kind == PAUSE
    assert pause.idempotency_key == f"{PAUSE}:{record.pk}"
    assert pause.status == ActionStatus.APPROVED  # the vertical's policy: no person needed
    assert pause.payload["vehicle_ids"] == [cars[0].pk, cars[1].pk, cars[2].pk]
    assert action_execute(pause.pk).status == ActionStatus.SUCCEEDED
    new = list(SandboxRequest.objects.filter(workspace=dealer).order_by("id"))[before:]
    # 3 vehicles on 2 channels paused, and one catalog call.
    assert len(new) == 7
    pauses = [r for r in new if "items_batch" not in r.url]
    assert sorted(r.channel for r in pauses) == ["paid_search"] * 3 + ["paid_social"] * 3
    for request in pauses:
        if request.channel == "paid_social":
            assert parse_qs(request.body) == {"status": ["PAUSED"]}
        else:
            operation = json.loads(request.body)["operations"][0]
            assert operation["update"]["status"] == "PAUSED"
            assert operation["update"]["resourceName"].startswith(
                "customers/1234567890/adGroupAds/555~"
            )
    states = dict(
        VehicleAd.objects.filter(workspace=dealer, channel="paid_social").values_list(
            "vehicle_id", "state"
        )
    )
    assert states == {
        cars[0].pk: "paused",
        cars[1].pk: "paused",
        cars[2].pk: "paused",
        cars[3].pk: "live",
    }
    pause.refresh_from_db()
    assert pause.result["google_feed"] == "dropped"
    assert pause.result["catalog"]["items"] == 3
    assert pause.result["counts"] == {"pending": 0, "done": 9, "failed": 0, "skipped": 0}


def test_a_pause_batch_fails_and_retries_only_its_own_vehicles(
    dealer: Workspace, rooftop: Rooftop, approver: Any
) -> None:
    """The pause's steps go in one batch: a refusal fails its own step (its ad stays live), a
    transient error leaves its step pending, the others are paused once."""
    cars = [car(rooftop, n) for n in range(1, 4)]
    launched(dealer, rooftop, approver, cars)
    Vehicle.objects.filter(pk__in=[c.pk for c in cars]).update(
        status="sold", sold_at=timezone.now()
    )
    reaction, _ = react(dealer, rooftop, sold=[c.pk for c in cars])
    pause = AgentAction.objects.get(pk=reaction.pause)
    answers = {cars[0].pk: 400, cars[1].pk: 503}
    for vehicle_id, status in answers.items():
        SandboxRequest.objects.create(
            workspace=dealer,
            channel="paid_social",
            idempotency_key=step_key(pause, vehicle_id, "paid_social", "pause"),
            method="POST",
            url="https://graph.facebook.com/v25.0/1/",
            response={"status": status, "body": {"error": {"message": "no"}}},
        )
    assert action_execute(pause.pk).status == ActionStatus.APPROVED  # to be retried
    steps = {
        (s.vehicle_id, s.channel): (s.status, s.attempts)
        for s in VehicleAdStep.objects.filter(action=pause, operation="pause")
    }
    assert steps == {
        (cars[0].pk, "paid_social"): ("failed", 1),
        (cars[0].pk, "paid_search"): ("done", 1),
        (cars[1].pk, "paid_social"): ("pending", 1),
        (cars[1].pk, "paid_search"): ("done", 1),
        (cars[2].pk, "paid_social"): ("done", 1),
        (cars[2].pk, "paid_search"): ("done", 1),
    }
    refused = VehicleAdStep.objects.get(
        action=pause, vehicle=cars[0], channel="paid_social", operation="pause"
    )
    assert "HTTP 400" in refused.error
    states = dict(
        VehicleAd.objects.filter(workspace=dealer, channel="paid_social").values_list(
            "vehicle_id", "state"
        )
    )
    assert states == {cars[0].pk: "live", cars[1].pk: "live", cars[2].pk: "paused"}
    SandboxRequest.objects.filter(
        idempotency_key=step_key(pause, cars[1].pk, "paid_social", "pause")
    ).delete()  # the platform is back
    before = SandboxRequest.objects.filter(workspace=dealer).count()
    from verticals.automotive.ads.execution.pause import pause_execute

    result = pause_execute(pause, str(pause.pk))
    assert SandboxRequest.objects.filter(workspace=dealer).count() == before + 1  # that one
    # The re-run lists the ads still live (the refused one, the retried one) and the catalog.
    assert result["counts"] == {"pending": 0, "done": 4, "failed": 1, "skipped": 0}
    assert VehicleAd.objects.get(vehicle=cars[1], channel="paid_social").state == "paused"
    retried = VehicleAdStep.objects.get(
        action=pause, vehicle=cars[1], channel="paid_social", operation="pause"
    )
    assert (retried.status, retried.attempts) == ("done", 2)


def test_the_catalog_request_is_the_documented_shape(
    dealer: Workspace, rooftop: Rooftop, approver: Any
) -> None:
    cars = [car(rooftop, n) for n in range(1, 3)]
    Vehicle.objects.filter(pk__in=[c.pk for c in cars]).update(status="sold")
    reaction, _ = react(dealer, rooftop, sold=[c.pk for c in cars])
    # No live ads: the catalog is still told (it lists every vehicle of the feed).
    assert action_execute(reaction.pause).status == ActionStatus.SUCCEEDED
    (request,) = sent(dealer)
    assert request.method == "POST"
    assert request.url == f"https://graph.facebook.com/v25.0/{CATALOG_ID}/items_batch"
    form = parse_qs(request.body)
    assert set(form) == {"item_type", "allow_upsert", "requests"}
    assert form["item_type"] == ["VEHICLE"]
    assert form["allow_upsert"] == ["false"]
    assert json.loads(form["requests"][0]) == [
        {"method": "UPDATE", "data": {"vehicle_id": c.vin, "availability": "NOT_AVAILABLE"}}
        for c in cars
    ]
    # Re-running the pause sends nothing more.
    from verticals.automotive.ads.execution.pause import pause_execute

    pause_execute(AgentAction.objects.get(pk=reaction.pause), "again")
    assert len(sent(dealer)) == 1


def test_waiting_actions_lose_sold_vehicles(
    dealer: Workspace, rooftop: Rooftop, approver: Any
) -> None:
    cars = [car(rooftop, n) for n in range(1, 4)]
    react(dealer, rooftop, created=[c.pk for c in cars])
    search, social = sorted(launches(dealer), key=lambda a: a.channel)
    approve(search, approver)  # approved, not yet claimed
    # A queued email featuring only the first car, and one featuring another vehicle.
    email = action_propose(
        workspace=dealer,
        proposer=dealer.agent_user,
        draft=ActionDraft(
            agent="nurture",
            kind="email_piece_test",
            idempotency_key="email-1",
            rationale="Feature the Accord.",
            payload={"vehicle_ids": [cars[0].pk], "subject": "Your Accord"},
        ),
    ).action
    unrelated = action_propose(
        workspace=dealer,
        proposer=dealer.agent_user,
        draft=ActionDraft(
            agent="nurture",
            kind="email_piece_test",
            idempotency_key="email-2",
            rationale="Feature another car.",
            payload={"vehicle_ids": [cars[2].pk]},
        ),
    ).action
    Vehicle.objects.filter(pk=cars[0].pk).update(status="sold")
    reaction, _ = react(dealer, rooftop, sold=[cars[0].pk])
    for action in (social, search, email, unrelated):
        action.refresh_from_db()
    assert email.status == ActionStatus.SUPERSEDED
    assert unrelated.status == ActionStatus.PROPOSED
    assert unrelated.payload["vehicle_ids"] == [cars[2].pk]
    assert social.status == ActionStatus.PROPOSED
    assert search.status == ActionStatus.APPROVED
    for action in (social, search):
        assert action.payload["vehicle_ids"] == [cars[1].pk, cars[2].pk]
        assert [v["id"] for v in action.payload["vehicles"]] == [cars[1].pk, cars[2].pk]
        assert action.payload["left_out"][-1]["id"] == cars[0].pk
        assert len(action.preview.splitlines()) == 2
        assert ActionTransition.objects.filter(
            action=action, note__contains=f"{cars[0].pk} sold or removed"
        ).exists()
    assert sorted(reaction.narrowed) == sorted([social.pk, search.pk])
    assert reaction.superseded == [email.pk]
    waiting = AgentAction.objects.filter(
        workspace=dealer,
        status__in=[ActionStatus.PROPOSED, ActionStatus.APPROVED],
        payload__vehicle_ids__contains=[cars[0].pk],
    ).exclude(kind=PAUSE)
    assert not waiting.exists()
    # The approved launch, once run, sends only the cars left.
    assert action_execute(search.pk).status == ActionStatus.SUCCEEDED
    search.refresh_from_db()
    assert search.result["counts"]["done"] == 2, search.result
    assert len(sent(dealer, "paid_search")) == 2


def test_the_approver_drops_vehicles_before_approving(
    dealer: Workspace, rooftop: Rooftop, approver: Any
) -> None:
    cars = [car(rooftop, n) for n in range(1, 4)]
    react(dealer, rooftop, created=[c.pk for c in cars])
    action = next(a for a in launches(dealer) if a.channel == "paid_social")
    with pytest.raises(PermissionDenied):
        launch_drop_vehicles(action=action, vehicle_ids=[cars[0].pk], user=dealer.agent_user)
    with pytest.raises(ValidationError) as unknown:
        launch_drop_vehicles(action=action, vehicle_ids=[999_999], user=approver)
    assert "vehicle_ids" in unknown.value.message_dict
    with pytest.raises(ValidationError):
        launch_drop_vehicles(action=action, vehicle_ids=[c.pk for c in cars], user=approver)
    launch_drop_vehicles(action=action, vehicle_ids=[cars[1].pk], user=approver)
    assert action.payload["vehicle_ids"] == [cars[0].pk, cars[2].pk]
    assert action.payload["left_out"] == [
        {"id": cars[1].pk, "vin": cars[1].vin, "reasons": ["dropped by approver"]}
    ]
    audit = ActionTransition.objects.filter(action=action).order_by("pk").last()
    assert audit is not None
    assert audit.actor_id == approver.pk
    assert "Dropped vehicle(s)" in audit.note
    approve(action, approver)
    assert action_execute(action.pk).status == ActionStatus.SUCCEEDED
    assert [r.idempotency_key for r in sent(dealer)] == [
        step_key(action, cars[0].pk, "paid_social", "launch"),
        step_key(action, cars[2].pk, "paid_social", "launch"),
    ]


def test_changed_vehicles_with_live_ads_get_an_update(
    dealer: Workspace, rooftop: Rooftop, approver: Any
) -> None:
    cars = [car(rooftop, n) for n in range(1, 3)]
    launched(dealer, rooftop, approver, cars)
    old = VehicleAd.objects.get(vehicle=cars[0], channel="paid_social").external_id
    record = an_import(rooftop)
    Vehicle.objects.filter(pk=cars[0].pk).update(price=Decimal("18500.00"))
    VehicleChange.objects.create(
        workspace=dealer,
        vehicle=cars[0],
        inventory_import=record,
        kind="changed",
        changes={"price": ["20000.00", "18500.00"], "exterior_color": ["Blue", "Navy"]},
    )
    reaction = inventory_ads_react(
        workspace=dealer, diff=InventoryDiff(record.pk, rooftop.pk, changed=(cars[0].pk,))
    )
    updates = AgentAction.objects.filter(pk__in=reaction.updates).order_by("channel")
    assert [u.channel for u in updates] == ["paid_search", "paid_social"]
    social = updates[1]
    assert social.payload["vehicle_ids"] == [cars[0].pk]
    (entry,) = social.payload["vehicles"]
    assert entry["changes"] == {"price": {"before": "20000.00", "after": "18500.00"}}
    assert entry["ad_id"] == old
    assert "$18,500" in entry["creative"]["payload"]["primary_text"]
    approve(social, approver)
    before = len(sent(dealer))
    assert action_execute(social.pk).status == ActionStatus.SUCCEEDED
    new = sent(dealer)[before:]
    assert len(new) == 2  # the new ad, then the old one paused
    assert new[0].url.endswith("/ads")
    assert new[1].url.endswith(f"/{old}")
    ad = VehicleAd.objects.get(vehicle=cars[0], channel="paid_social")
    assert ad.state == AdState.LIVE
    assert ad.external_id not in ("", old)


def test_a_pause_proposed_again_outside_an_import(
    dealer: Workspace, rooftop: Rooftop, approver: Any
) -> None:
    from verticals.automotive.ads.proposals import vehicles_pause_propose

    cars = [car(rooftop, n) for n in range(1, 3)]
    launched(dealer, rooftop, approver, cars)
    Vehicle.objects.filter(pk=cars[0].pk).update(status="sold")
    action = vehicles_pause_propose(
        workspace=dealer, vehicle_ids=[cars[0].pk], idempotency_key="breach:1"
    )
    assert action is not None
    assert action.kind == PAUSE
    assert action.status == ActionStatus.APPROVED
    assert action.payload["vehicle_ids"] == [cars[0].pk]
    assert [(a["channel"], a["state"]) for a in action.payload["ads"]] == [
        ("paid_search", "live"),
        ("paid_social", "live"),
    ]
    assert action_execute(action.pk).status == ActionStatus.SUCCEEDED
    assert set(VehicleAd.objects.filter(vehicle=cars[0]).values_list("state", flat=True)) == {
        "paused"
    }


def test_a_large_feed_is_launched_in_parts_the_workers_share(
    dealer: Workspace, rooftop: Rooftop, monkeypatch: pytest.MonkeyPatch
) -> None:
    from verticals.automotive.ads.proposals import inventory_ads_launch_part, launch

    cars = [car(rooftop, n) for n in range(1, 8)]
    blocked = car(rooftop, 99, vdp_url="http://plain.example/99")  # an http link: blocked
    monkeypatch.setattr(launch, "LAUNCH_BATCH", 3)
    reaction, record = react(dealer, rooftop, created=[c.pk for c in [blocked, *cars]])
    # The reaction proposes the first part (the three lowest ids) and names the others, by id.
    first = [a for a in launches(dealer) if a.channel == "paid_social"]
    assert [a.payload["vehicle_ids"] for a in first] == [[c.pk for c in cars[:3]]]
    assert [(p.number, p.parts, p.vehicle_ids) for p in reaction.pending_parts] == [
        (2, 3, tuple(c.pk for c in cars[3:6])),
        (3, 3, (cars[6].pk, blocked.pk)),
    ]
    assert reaction.launches == [a.pk for a in launches(dealer)]
    # What the workers do with each named part (twice: a redelivered task proposes nothing new).
    for part in reaction.pending_parts * 2:
        inventory_ads_launch_part(workspace=dealer, part=part)
    social = [a for a in launches(dealer) if a.channel == "paid_social"]
    base = f"{LAUNCH}:{record.pk}:{rooftop.pk}:paid_social"
    assert [a.idempotency_key for a in social] == [base, f"{base}:2", f"{base}:3"]
    assert [len(a.payload["vehicle_ids"]) for a in social] == [3, 3, 1]
    assert sorted(v for a in social for v in a.payload["vehicle_ids"]) == [c.pk for c in cars]
    # A vehicle left out is listed on the part that considered it.
    assert [[v["id"] for v in a.payload["left_out"]] for a in social] == [[], [], [blocked.pk]]
    assert "(part 2 of 3)" in social[1].rationale
    assert len(launches(dealer)) == 6  # three parts on two channels, each once


def test_the_later_parts_are_handed_over_before_the_first_is_rendered(
    dealer: Workspace, rooftop: Rooftop, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The worker's task enqueues them from ``on_parts``: the other processes render theirs
    # while this one renders the first, instead of waiting for it.
    from verticals.automotive.ads.proposals import launch

    cars = [car(rooftop, n) for n in range(1, 8)]
    monkeypatch.setattr(launch, "LAUNCH_BATCH", 3)
    record = an_import(rooftop)
    handed: list[tuple[list[int], int]] = []
    reaction = inventory_ads_react(
        workspace=dealer,
        diff=InventoryDiff(record.pk, rooftop.pk, created=tuple(c.pk for c in cars)),
        on_parts=lambda parts: handed.append(([p.number for p in parts], len(launches(dealer)))),
    )
    assert handed == [([2, 3], 0)]  # named, and no launch proposed yet
    assert [p.number for p in reaction.pending_parts] == [2, 3]
    assert len(launches(dealer)) == 2  # then the first part, on both channels


def test_the_reaction_task_launches_every_part_through_the_workers(
    dealer: Workspace, rooftop: Rooftop, monkeypatch: pytest.MonkeyPatch
) -> None:
    from como.celery import app
    from verticals.automotive.ads.proposals import launch
    from verticals.automotive.ads.tasks import inventory_ads_react as react_task

    cars = [car(rooftop, n) for n in range(1, 8)]
    monkeypatch.setattr(launch, "LAUNCH_BATCH", 3)
    record = an_import(rooftop)
    before, app.conf.task_always_eager = app.conf.task_always_eager, True  # .delay runs here
    try:
        react_task.delay(
            workspace_id=dealer.pk,
            import_id=record.pk,
            rooftop_id=rooftop.pk,
            created=[c.pk for c in cars],
        )
    finally:
        app.conf.task_always_eager = before
    social = [a for a in launches(dealer) if a.channel == "paid_social"]
    base = f"{LAUNCH}:{record.pk}:{rooftop.pk}:paid_social"
    # The later parts were enqueued (here: run) before the first was proposed.
    assert [a.idempotency_key for a in social] == [f"{base}:2", f"{base}:3", base]
    assert sorted(v for a in social for v in a.payload["vehicle_ids"]) == [c.pk for c in cars]


def test_a_payload_whose_vehicle_ids_is_not_a_list_features_no_vehicle(
    dealer: Workspace, rooftop: Rooftop
) -> None:
    sold = car(rooftop, 1)
    odd = [
        action_propose(
            workspace=dealer,
            proposer=dealer.agent_user,
            draft=ActionDraft(
                agent="nurture",
                kind="email_piece_test",
                idempotency_key=f"odd-{n}",
                rationale="An integration's own payload shape.",
                payload={"vehicle_ids": shape},
            ),
        ).action
        for n, shape in enumerate([sold.pk, str(sold.pk), {"id": sold.pk}, None])
    ]
    Vehicle.objects.filter(pk=sold.pk).update(status="sold")
    reaction, _ = react(dealer, rooftop, sold=[sold.pk])
    assert reaction.narrowed == []
    assert reaction.superseded == []
    assert {a.status for a in AgentAction.objects.filter(pk__in=[a.pk for a in odd])} == {
        ActionStatus.PROPOSED
    }

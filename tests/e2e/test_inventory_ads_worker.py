"""Inventory ads end to end with real Celery workers, beat, Redis and PostgreSQL.

- **The flow**: a feed imported through the real import service wakes the agent (its Celery
  task, on the import's commit); its launch proposals wait for a person; approved by a member
  other than the proposer, each vehicle's ad goes out once per channel through the sandbox
  transport. A re-import with 3 vehicles sold has their ads paused and the Meta catalog told,
  once each, with no person involved; no waiting action features them any more.
- **SIGKILL**: a 200-vehicle launch on two channels; the worker is SIGKILLed once about 50
  requests went out; a new worker and beat's sweeper (short lease) finish it. The receiver (the
  sandbox's record, one row per idempotency key, and the count of requests) holds exactly one
  ad per vehicle per channel.
"""

from __future__ import annotations

import json
import signal
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from como.agents.models import ActionStatus, ActionTransition, AgentAction
from como.agents.services import action_approve
from como.channels.models import SandboxRequest
from como.workspaces.models import Workspace
from tests.celery_queues import private_queue
from tests.e2e.celery_worker import start_worker
from tests.e2e.test_action_exactly_once import (
    RECOVERY_ENV,
    approver_of,
    forget_unacked,
    start_beat,
    stop,
    wait_for,
)
from tests.factories import WorkspaceFactory
from tests.verticals.automotive.ads.support import CATALOG_ID, ads_setup
from tests.verticals.automotive.inventory.factories import rooftop_make
from tests.verticals.automotive.inventory.importing.support import vin
from verticals.automotive.ads.kinds import LAUNCH, PAUSE
from verticals.automotive.ads.models import AdState, StepStatus, VehicleAd, VehicleAdStep
from verticals.automotive.inventory.importing.services import inventory_import
from verticals.automotive.inventory.models import Rooftop, Vehicle

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_passwords"),
]

HEADER = "vin,stock_number,year,make,model,trim,condition,mileage,price,photos,vdp_url,status"
NOTE = "Read the creatives and their warnings: fine to run."


def feed(serials: Iterable[int], sold: Iterable[int] = ()) -> bytes:
    """A canonical-layout CSV of used Accords; ``sold``: those listed as sold."""
    gone = set(sold)
    lines = [HEADER]
    for n in serials:
        status = "sold" if n in gone else "available"
        lines.append(
            f"{vin(n)},S{n},2003,Honda,Accord,EX,used,50000,{20000 + n},"
            f"https://img.example/{n}/1.jpg,https://lakeside.example/v/{n},{status}"
        )
    return ("\r\n".join(lines) + "\r\n").encode()


def import_feed(rooftop: Rooftop, data: bytes, name: str) -> None:
    record = inventory_import(rooftop=rooftop, data=data, file_name=name, full=False)
    assert record.status != "failed", record.message


@pytest.fixture
def queue() -> Iterator[str]:
    with private_queue() as name:
        yield name
        forget_unacked(name)


@pytest.fixture
def dealer(db: Any) -> Workspace:
    workspace = WorkspaceFactory.create(slug="lakeside-e2e", vertical="automotive")
    ads_setup(workspace)
    return workspace


def actions(workspace: Workspace, kind: str) -> list[AgentAction]:
    return list(AgentAction.objects.filter(workspace=workspace, kind=kind).order_by("pk"))


def requests_of(workspace: Workspace) -> list[SandboxRequest]:
    return list(SandboxRequest.objects.filter(workspace=workspace).order_by("id"))


def ids_of(workspace: Workspace, serials: Iterable[int]) -> list[int]:
    vins = [vin(n) for n in serials]
    by_vin = dict(Vehicle.objects.filter(workspace=workspace).values_list("vin", "pk"))
    return [by_vin[v] for v in vins]


def log_text(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


def test_import_approve_launch_then_sold_cars_leave_every_channel(
    dealer: Workspace, queue: str, tmp_path: Path
) -> None:
    rooftop = rooftop_make(dealer)
    approver = approver_of(dealer)
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        worker = start_worker(queue, log)
        try:
            # 1. Ten cars imported: the agent proposes one launch per channel for the rooftop.
            import_feed(rooftop, feed(range(1, 11)), "first.csv")
            assert wait_for(lambda: len(actions(dealer, LAUNCH)) == 2, 60, worker), log_text(
                log_path
            )
            first = dict(Vehicle.objects.filter(workspace=dealer).values_list("vin", "pk"))
            launches = actions(dealer, LAUNCH)
            for action in launches:
                assert action.status == ActionStatus.PROPOSED
                assert action.proposed_by_id == dealer.agent_user_id
                assert sorted(action.payload["vehicle_ids"]) == sorted(first.values())
                assert len(action.preview.splitlines()) == 10
                assert all(v["creative"]["payload"] for v in action.payload["vehicles"])
                assert not action.blocking_findings
            assert requests_of(dealer) == []  # nothing goes out before a person approves

            # 2. Approved by a member (not the proposer): each car's ad goes out once.
            for action in launches:
                action_approve(action=action, user=approver, note=NOTE)
            assert wait_for(
                lambda: all(a.status == ActionStatus.SUCCEEDED for a in actions(dealer, LAUNCH)),
                60,
                worker,
            ), log_text(log_path)
            sent = requests_of(dealer)
            assert Counter(r.channel for r in sent) == {"paid_social": 10, "paid_search": 10}
            assert len({r.idempotency_key for r in sent}) == 20
            assert VehicleAd.objects.filter(workspace=dealer, state=AdState.LIVE).count() == 20

            # 3. Two more cars arrive: their launches wait in the queue.
            import_feed(rooftop, feed([11, 12]), "second.csv")
            assert wait_for(lambda: len(actions(dealer, LAUNCH)) == 4, 60, worker), log_text(
                log_path
            )
            waiting = [a for a in actions(dealer, LAUNCH) if a.status == ActionStatus.PROPOSED]
            assert len(waiting) == 2

            # 4. Three sold: two with live ads, one only in a waiting proposal.
            before = len(requests_of(dealer))
            started = time.monotonic()
            import_feed(rooftop, feed([1, 2, 11], sold=[1, 2, 11]), "third.csv")
            assert wait_for(
                lambda: any(a.status == ActionStatus.SUCCEEDED for a in actions(dealer, PAUSE)),
                60,
                worker,
            ), log_text(log_path)
            paused_in = time.monotonic() - started
            time.sleep(1.5)  # anything sent twice would show by now
        finally:
            assert stop(worker) == 0, log_text(log_path)

    sold = ids_of(dealer, [1, 2, 11])
    assert set(Vehicle.objects.filter(pk__in=sold).values_list("status", flat=True)) == {"sold"}
    (pause,) = actions(dealer, PAUSE)
    assert pause.status == ActionStatus.SUCCEEDED
    assert pause.approved_at is not None
    assert not pause.approvals.exists()  # the vertical's policy approved it, nobody waited
    new = requests_of(dealer)[before:]
    pauses = [r for r in new if r.idempotency_key.endswith(":pause")]
    catalog = [r for r in new if "items_batch" in r.url]
    assert len(new) == len(pauses) + len(catalog) == 5
    assert Counter(r.channel for r in pauses) == {"paid_social": 2, "paid_search": 2}
    assert {r.idempotency_key.split(":")[1] for r in pauses} == {str(sold[0]), str(sold[1])}
    (meta,) = catalog
    assert meta.url == f"https://graph.facebook.com/v25.0/{CATALOG_ID}/items_batch"
    form = parse_qs(meta.body)
    assert form["item_type"] == ["VEHICLE"]
    assert json.loads(form["requests"][0]) == [
        {"method": "UPDATE", "data": {"vehicle_id": vin(n), "availability": "NOT_AVAILABLE"}}
        for n in (1, 2, 11)
    ]
    assert pause.result["google_feed"] == "dropped"
    # Once each: every step of the pause was attempted once.
    steps = VehicleAdStep.objects.filter(action=pause)
    assert steps.count() == 7
    assert set(steps.values_list("status", "attempts")) == {(StepStatus.DONE, 1)}
    states = dict(
        VehicleAd.objects.filter(workspace=dealer, vehicle__in=sold[:2]).values_list(
            "state", "vehicle"
        )
    )
    assert set(states) == {AdState.PAUSED}
    # The approval queue: nothing waiting features a sold car; the other new car still waits.
    for vehicle_id in sold:
        assert not AgentAction.objects.filter(
            workspace=dealer,
            status__in=[ActionStatus.PROPOSED, ActionStatus.APPROVED],
            payload__vehicle_ids__contains=[vehicle_id],
        ).exclude(kind=PAUSE)
    still = [a for a in actions(dealer, LAUNCH) if a.status == ActionStatus.PROPOSED]
    assert [a.payload["vehicle_ids"] for a in still] == [ids_of(dealer, [12])] * 2
    print(f"\n[inventory ads] 3 sold: paused and the catalog told {paused_in:.2f} s after import")


LAUNCHED = 200
KILL_AFTER = 50


def test_a_large_feed_is_proposed_in_parts_by_the_workers(
    dealer: Workspace, queue: str, tmp_path: Path
) -> None:
    """600 new vehicles: the reaction proposes the first 250 and enqueues a task per later
    part; the worker proposes those, every vehicle once per channel, nothing twice."""
    rooftop = rooftop_make(dealer)
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        worker = start_worker(queue, log)
        try:
            import_feed(rooftop, feed(range(1, 601)), "large.csv")
            assert wait_for(lambda: len(actions(dealer, LAUNCH)) == 6, 60, worker), log_text(
                log_path
            )
        finally:
            stop(worker)
    ids = sorted(Vehicle.objects.filter(workspace=dealer).values_list("pk", flat=True))
    assert len(ids) == 600
    for channel in ("paid_social", "paid_search"):
        parts = [a for a in actions(dealer, LAUNCH) if a.channel == channel]
        assert [len(a.payload["vehicle_ids"]) for a in parts] == [250, 250, 100]
        assert sorted(v for a in parts for v in a.payload["vehicle_ids"]) == ids
        assert [a.idempotency_key.rsplit(":", 1)[-1] for a in parts] == [channel, "2", "3"]
        assert all(a.status == ActionStatus.PROPOSED for a in parts)
    assert "inventory_ads_launch_part" in log_text(log_path)


def test_a_200_vehicle_launch_survives_a_sigkilled_worker(
    dealer: Workspace, queue: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rooftop = rooftop_make(dealer)
    approver = approver_of(dealer)
    logs = {name: tmp_path / f"{name}.log" for name in ("first", "second", "beat")}
    with logs["first"].open("wb") as log:
        first = start_worker(queue, log)
        try:
            import_feed(rooftop, feed(range(1, LAUNCHED + 1)), "big.csv")
            assert wait_for(lambda: len(actions(dealer, LAUNCH)) == 2, 120, first), log_text(
                logs["first"]
            )
            for action in actions(dealer, LAUNCH):
                assert len(action.payload["vehicle_ids"]) == LAUNCHED
                action_approve(action=action, user=approver, note=NOTE)
            killed = wait_for(
                lambda: SandboxRequest.objects.filter(workspace=dealer).count() >= KILL_AFTER,
                120,
                first,
            )
        finally:
            first.send_signal(signal.SIGKILL)  # no warm shutdown, no ack, no bookkeeping
            first.wait(timeout=10)
    assert killed, log_text(logs["first"])
    at_kill = SandboxRequest.objects.filter(workspace=dealer).count()
    assert at_kill < LAUNCHED  # killed in the middle of the first launch
    (in_flight,) = AgentAction.objects.filter(
        workspace=dealer, kind=LAUNCH, status=ActionStatus.EXECUTING
    )
    assert (
        AgentAction.objects.filter(
            workspace=dealer, kind=LAUNCH, status=ActionStatus.SUCCEEDED
        ).count()
        < 2
    )

    for name, value in RECOVERY_ENV.items():
        monkeypatch.setenv(name, value)
    with logs["second"].open("wb") as log, logs["beat"].open("wb") as beat_log:
        second = start_worker(queue, log)
        beat = start_beat(queue, beat_log)
        try:
            done = wait_for(
                lambda: all(a.status == ActionStatus.SUCCEEDED for a in actions(dealer, LAUNCH)),
                180,
                second,
                beat,
            )
        finally:
            beat_exit = stop(beat)
            second_exit = stop(second)
    outputs = "\n".join(f"--- {k}\n{log_text(v)}" for k, v in logs.items())
    assert done, outputs
    sent = requests_of(dealer)
    # The receiver counts: one request per vehicle per channel, none twice.
    assert Counter(r.channel for r in sent) == {"paid_social": LAUNCHED, "paid_search": LAUNCHED}
    assert len({(r.channel, r.idempotency_key) for r in sent}) == 2 * LAUNCHED
    vehicles = set(Vehicle.objects.filter(workspace=dealer).values_list("pk", flat=True))
    for channel in ("paid_social", "paid_search"):
        keyed = {int(r.idempotency_key.split(":")[1]) for r in sent if r.channel == channel}
        assert keyed == vehicles
    assert VehicleAd.objects.filter(workspace=dealer, state=AdState.LIVE).count() == 2 * LAUNCHED
    assert (
        VehicleAdStep.objects.filter(workspace=dealer, status=StepStatus.DONE).count()
        == 2 * LAUNCHED
    )
    for action in actions(dealer, LAUNCH):
        assert action.result["counts"]["done"] == LAUNCHED
    # The killed worker's launch was claimed again once its lease ran out, and finished.
    trail = list(
        ActionTransition.objects.filter(action=in_flight).values_list("from_status", "to_status")
    )
    assert ("executing", "executing") in trail
    assert trail[-1] == ("executing", "succeeded")
    assert (second_exit, beat_exit) == (0, 0), outputs
    print(f"\n[inventory ads] worker SIGKILLed after {at_kill} requests; finished exactly once")

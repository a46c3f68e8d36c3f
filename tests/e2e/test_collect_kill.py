"""Nothing accepted by ``POST /api/v1/events/collect`` is lost, over a real server and drain.

The production server (granian as como/server.py starts it: two workers, failed workers
respawned) and ``manage.py ingest_drain`` run as processes on the test database; a client posts
``EVENTS`` single events over loopback. A third of the way in a web worker is SIGKILLed
(granian starts another; the requests it held get no answer), two thirds
in the drain is SIGKILLed mid-batch and a new one started. Every event answered 202 must be
stored exactly once, and nothing may be left in the buffer. ``bench/http_events.py --kill`` runs the
same with 50,000 events.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

import pytest
from django.db.models import Count

from como import server as web_server
from como.ingest.models import AcceptedEvent
from como.leads.models import Event
from como.workspaces.services import api_key_create, workspace_create
from tests.e2e.celery_worker import ROOT, subprocess_environment

# The load generator of bench/http_events.py, imported as the benchmark imports it.
sys.path.append(str(ROOT / "bench"))
import loadgen

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

EVENTS = 1500
DRAIN_TIMEOUT = 180


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(command: list[str], log: IO[bytes], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _bodies(prefix: str) -> list[bytes]:
    start = datetime.now(UTC) - timedelta(minutes=1)
    return [
        json.dumps(
            {
                "id": f"{prefix}{n}",
                "type": "page_view",
                "occurred_at": (start + timedelta(milliseconds=n)).isoformat(),
                "contact": {"email": f"visitor{n % 150}@example.com"},
            }
        ).encode()
        for n in range(EVENTS)
    ]


def test_every_accepted_event_is_stored_once_across_killed_workers_and_drains(
    tmp_path: Path,
) -> None:
    workspace = workspace_create(slug="kill-test", vertical="b2b", name="Kill test")
    key = api_key_create(workspace=workspace, name="kill").secret
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    env = subprocess_environment(
        COMO_RATE_INGEST_EVENTS="100000000/m", PYTHONUNBUFFERED="1", COMO_ENV="development"
    )
    port = _free_port()
    log = (tmp_path / "processes.log").open("wb")
    server = _start(web_server.command(host="127.0.0.1", port=port, workers=2), log, env)
    drain_command = [sys.executable, "manage.py", "ingest_drain", "--batch", "200"]
    drains = [_start(drain_command, log, env)]
    kills: list[int] = []
    try:
        deadline = time.monotonic() + 90
        while True:  # until a worker answers (the no-key request is a 401 from the view)
            probe = loadgen.run(
                host="127.0.0.1", port=port, path="/api/v1/events/collect",
                headers={"Content-Type": "application/json"}, bodies=[b"{}"], concurrency=1,
            )  # fmt: skip
            if probe.status[0] == 401:
                break
            assert server.poll() is None, "the server exited"
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.3)

        answered = 0

        def on_answer(index: int, status: int, now: float) -> None:
            nonlocal answered
            answered += 1
            if answered == EVENTS // 3:
                master = server.pid
                children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
                os.kill(int(children[0]), signal.SIGKILL)
                kills.append(int(children[0]))
            if answered == 2 * EVENTS // 3:
                os.kill(drains[-1].pid, signal.SIGKILL)
                drains[-1].wait()
                kills.append(drains[-1].pid)
                drains.append(_start(drain_command, log, env))

        bodies = _bodies("k")
        run = loadgen.run(
            host="127.0.0.1",
            port=port,
            path="/api/v1/events/collect",
            headers=headers,
            bodies=bodies,
            concurrency=4,
            on_answer=on_answer,
        )
        accepted = {f"k{n}" for n, status in enumerate(run.status) if status == 202}
        assert len(kills) == 2
        # granian started a worker in the killed one's place and kept serving.
        assert server.poll() is None, "the server exited after a worker was killed"
        workers = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        assert len(workers) == 2, workers
        assert str(kills[0]) not in workers
        assert set(run.status) <= {0, 202}, run.status  # no answer, or accepted
        assert len(accepted) >= EVENTS - 20, run.errors  # only what the killed worker held

        deadline = time.monotonic() + DRAIN_TIMEOUT
        while AcceptedEvent.objects.filter(workspace=workspace).exists():
            assert drains[-1].poll() is None, "the drain died"
            assert time.monotonic() < deadline, "the drain did not empty the buffer"
            time.sleep(0.2)
    finally:
        for drain in drains:
            _stop(drain)
        _stop(server)
        log.close()

    stored = dict(
        Event.objects.filter(workspace=workspace)
        .values_list("event_id")
        .annotate(n=Count("id"))
        .values_list("event_id", "n")
    )
    assert accepted <= set(stored), f"lost: {sorted(accepted - set(stored))[:10]}"
    assert set(stored.values()) == {1}
    assert set(stored) <= {f"k{n}" for n in range(EVENTS)}  # nothing stored that was not sent

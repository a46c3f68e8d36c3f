"""The async path for real: a web request enqueues a task, a Celery worker process runs it.

No eager mode. The worker is a separate ``celery -A como worker`` process on the real Redis
broker and the pytest test database; it consumes only a queue named for this run, so it cannot
steal tasks from (or hand ours to) any other worker on the same broker.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
import redis
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient

from como.celery import app
from como.leads.models import Contact
from tests.celery_queues import private_queue

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
EFFECT_TIMEOUT = 30  # seconds from starting the worker until the task's effect is visible


def database_url() -> str:
    """A DATABASE_URL for the database this test runs against (the test database)."""
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    host, port = db["HOST"] or "", str(db["PORT"] or "")
    name = quote(db["NAME"], safe="")
    if host.startswith("/"):  # a Unix socket directory goes in the query string
        return f"postgres://{user}{password}@/{name}?{urlencode({'host': host})}"
    return f"postgres://{user}{password}@{host}{':' + port if port else ''}/{name}"


@pytest.fixture
def queue() -> Iterator[str]:
    """A queue of our own, used by this process's producer and by the worker."""
    with private_queue() as name:
        yield name


def start_worker(queue: str, log: Any) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "como.settings",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "como",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        f"--queues={queue}",
        f"--hostname={queue}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel=INFO",
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def stop_worker(worker: subprocess.Popen[bytes]) -> int:
    worker.send_signal(signal.SIGTERM)  # warm shutdown: finish the current task, then exit
    try:
        return worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
        raise


def test_a_task_enqueued_by_a_web_request_runs_in_a_real_worker(
    queue: str, key_client: Any, tmp_path: Path
) -> None:
    from tests.factories import WorkspaceFactory

    assert app.conf.task_always_eager is False
    workspace = WorkspaceFactory.create(slug="worker-test")
    api: APIClient = key_client(workspace)

    response = api.post(
        "/api/v1/events",
        {
            "id": "evt-worker-1",
            "type": "page_view",
            "occurred_at": "2026-01-01T10:00:00Z",
            "contact": {"email": "ana@example.com"},
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    contact = Contact.objects.get(workspace=workspace, email="ana@example.com")
    # The request committed the event and published a message, but did no activity work.
    assert contact.last_seen_at is None
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    try:
        assert broker.llen(queue) == 1
    finally:
        broker.close()

    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        worker = start_worker(queue, log)
        try:
            deadline = time.monotonic() + EFFECT_TIMEOUT
            while time.monotonic() < deadline and worker.poll() is None:
                contact.refresh_from_db()
                if contact.last_seen_at is not None:
                    break
                time.sleep(0.2)
        finally:
            exit_code = stop_worker(worker)

    output = log_path.read_text(errors="replace")
    assert contact.last_seen_at is not None, f"the task never ran; worker output:\n{output}"
    assert contact.last_seen_at.isoformat() == "2026-01-01T10:00:00+00:00"
    assert contact.first_seen_at == contact.last_seen_at
    assert "como.ingest.record_activity" in output
    assert exit_code == 0, output

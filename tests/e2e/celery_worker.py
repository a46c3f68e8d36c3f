"""A real Celery worker for tests: a separate ``celery -A como worker`` process.

No eager mode. The worker runs on the real Redis broker and the pytest test database; it
consumes only a queue named for the test, so it cannot steal tasks from (or hand ours to) any
other worker on the same broker. Used by tests/e2e/test_rescore_worker.py.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import connection

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


def subprocess_environment(**extra: str) -> dict[str, str]:
    """The environment of a child process that must use this run's database and broker."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "como.settings",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        **extra,
    }


def start_worker(queue: str, log: Any) -> subprocess.Popen[bytes]:
    env = subprocess_environment(CELERY_TASK_DEFAULT_QUEUE=queue)
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


def start_beat(queue: str, log: Any, schedule: Path, **extra: str) -> subprocess.Popen[bytes]:
    """A real ``celery -A como beat`` on the database scheduler (the test database's
    django-celery-beat rows), publishing to ``queue``; it checks its schedule every second."""
    env = subprocess_environment(CELERY_TASK_DEFAULT_QUEUE=queue, **extra)
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "como",
        "beat",
        "--scheduler=django_celery_beat.schedulers:DatabaseScheduler",
        f"--schedule={schedule}",
        "--max-interval=1",
        "--loglevel=INFO",
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def stop_worker(worker: subprocess.Popen[bytes], timeout: float = 20) -> int:
    worker.send_signal(signal.SIGTERM)  # warm shutdown: finish the current task, then exit
    try:
        return worker.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
        raise

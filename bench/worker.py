"""A real Celery worker for a benchmark: a ``celery worker`` subprocess on a queue of the
benchmark's own (so it takes no other work and leaves none behind), and the queue's removal."""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def running_worker(queue: str, concurrency: int, log: IO[bytes]) -> Iterator[Any]:
    """A ``celery worker`` subprocess on ``queue``, stopped warmly at the end."""
    env = {**os.environ, "CELERY_TASK_DEFAULT_QUEUE": queue}
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "como",
        "worker",
        "--pool=prefork",
        f"--concurrency={concurrency}",
        f"--queues={queue}",
        f"--hostname={queue}-{uuid.uuid4().hex[:4]}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel=INFO",
    ]
    worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield worker
    finally:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()


def wait_ready(worker: subprocess.Popen[bytes], log_path: str, timeout: float = 60) -> None:
    """Until the worker says it is ready (its log's ``ready.`` line)."""
    deadline = time.monotonic() + timeout
    while b" ready." not in Path(log_path).read_bytes():
        if worker.poll() is not None:
            raise SystemExit(f"the worker exited with {worker.returncode}")
        if time.monotonic() > deadline:
            raise SystemExit("the worker did not start in time")
        time.sleep(0.1)


def queue_drop(queue: str) -> None:
    """The queue and its bindings gone from the broker (what a benchmark left in it too)."""
    import redis
    from django.conf import settings

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    broker.close()


def percentile(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]

"""Celery queues of the test run's own, so tests never share a queue with a real worker."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

import redis
from django.conf import settings

from como.celery import app


@contextlib.contextmanager
def private_queue() -> Iterator[str]:
    """Publish to a fresh queue inside the block; delete it (and what is left in it) after."""
    name = f"como-test-{uuid.uuid4().hex[:12]}"
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = name
    try:
        yield name
    finally:
        app.conf.task_default_queue = previous
        broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        broker.delete(name, f"_kombu.binding.{name}", f"_kombu.binding_permanent.{name}")
        broker.close()

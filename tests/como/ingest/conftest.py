from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis
from django.conf import settings

from como.celery import app


@pytest.fixture
def private_queue() -> Iterator[str]:
    """Send this test's Celery messages to a queue of its own, deleted afterwards.

    Tests that commit publish the activity-recording task on commit; without this those
    messages would pile up in the shared default queue of the development broker.
    """
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

"""A new scoring model version posted through the API is applied by a real Celery worker.

The request only records the run and publishes its message on commit; a separate
``celery -A como worker`` process (see tests/e2e/celery_worker.py) re-scores the
workspace and marks the run succeeded.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings

from como.leads.models import Contact
from como.scoring.models import RescoreRun
from tests.celery_queues import private_queue
from tests.como.scoring.test_rescore_runs import V2, assert_scored_with_v2, scored_contacts
from tests.e2e.celery_worker import EFFECT_TIMEOUT, start_worker, stop_worker
from tests.factories import WorkspaceFactory, member_api_client

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_passwords"),
]


@pytest.fixture
def queue() -> Iterator[str]:
    """A queue of our own, used by this process's producer and by the worker."""
    with private_queue() as name:
        yield name


def test_a_version_posted_through_the_api_is_applied_by_a_real_worker(
    queue: str, tmp_path: Path
) -> None:
    workspace = WorkspaceFactory.create(slug="rescore-worker")
    contacts = scored_contacts(workspace, 3)
    api = member_api_client(workspace, "owner")

    response = api.post(
        "/api/v1/scoring-models", {"definition": V2, "note": "v2 rules"}, format="json"
    )

    assert response.status_code == 201, response.content
    answer = response.json()["rescore_run"]
    assert (answer["status"], answer["total"], answer["done"]) == ("queued", 3, 0)
    # The request re-scored nobody; it published one message for the worker.
    versions = Contact.objects.filter(workspace=workspace)
    assert set(versions.values_list("score__score_model_version", flat=True)) == {1}
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    try:
        assert broker.llen(queue) == 1
    finally:
        broker.close()

    run = RescoreRun.objects.get(pk=answer["id"])
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        worker = start_worker(queue, log)
        try:
            deadline = time.monotonic() + EFFECT_TIMEOUT
            while time.monotonic() < deadline and worker.poll() is None:
                run.refresh_from_db()
                if run.status not in RescoreRun.UNFINISHED:
                    break
                time.sleep(0.2)
        finally:
            exit_code = stop_worker(worker)

    output = log_path.read_text(errors="replace")
    assert run.status == "succeeded", f"run {run.status} ({run.error}); worker output:\n{output}"
    assert (run.total, run.done, run.last_contact_id) == (3, 3, contacts[-1].pk)
    assert_scored_with_v2(contacts)
    assert "como.scoring.rescore_workspace" in output
    assert exit_code == 0, output

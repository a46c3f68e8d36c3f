"""The co-op claim-window warning as beat runs it: the task published to the broker and run
by a real worker (tests/e2e/celery_worker.py), which notifies the workspace's members once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from como.agents.models import Notification
from como.campaigns.models import Campaign
from tests.celery_queues import private_queue
from tests.e2e.celery_worker import EFFECT_TIMEOUT, start_worker, stop_worker
from tests.factories import member_client
from tests.verticals.automotive.coop.support import dealer, program
from verticals.automotive.coop.models import CoopCampaign
from verticals.automotive.coop.services import coop_campaign_tag
from verticals.automotive.coop.tasks import TASK, claim_window_warnings

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_passwords"),
]


@pytest.fixture
def queue() -> Iterator[str]:
    with private_queue() as name:
        yield name


def test_beat_schedules_the_warning() -> None:
    assert settings.CELERY_BEAT_SCHEDULE[TASK] == {"task": TASK, "schedule": 3600.0}


def test_a_real_worker_warns_each_member_once(queue: str, tmp_path: Path) -> None:
    workspace = dealer("coop-worker")
    member_client(workspace, "owner")
    member_client(workspace, "marketer")
    campaign = Campaign.objects.create(
        workspace=workspace, name="Ford spring", ends_on=timezone.localdate() - timedelta(days=80)
    )
    link = coop_campaign_tag(program=program(workspace), campaign=campaign)

    claim_window_warnings.delay()
    claim_window_warnings.delay()  # beat firing twice, or a redelivery: still one warning
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        worker = start_worker(queue, log)
        try:
            deadline = time.monotonic() + EFFECT_TIMEOUT
            while time.monotonic() < deadline and worker.poll() is None:
                if output_done(log_path):
                    break
                time.sleep(0.2)
        finally:
            exit_code = stop_worker(worker)

    output = log_path.read_text(errors="replace")
    notes = Notification.objects.filter(workspace=workspace)
    assert sorted(notes.values_list("title", flat=True)) == [
        "Co-op claim window closes in 10 days: Ford spring",
        "Co-op claim window closes in 10 days: Ford spring",
    ], output
    assert CoopCampaign.objects.get(pk=link.pk).window_warned_at is not None
    assert output.count(f"Task {TASK}") >= 2, output
    assert exit_code == 0, output


def output_done(log_path: Path) -> bool:
    """Both messages handled: the worker logs each task's success."""
    return log_path.read_text(errors="replace").count("succeeded in") >= 2

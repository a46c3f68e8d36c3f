"""A sequence end to end with a real Celery worker, broker and SMTP server: the beat task
``como.sequences.advance`` published twice (as beat would, a minute apart) and run by a
separate ``celery -A como worker`` process; each member's covered send goes out through the
outbox and the compliance gate to the aiosmtpd server exactly once, and a member who
unsubscribed after enrolling gets nothing (the gate fails that send)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from como.agents.models import ActionStatus, AgentAction
from como.consent.services import consent_revoke
from como.leads.models import Contact
from como.sequences.enrollment import members_enrol
from como.sequences.models import MemberStep
from como.sequences.tasks import advance
from tests.celery_queues import private_queue
from tests.como.channels.email_support import PUBLIC, smtp_server
from tests.como.sequences.support import approved_sequence, email, people, program
from tests.e2e.celery_worker import EFFECT_TIMEOUT, start_worker, stop_worker

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_passwords"),
]

FINAL = {ActionStatus.SUCCEEDED, ActionStatus.FAILED}


@pytest.fixture
def worker_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Any]]:
    with smtp_server() as (inbox, port), private_queue() as queue:
        monkeypatch.setenv("EMAIL_HOST", "127.0.0.1")
        monkeypatch.setenv("EMAIL_PORT", str(port))
        monkeypatch.setenv("COMO_PUBLIC_URL", PUBLIC)
        monkeypatch.delenv("EMAIL_BACKEND", raising=False)
        log_path = tmp_path / "worker.log"
        with log_path.open("ab") as log:
            process = start_worker(queue, log)
        try:
            yield inbox, log_path
        finally:
            assert stop_worker(process) == 0, log_path.read_text(errors="replace")


def test_the_beat_task_sends_each_members_step_once_through_the_worker(
    workspace: Any, worker_env: tuple[Any, Path]
) -> None:
    inbox, log_path = worker_env
    consenting = people(workspace, 3)
    refused = Contact.objects.create(workspace=workspace, email="gone@example.com")
    _, version = approved_sequence(
        workspace, program(email("hello"), {"id": "w", "type": "wait", "minutes": 60})
    )
    members_enrol(version=version, contact_ids=[c.pk for c in [*consenting, refused]])
    consent_revoke(contact=refused, channel="email", source="unsubscribe_link")
    advance.delay()
    advance.delay()  # beat's next tick (or a redelivery): nothing is due twice
    deadline = time.monotonic() + EFFECT_TIMEOUT
    sends = AgentAction.objects.filter(kind="email_send")
    while time.monotonic() < deadline:
        if sends.count() == 4 and set(sends.values_list("status", flat=True)) <= FINAL:
            break
        time.sleep(0.1)
    log = log_path.read_text(errors="replace")
    statuses = dict(sends.values_list("target_id", "status"))
    assert statuses == {
        **{str(c.pk): ActionStatus.SUCCEEDED for c in consenting},
        str(refused.pk): ActionStatus.FAILED,
    }, log
    time.sleep(0.5)  # a late duplicate would have arrived by now
    assert sorted(m["To"] for m in inbox.received()) == sorted(c.email for c in consenting)
    assert MemberStep.objects.filter(outcome="sent").count() == 4

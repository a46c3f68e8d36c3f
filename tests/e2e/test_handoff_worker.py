"""The MQL handoff end to end: a real Celery worker, a real SMTP server.

An event posted through the API pushes a contact over the threshold: the ingest transaction
moves it to MQL and records the ``mql_handoff`` action (auto-approved by the playbook), which
is enqueued on commit. A separate ``celery -A como worker`` process (tests/e2e/celery_worker.py)
executes it once: the handoff starts its SLA timer and the rep's email arrives at an aiosmtpd
server on a free local port (the worker gets ``EMAIL_HOST``/``EMAIL_PORT`` from its
environment, so it sends over real SMTP).

Time is moved by the escalation task's own argument: the test publishes
``como.agents.escalate_handoffs`` with ``now`` past the SLA, exactly as beat publishes it
without one, and the worker escalates as of that instant. No clock is patched in either
process; production code has no test hook beyond that optional argument.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone
from rest_framework.test import APIClient

from como.agents.models import (
    ActionStatus,
    ActionTransition,
    AgentAction,
    Handoff,
    HandoffEscalation,
    Notification,
)
from como.agents.tasks import escalate_handoffs
from como.leads.models import Contact
from como.scoring.services import scoring_model_create_version
from como.workspaces.services import api_key_create
from tests.celery_queues import private_queue
from tests.como.agents.handoff_setup import person, policy, territory
from tests.e2e.celery_worker import EFFECT_TIMEOUT, start_worker, stop_worker
from tests.factories import WorkspaceFactory

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_passwords"),
]


@dataclass
class Inbox:
    """An aiosmtpd handler keeping every message it accepts."""

    messages: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.messages.append(parsed)
        return "250 Message accepted for delivery"

    def received(self) -> list[EmailMessage]:
        with self.lock:
            return list(self.messages)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def queue() -> Iterator[str]:
    """A queue of our own, used by this process's producer and by the worker."""
    with private_queue() as name:
        yield name


def wait_for(condition: Callable[[], bool], worker: Any, what: str) -> None:
    deadline = time.monotonic() + EFFECT_TIMEOUT
    while time.monotonic() < deadline and worker.poll() is None:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_an_event_hands_an_mql_to_a_rep_by_email_and_escalates_past_the_sla(
    queue: str,
    smtp: tuple[Inbox, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inbox, port = smtp
    workspace = WorkspaceFactory.create(slug="handoff-worker", vertical="automotive")
    scoring_model_create_version(
        workspace=workspace,
        definition={
            "threshold": 50,
            "intent": [{"key": "test_drive", "event_type": "test_drive_booked", "points": 60}],
        },
        note="one test drive makes an MQL",
    )
    ana, ben, boss = person(workspace, "ana"), person(workspace, "ben"), person(workspace, "max")
    territory(workspace, "Showroom", [ana, ben], manager=boss, is_default=True)
    policy(workspace, auto_approve_kinds=["mql_handoff"], handoff_sla_minutes=5)
    api = APIClient()
    api.credentials(
        HTTP_AUTHORIZATION=f"Bearer {api_key_create(workspace=workspace, name='e2e').secret}"
    )

    monkeypatch.setenv("EMAIL_HOST", "127.0.0.1")
    monkeypatch.setenv("EMAIL_PORT", str(port))
    monkeypatch.delenv("EMAIL_BACKEND", raising=False)
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        worker = start_worker(queue, log)
        try:
            started = time.monotonic()
            response = api.post(
                "/api/v1/events",
                {
                    "id": "drive-1",
                    "type": "test_drive_booked",
                    "occurred_at": timezone.now().isoformat(),
                    "contact": {"email": "dana.reyes@example.com"},
                    "properties": {"vin": "1HGCM82633A004352"},
                },
                format="json",
            )
            recorded_within = time.monotonic() - started

            # The answer came back with the MQL and its handoff action already committed.
            assert response.status_code == 200, response.content
            contact = Contact.objects.get(workspace=workspace, email="dana.reyes@example.com")
            assert contact.lifecycle_stage == "mql"
            (action,) = AgentAction.objects.filter(workspace=workspace, kind="mql_handoff")
            assert action.status in {"approved", "executing", "succeeded"}
            assert action.payload["rep_id"] == ana.pk
            assert recorded_within < 5  # its p99 target is for bench/scoring.py to measure

            wait_for(lambda: len(inbox.received()) >= 1, worker, "the rep's email")
            wait_for(
                lambda: AgentAction.objects.get(pk=action.pk).status == ActionStatus.SUCCEEDED,
                worker,
                "the action to succeed",
            )
            handoff = Handoff.objects.get(action=action)

            # Time moves past the SLA: beat's task, run by the worker as of that instant.
            escalate_handoffs.delay((handoff.sla_due_at + timedelta(seconds=1)).isoformat())
            wait_for(
                lambda: HandoffEscalation.objects.filter(handoff=handoff).exists(),
                worker,
                "the escalation",
            )
            wait_for(lambda: len(inbox.received()) >= 2, worker, "the next rep's email")
            # …and past the next rep's timer too: the manager.
            escalate_handoffs.delay(
                (handoff.handed_at + timedelta(minutes=10, seconds=2)).isoformat()
            )
            wait_for(lambda: len(inbox.received()) >= 3, worker, "the manager's email")
        finally:
            exit_code = stop_worker(worker)

    output = log_path.read_text(errors="replace")
    # Executed once: one claim, one success, one handoff, one notification for the rep.
    claims = ActionTransition.objects.filter(action=action, to_status="executing")
    assert claims.count() == 1, output
    assert ActionTransition.objects.filter(action=action, to_status="succeeded").count() == 1
    assert Handoff.objects.filter(action=action).count() == 1
    assert Notification.objects.filter(action=action, user=ana).count() == 1
    # The emails, as the SMTP server received them.
    first, second, third = inbox.received()
    assert first["To"] == ana.email
    assert first["Message-ID"] == f"<como.handoff-action-{action.pk}@localhost>"
    assert first["Subject"].startswith("New MQL for you: dana.reyes@example.com")
    assert "Please follow up within 5 minutes." in first.get_content()
    assert "test_drive_booked" in first.get_content()
    assert second["To"] == ben.email
    assert second["Message-ID"] == f"<como.handoff-{handoff.pk}-level-1@localhost>"
    assert second["Subject"].startswith("Escalated MQL for you")
    assert third["To"] == boss.email
    # Escalated, and the breach recorded once, at the missed deadline.
    handoff.refresh_from_db()
    assert (handoff.rep, handoff.level) == (boss, 2)
    assert handoff.breached_at == handoff.sla_due_at
    steps = HandoffEscalation.objects.filter(handoff=handoff).order_by("level")
    assert [(s.from_user, s.to_user) for s in steps] == [(ana, ben), (ben, boss)]
    assert "como.agents.execute_action" in output
    assert "como.agents.escalate_handoffs" in output
    assert exit_code == 0, output

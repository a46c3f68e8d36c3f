"""The ABM agent end to end: a surge posted through the API proposes the account play in the
request's transaction; a member approves it and a real Celery worker (tests/e2e/celery_worker.py)
executes each part once: the owner's handoff email arrives at a real SMTP server, the engaged
members enter their sequences, the LinkedIn upload is recorded by the sandbox."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from como.agents.models import ActionStatus, ActionTransition, AgentAction, Handoff
from como.agents.services import action_approve
from como.channels.models import SandboxRequest
from como.sequences.models import SequenceMember
from como.workspaces.services import api_key_create
from tests.como.sequences.support import approver
from tests.e2e.celery_worker import start_worker, stop_worker
from tests.e2e.test_handoff_worker import Inbox, queue, smtp, wait_for
from tests.factories import WorkspaceFactory
from tests.verticals.b2b.abm_setup import SEGMENT, acme
from verticals.b2b.abm.models import AccountPlayPart

__all__ = ["queue", "smtp"]  # the fixtures, imported for this module's tests

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_passwords"),
]


def test_a_surge_from_the_api_becomes_a_play_a_worker_runs_once(
    queue: str,
    smtp: tuple[Inbox, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inbox, port = smtp
    workspace = WorkspaceFactory.create(slug="abm-worker", vertical="b2b")
    team = acme(workspace)
    api = APIClient()
    api.credentials(
        HTTP_AUTHORIZATION=f"Bearer {api_key_create(workspace=workspace, name='e2e').secret}"
    )
    today = timezone.now().date()
    monday = today - timedelta(days=today.weekday())
    monkeypatch.setenv("EMAIL_HOST", "127.0.0.1")
    monkeypatch.setenv("EMAIL_PORT", str(port))
    monkeypatch.delenv("EMAIL_BACKEND", raising=False)
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        worker = start_worker(queue, log)
        try:
            response = api.post(
                "/api/v1/intent/signals",
                {
                    "signals": [
                        {
                            "provider": "bombora",
                            "domain": "acme.com",
                            "topic": "Cloud Data Warehouse",
                            "score": 77,
                            "week": monday.isoformat(),
                        }
                    ]
                },
                format="json",
            )
            assert response.status_code in (200, 201, 207), response.content
            (action,) = AgentAction.objects.filter(workspace=workspace, kind="account_play")
            assert action.status == ActionStatus.PROPOSED
            assert action.payload["changed"]["score"] == 77

            action_approve(action=action, user=approver(workspace, "vera"))

            wait_for(
                lambda: AgentAction.objects.get(pk=action.pk).status == ActionStatus.SUCCEEDED,
                worker,
                "the play to succeed",
            )
            wait_for(lambda: len(inbox.received()) >= 1, worker, "the owner's email")
        finally:
            exit_code = stop_worker(worker)

    output = log_path.read_text(errors="replace")
    assert ActionTransition.objects.filter(action=action, to_status="executing").count() == 1
    attempts = dict(AccountPlayPart.objects.filter(action=action).values_list("part", "attempts"))
    assert attempts == {"audience": 1, "handoff": 1, "sequence": 1}, output
    statuses = set(AccountPlayPart.objects.filter(action=action).values_list("status", flat=True))
    assert statuses == {"done"}
    assert Handoff.objects.get(action=action).rep_id == team.owner.pk
    [sent] = inbox.received()
    assert sent["To"] == team.owner.email
    assert SequenceMember.objects.filter(workspace=workspace).count() == 2
    [upload] = SandboxRequest.objects.filter(workspace=workspace, channel="linkedin")
    assert upload.url.endswith(f"/rest/dmpSegments/{SEGMENT}/companies")
    assert json.loads(upload.body)["elements"][0]["companyWebsiteDomain"] == "acme.com"
    assert "como.agents.execute_action" in output
    assert exit_code == 0, output

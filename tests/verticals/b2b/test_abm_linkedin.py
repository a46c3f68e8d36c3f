"""The play's LinkedIn upload over the HTTP transport, against a local server: the documented
request shape arrives; a refusal fails that part only, the others run and nothing repeats."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from como.agents.execution import action_execute
from como.agents.models import ActionStatus, Handoff
from como.agents.services import action_approve
from como.channels.models import ChannelAccount, SandboxRequest
from como.sequences.models import SequenceMember
from como.workspaces.models import Workspace
from tests.como.sequences.support import approver
from verticals.b2b.abm.models import AccountPlayPart
from verticals.b2b.abm.proposals import propose_account_plays

from .abm_setup import SEGMENT, acme

pytestmark = pytest.mark.django_db


@dataclass
class LinkedIn:
    """A stand-in for api.linkedin.com: records each request, answers ``status``."""

    status: int = 200
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def linkedin() -> Iterator[LinkedIn]:
    fake = LinkedIn()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            fake.requests.append(
                {"path": self.path, "headers": dict(self.headers), "body": json.loads(body)}
            )
            answer: dict[str, Any]
            if fake.status == 200:
                answer = {"elements": [{"status": 201} for _ in json.loads(body)["elements"]]}
            else:
                answer = {"status": fake.status, "message": "Segment not found"}
            data = json.dumps(answer).encode()
            self.send_response(fake.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


def _approved_play(workspace: Workspace, linkedin: LinkedIn) -> Any:
    team = acme(workspace)
    ChannelAccount.objects.create(
        workspace=workspace,
        channel="linkedin",
        transport="http",
        base_url=linkedin.url,
        account_id="5100",
        credentials={"access_token": "tok-123"},
    )
    [action] = propose_account_plays(workspace, [team.account.pk], reason="mqa", changed={})
    action_approve(action=action, user=approver(workspace, "vera"))
    return action


def test_the_upload_goes_over_http_as_linkedin_documents_it(
    workspace: Workspace, linkedin: LinkedIn
) -> None:
    action = _approved_play(workspace, linkedin)

    assert action_execute(action.pk).status == ActionStatus.SUCCEEDED

    [request] = linkedin.requests
    assert request["path"] == f"/rest/dmpSegments/{SEGMENT}/companies"
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert headers["authorization"] == "Bearer tok-123"
    assert headers["x-restli-method"] == "BATCH_CREATE"
    assert headers["x-restli-protocol-version"] == "2.0.0"
    assert headers["linkedin-version"].isdigit()
    assert request["body"] == {
        "elements": [
            {
                "action": "ADD",
                "companyName": "Acme",
                "companyWebsiteDomain": "acme.com",
                "companyEmailDomain": "acme.com",
            }
        ]
    }
    action.refresh_from_db()
    audience = action.result["parts"]["audience"]
    assert audience["status"] == "done"
    assert audience["result"]["sandbox"] is False
    assert audience["result"]["accepted"] == 1
    assert not SandboxRequest.objects.filter(workspace=workspace).exists()


def test_a_refused_upload_fails_its_part_only(workspace: Workspace, linkedin: LinkedIn) -> None:
    linkedin.status = 404
    action = _approved_play(workspace, linkedin)

    assert action_execute(action.pk).status == ActionStatus.SUCCEEDED

    action.refresh_from_db()
    parts = action.result["parts"]
    assert {name: p["status"] for name, p in parts.items()} == {
        "audience": "failed",
        "handoff": "done",
        "sequence": "done",
    }
    assert "HTTP 404" in parts["audience"]["error"]
    assert Handoff.objects.filter(action=action).count() == 1
    assert SequenceMember.objects.filter(workspace=workspace).count() == 2
    # a failed part is settled: a later run does not send it again
    assert AccountPlayPart.objects.get(action=action, part="audience").attempts == 1
    assert len(linkedin.requests) == 1


def test_a_transient_error_retries_only_its_part(workspace: Workspace, linkedin: LinkedIn) -> None:
    linkedin.status = 503
    action = _approved_play(workspace, linkedin)

    first = action_execute(action.pk)

    assert first.status == ActionStatus.APPROVED  # back to wait for its retry
    rows = dict(AccountPlayPart.objects.filter(action=action).values_list("part", "status"))
    assert rows == {"audience": "pending", "handoff": "done", "sequence": "done"}
    linkedin.status = 200
    from como.agents.models import AgentAction

    AgentAction.objects.filter(pk=action.pk).update(next_attempt_at=None)
    assert action_execute(action.pk).status == ActionStatus.SUCCEEDED
    attempts = dict(AccountPlayPart.objects.filter(action=action).values_list("part", "attempts"))
    assert attempts == {"audience": 2, "handoff": 1, "sequence": 1}
    assert len(linkedin.requests) == 2
    assert Handoff.objects.filter(action=action).count() == 1

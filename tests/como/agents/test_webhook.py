"""The ``webhook`` executor against a real local HTTP server that honours Idempotency-Key."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from django.utils import timezone

from como.agents.execution import LEASE, Outcome, TransientError, action_execute, executor_for
from como.agents.models import ActionStatus, AgentAction
from como.agents.services import ActionDraft, action_approve, action_propose
from como.agents.webhook import RESPONSE_LIMIT, WebhookRejected, _bounded, webhook_execute
from como.workspaces.models import Workspace
from tests.factories import MembershipFactory, UserFactory
from tests.webhook_server import IdempotentReceiver

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


@pytest.fixture
def receiver() -> Iterator[IdempotentReceiver]:
    with IdempotentReceiver() as server:
        yield server


def approved_webhook(
    workspace: Workspace, url: str, key: str = "hook-1", **body: Any
) -> AgentAction:
    """A webhook action proposed by the agent identity and approved by an approver."""
    proposed = action_propose(
        workspace=workspace,
        proposer=workspace.agent_user,
        draft=ActionDraft(
            agent="test",
            kind="webhook",
            idempotency_key=key,
            rationale="Tell the CRM.",
            payload={"url": url, **body},
        ),
    )
    approver = UserFactory.create(username=f"approver-{key}")
    MembershipFactory.create(workspace=workspace, user=approver, role="approver")
    action = action_approve(action=proposed.action, user=approver)
    assert action.status == ActionStatus.APPROVED
    return action


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_it_is_the_executor_of_webhook_actions() -> None:
    assert executor_for("webhook") is webhook_execute


def test_success_posts_the_payload_with_the_action_id_as_idempotency_key(
    workspace: Workspace, receiver: IdempotentReceiver
) -> None:
    action = approved_webhook(workspace, receiver.url, event="lead.mql", contact=7)

    outcome = action_execute(action.pk)

    action.refresh_from_db()
    assert (outcome.status, action.status, action.attempts) == ("succeeded", "succeeded", 1)
    key = str(action.pk)
    assert receiver.effects == {key: {"event": "lead.mql", "contact": 7}}  # no url in the body
    assert action.result == {
        "status_code": 200,
        "response": {"id": "hook_1", "idempotency_key": key},
    }
    assert action.finished_at is not None
    assert action.error == ""


def test_a_503_is_retried_with_backoff_and_then_succeeds(
    workspace: Workspace, receiver: IdempotentReceiver
) -> None:
    action = approved_webhook(workspace, receiver.url, event="lead.mql")
    receiver.answers.append(503)

    first = action_execute(action.pk)

    action.refresh_from_db()
    assert (first.status, action.status, action.attempts) == ("approved", "approved", 1)
    assert "answered 503" in action.error
    assert action.next_attempt_at is not None
    assert action.next_attempt_at > action.claimed_at  # type: ignore[operator]
    # Not before its time: a message arriving early claims nothing.
    assert action_execute(action.pk).status == "skipped"
    assert receiver.side_effects == 0

    later = action.next_attempt_at + timedelta(seconds=1)
    second = action_execute(action.pk, now=lambda: later)

    action.refresh_from_db()
    assert (second.status, action.status, action.attempts) == ("succeeded", "succeeded", 2)
    assert [d.status for d in receiver.deliveries] == [503, 200]
    assert {d.key for d in receiver.deliveries} == {str(action.pk)}
    assert receiver.side_effects == 1
    assert action.result["status_code"] == 200


def test_a_400_fails_the_action_for_good(
    workspace: Workspace, receiver: IdempotentReceiver
) -> None:
    action = approved_webhook(workspace, receiver.url, event="lead.mql")
    receiver.answers.append(400)

    outcome = action_execute(action.pk)

    action.refresh_from_db()
    assert (outcome.status, action.status, action.attempts) == ("failed", "failed", 1)
    assert "answered 400" in action.error
    assert "scripted 400" in action.error  # the receiver's reason, for the operator
    assert action.next_attempt_at is None
    assert action_execute(action.pk).status == "skipped"
    assert len(receiver.deliveries) == 1


def test_a_second_delivery_after_a_lost_answer_is_replayed_not_repeated(
    workspace: Workspace, receiver: IdempotentReceiver
) -> None:
    action = approved_webhook(workspace, receiver.url, event="lead.mql")

    first = webhook_execute(action, str(action.pk))
    again = webhook_execute(action, str(action.pk))

    assert again == {**first, "replayed": True}
    assert receiver.side_effects == 1
    assert receiver.duplicates == 1


def test_a_dead_workers_claim_is_taken_over_and_its_delivery_replayed(
    workspace: Workspace, receiver: IdempotentReceiver
) -> None:
    action = approved_webhook(workspace, receiver.url, event="lead.mql")
    # A worker claimed it and delivered it, then died before recording anything.
    claimed = timezone.now()
    AgentAction.objects.filter(pk=action.pk).update(
        status=ActionStatus.EXECUTING, claimed_at=claimed, attempts=1
    )
    webhook_execute(action, str(action.pk))
    later = claimed + LEASE + timedelta(seconds=1)

    assert action_execute(action.pk, now=lambda: claimed + LEASE) == Outcome("skipped")
    outcome = action_execute(action.pk, now=lambda: later)

    action.refresh_from_db()
    assert outcome == Outcome(ActionStatus.SUCCEEDED, 2)
    assert action.result["replayed"] is True
    assert (receiver.side_effects, receiver.duplicates) == (1, 1)
    assert list(action.transitions.values_list("from_status", "to_status", "note").order_by("id"))[
        -2:
    ] == [
        ("executing", "executing", "Attempt 2: the previous claim outlived its lease."),
        ("executing", "succeeded", "Done."),
    ]


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 504])
def test_statuses_worth_retrying_are_transient(
    workspace: Workspace, receiver: IdempotentReceiver, status: int
) -> None:
    action = approved_webhook(workspace, receiver.url)
    receiver.answers.append(status)

    with pytest.raises(TransientError, match=f"answered {status}"):
        webhook_execute(action, str(action.pk))


@pytest.mark.parametrize("status", [301, 401, 404, 422])
def test_other_statuses_are_permanent(
    workspace: Workspace, receiver: IdempotentReceiver, status: int
) -> None:
    action = approved_webhook(workspace, receiver.url)
    receiver.answers.append(status)

    with pytest.raises(WebhookRejected, match=f"answered {status}"):
        webhook_execute(action, str(action.pk))


def test_a_timeout_is_transient(workspace: Workspace, settings: Any) -> None:
    settings.COMO_WEBHOOK_TIMEOUT = 0.2
    with IdempotentReceiver(delay=1.0) as slow:
        action = approved_webhook(workspace, slow.url)
        with pytest.raises(TransientError, match="Timeout"):
            webhook_execute(action, str(action.pk))


def test_a_refused_connection_is_transient(workspace: Workspace) -> None:
    action = approved_webhook(workspace, f"http://127.0.0.1:{free_port()}/hooks")

    outcome = action_execute(action.pk)

    action.refresh_from_db()
    assert (outcome.status, action.status) == ("approved", "approved")
    assert "ConnectError" in action.error


@pytest.mark.parametrize(
    "url", ["", "ftp://example.com/hook", "file:///etc/passwd", "/relative/hook", "http:///x"]
)
def test_only_absolute_http_urls_are_accepted(workspace: Workspace, url: str) -> None:
    action = approved_webhook(workspace, url)

    outcome = action_execute(action.pk)

    action.refresh_from_db()
    assert (outcome.status, action.status) == ("failed", "failed")
    assert "url" in action.error.lower()


def test_the_stored_response_is_bounded() -> None:
    big = httpx.Response(
        200, text="x" * (RESPONSE_LIMIT * 3), headers={"content-type": "text/plain"}
    )
    as_json = httpx.Response(200, json={"id": "ext_1"})
    long_json = httpx.Response(200, json={"blob": "y" * RESPONSE_LIMIT})

    assert _bounded(big) == "x" * RESPONSE_LIMIT
    assert _bounded(as_json) == {"id": "ext_1"}
    assert _bounded(long_json) == long_json.text[:RESPONSE_LIMIT]

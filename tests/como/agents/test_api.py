"""The actions API: the queue, the detail with its audit trail, approve and reject.

Four eyes over HTTP: the proposer, an API key and the agent identity are refused (403); an
approver of another workspace does not find the action (404); a blocking finding or a missing
note is a 400 with the service's message.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from rest_framework.test import APIClient

from como.agents.models import ActionApproval, ActionStatus, AgentAction
from como.agents.services import action_approve, playbook_for
from como.workspaces.models import Workspace

from .proposals import BLOCK, WARN, person, propose

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


def client_of(user: Any) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def approve(client: APIClient, action: AgentAction, **body: Any) -> Any:
    return client.post(f"/api/v1/actions/{action.pk}/approve", body, format="json")


def reject(client: APIClient, action: AgentAction, **body: Any) -> Any:
    return client.post(f"/api/v1/actions/{action.pk}/reject", body, format="json")


def status_of(action: AgentAction) -> str:
    return AgentAction.objects.get(pk=action.pk).status


# --- reading ---------------------------------------------------------------------------------


def test_the_queue_lists_proposed_actions(
    workspace: Workspace, api: APIClient, other_workspace: Workspace
) -> None:
    waiting = propose(workspace, key="waiting")
    decided = propose(workspace, key="decided")
    action_approve(action=decided, user=person(workspace, "approver", "ann"))
    propose(other_workspace, key="theirs")

    queue = api.get("/api/v1/actions", {"status": "proposed"})
    everything = api.get("/api/v1/actions")

    assert queue.status_code == 200, queue.content
    assert [row["id"] for row in queue.json()["results"]] == [waiting.pk]
    assert [row["id"] for row in everything.json()["results"]] == [decided.pk, waiting.pk]
    row = queue.json()["results"][0]
    assert {key: row[key] for key in ("workspace", "agent", "kind", "channel", "status")} == {
        "workspace": "acme",
        "agent": "test_agent",
        "kind": "test_email",
        "channel": "email",
        "status": "proposed",
    }
    assert row["proposed_by"] == "agent@acme"
    assert row["approvals"] == []
    assert row["required_approvals"] == 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"agent": "pricing_agent"}, ["priced"]),
        ({"kind": "ad_pause"}, ["paused"]),
        ({"channel": "sms"}, ["texted"]),
        ({"risk": "high"}, ["priced"]),
        ({"risk": "low", "channel": "email"}, ["plain"]),
        ({"kind": "nothing_like_it"}, []),
    ],
)
def test_the_queue_filters(
    workspace: Workspace, api: APIClient, query: dict[str, str], expected: list[str]
) -> None:
    propose(workspace, key="plain")
    propose(workspace, key="priced", agent="pricing_agent", risk="high")
    propose(workspace, key="paused", kind="ad_pause", channel="meta")
    propose(workspace, key="texted", channel="sms")

    response = api.get("/api/v1/actions", query)

    assert response.status_code == 200
    found = AgentAction.objects.in_bulk([row["id"] for row in response.json()["results"]])
    assert sorted(action.idempotency_key for action in found.values()) == expected


def test_an_unknown_status_is_a_400(api: APIClient) -> None:
    response = api.get("/api/v1/actions", {"status": "maybe"})

    assert response.status_code == 400
    assert response.json() == {
        "status": ["Select a valid choice. maybe is not one of the available choices."]
    }


def test_the_detail_has_findings_approvals_and_the_audit_trail(
    workspace: Workspace, api: APIClient
) -> None:
    playbook = playbook_for(workspace)
    playbook.two_approver_kinds = ["budget_raise"]
    playbook.save()
    ann = person(workspace, "approver", "ann")
    action = propose(
        workspace,
        kind="budget_raise",
        spend=Decimal("2500.00"),
        findings=[WARN],
        payload={"budget": 2500},
    )
    action_approve(action=action, user=ann, note="Quiet hours checked.")

    response = api.get(f"/api/v1/actions/{action.pk}")

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["spend"], body["required_approvals"]) == (
        "proposed",
        "2500.00",
        2,
    )
    assert body["findings"] == [WARN]
    assert body["payload"] == {"budget": 2500}
    assert body["preview"] == "Subject: Spring prices\n\nHello <b>Ana</b>,"
    assert [(a["user"], a["note"]) for a in body["approvals"]] == [
        ("ann-acme", "Quiet hours checked.")
    ]
    assert [
        (t["from_status"], t["to_status"], t["actor_kind"], t["actor"], t["note"])
        for t in body["transitions"]
    ] == [
        ("", "proposed", "agent", "agent@acme", "Proposed."),
        ("proposed", "proposed", "member", "ann-acme", "Approval 1 of 2."),
    ]


def test_another_workspaces_action_is_404_everywhere(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    action = propose(workspace)
    stranger = client_of(person(other_workspace, "owner", "sam"))

    assert stranger.get(f"/api/v1/actions/{action.pk}").status_code == 404
    assert approve(stranger, action, note="x").status_code == 404
    assert reject(stranger, action, reason="x").status_code == 404
    assert stranger.get("/api/v1/actions").json()["results"] == []
    assert status_of(action) == ActionStatus.PROPOSED


# --- approving -------------------------------------------------------------------------------


def test_an_approver_approves(workspace: Workspace) -> None:
    action = propose(workspace)

    response = approve(client_of(person(workspace, "approver", "ann")), action, note="Fine.")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "approved"
    assert body["approved_at"] is not None
    assert [(a["user"], a["note"]) for a in body["approvals"]] == [("ann-acme", "Fine.")]
    assert body["transitions"][-1]["to_status"] == "approved"
    assert status_of(action) == ActionStatus.APPROVED


def test_two_approver_kinds_through_the_api(workspace: Workspace) -> None:
    playbook = playbook_for(workspace)
    playbook.two_approver_kinds = ["budget_raise"]
    playbook.save()
    action = propose(workspace, kind="budget_raise")
    ann = client_of(person(workspace, "approver", "ann"))

    first = approve(ann, action)
    again = approve(ann, action)
    second = approve(client_of(person(workspace, "owner", "bob")), action)

    assert (first.status_code, first.json()["status"], len(first.json()["approvals"])) == (
        200,
        "proposed",
        1,
    )
    assert again.status_code == 400
    assert again.json() == {
        "non_field_errors": ["You have approved this action already; it needs another approver."]
    }
    assert (second.status_code, second.json()["status"]) == (200, "approved")


def test_the_proposer_cannot_approve(workspace: Workspace) -> None:
    owner = person(workspace, "owner", "olga")
    action = propose(workspace, proposer=owner)

    response = approve(client_of(owner), action)

    assert response.status_code == 403
    assert response.json() == {"detail": "The proposer of an action cannot approve it."}
    assert status_of(action) == ActionStatus.PROPOSED
    assert ActionApproval.objects.filter(action=action).count() == 0


def test_an_api_key_can_read_but_never_decide(workspace: Workspace, api: APIClient) -> None:
    action = propose(workspace)

    assert api.get(f"/api/v1/actions/{action.pk}").status_code == 200
    approved = approve(api, action, note="I am a script.")
    rejected = reject(api, action, reason="I am a script.")

    assert approved.status_code == 403
    assert approved.json() == {
        "detail": "An API key cannot approve or reject actions: a decision names a person."
    }
    assert rejected.status_code == 403
    assert status_of(action) == ActionStatus.PROPOSED


def test_the_agent_identity_cannot_approve(workspace: Workspace) -> None:
    action = propose(workspace, proposer=person(workspace, "marketer", "mo"))
    agent = client_of(workspace.agent_user)

    assert agent.get(f"/api/v1/actions/{action.pk}").status_code == 200
    response = approve(agent, action)

    assert response.status_code == 403
    assert response.json() == {
        "detail": "The agent identity proposes actions; it never approves or rejects them."
    }
    assert status_of(action) == ActionStatus.PROPOSED


@pytest.mark.parametrize("role", ["marketer", "sales", "compliance", "viewer"])
def test_roles_without_approve_are_refused(workspace: Workspace, role: str) -> None:
    action = propose(workspace)
    member = client_of(person(workspace, role, "mo"))

    assert member.get("/api/v1/actions").json()["results"][0]["id"] == action.pk
    approved = approve(member, action)
    rejected = reject(member, action, reason="No.")

    for response in (approved, rejected):
        assert response.status_code == 403
        assert response.json() == {
            "detail": "You may not approve or reject actions in this workspace."
        }
    assert status_of(action) == ActionStatus.PROPOSED


def test_a_blocking_finding_cannot_be_approved(workspace: Workspace) -> None:
    action = propose(workspace, findings=[BLOCK])

    response = approve(client_of(person(workspace, "owner", "olga")), action, note="Ship it.")

    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": [
            "A blocking compliance finding stops this action: revise it and propose it again."
        ]
    }
    assert status_of(action) == ActionStatus.PROPOSED


def test_a_warning_needs_a_note(workspace: Workspace) -> None:
    action = propose(workspace, findings=[WARN])
    approver = client_of(person(workspace, "approver", "ann"))

    without = approve(approver, action)
    blank = approve(approver, action, note="   ")
    noted = approve(approver, action, note="Sends at 10:00 local time.")

    for response in (without, blank):
        assert response.status_code == 400
        assert response.json() == {
            "note": ["This action has compliance warnings: say why it may go ahead."]
        }
    assert noted.status_code == 200
    assert noted.json()["approvals"][0]["note"] == "Sends at 10:00 local time."


def test_a_note_that_is_too_long_or_not_text_is_a_400(workspace: Workspace) -> None:
    action = propose(workspace)
    approver = client_of(person(workspace, "approver", "ann"))

    long = approve(approver, action, note="x" * 2001)
    nul = approve(approver, action, note="a\x00b")

    assert long.status_code == 400
    assert long.json() == {"note": ["Ensure this field has no more than 2000 characters."]}
    assert nul.status_code == 400
    assert nul.json() == {"note": ["Null characters are not allowed."]}
    assert status_of(action) == ActionStatus.PROPOSED


def test_deciding_is_post_only(workspace: Workspace) -> None:
    action = propose(workspace)
    approver = client_of(person(workspace, "approver", "ann"))

    assert approver.get(f"/api/v1/actions/{action.pk}/approve").status_code == 405
    assert approver.delete(f"/api/v1/actions/{action.pk}").status_code == 405


def test_session_callers_need_the_csrf_token(workspace: Workspace) -> None:
    action = propose(workspace)
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(person(workspace, "approver", "ann"))

    response = approve(browser, action)

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert status_of(action) == ActionStatus.PROPOSED


# --- rejecting -------------------------------------------------------------------------------


def test_rejecting_with_a_reason(workspace: Workspace) -> None:
    action = propose(workspace)
    approver = client_of(person(workspace, "approver", "ann"))

    missing = reject(approver, action)
    blank = reject(approver, action, reason="  ")
    rejected = reject(approver, action, reason="Wrong audience.")
    again = approve(approver, action)

    assert (missing.status_code, missing.json()) == (400, {"reason": ["This field is required."]})
    assert (blank.status_code, blank.json()) == (
        400,
        {"reason": ["Say why the action is rejected."]},
    )
    assert rejected.status_code == 200
    body = rejected.json()
    assert body["status"] == "rejected"
    assert body["finished_at"] is not None
    assert (body["transitions"][-1]["note"], body["transitions"][-1]["actor"]) == (
        "Wrong audience.",
        "ann-acme",
    )
    assert again.status_code == 400
    assert again.json() == {"non_field_errors": ["This action is rejected, not awaiting approval."]}


# --- the published schema describes the answers ----------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_answers_match_the_published_schema(
    workspace: Workspace, key_client: Callable[[Workspace], APIClient]
) -> None:
    import schemathesis
    from schemathesis.specs.openapi.checks import response_schema_conformance

    from como.wsgi import application

    playbook = playbook_for(workspace)
    playbook.two_approver_kinds = ["budget_raise"]
    playbook.save()
    ann = person(workspace, "approver", "ann")
    action = propose(
        workspace,
        kind="budget_raise",
        spend=Decimal("2500.00"),
        findings=[WARN, {"rule": "custom", "severity": "warn", "extra": [1, 2]}],
        payload={"budget": 2500, "nested": {"a": [1, None]}},
    )
    action_approve(action=action, user=ann, note="Checked.")
    from como.workspaces.services import api_key_create

    key = api_key_create(workspace=workspace, name="schema").secret
    as_key = {"Authorization": f"Bearer {key}"}
    session = Client()
    session.force_login(person(workspace, "owner", "bob"))
    csrf = _get_new_csrf_string()
    as_owner = {"X-CSRFToken": csrf}
    owner_cookies = {"sessionid": session.cookies["sessionid"].value, "csrftoken": csrf}
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema?format=json", application)
    checks = [response_schema_conformance]

    def call(path: str, method: str, headers: dict[str, str], **case: Any) -> Any:
        operation = schema[path][method]
        return operation.Case(**case).call_and_validate(headers=headers, checks=checks)

    assert call("/api/v1/actions", "GET", as_key).status_code == 200
    detail = call("/api/v1/actions/{id}", "GET", as_key, path_parameters={"id": action.pk})
    assert detail.status_code == 200
    refused = call(
        "/api/v1/actions/{id}/approve",
        "POST",
        as_key,
        path_parameters={"id": action.pk},
        body={"note": "script"},
        media_type="application/json",
    )
    assert refused.status_code == 403
    invalid = call(
        "/api/v1/actions/{id}/approve",
        "POST",
        as_owner,
        cookies=owner_cookies,
        path_parameters={"id": action.pk},
        body={},
        media_type="application/json",
    )
    assert invalid.status_code == 400  # the warnings need a note
    approved = call(
        "/api/v1/actions/{id}/approve",
        "POST",
        as_owner,
        cookies=owner_cookies,
        path_parameters={"id": action.pk},
        body={"note": "Budget is there."},
        media_type="application/json",
    )
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"

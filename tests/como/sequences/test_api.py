"""The sequences API: create, propose, enrol and remove by hand, progress and funnel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from como.agents.execution import action_execute
from como.agents.models import AgentAction
from como.agents.services import action_approve
from como.leads.models import Event
from como.sequences.advance import sequences_advance
from como.sequences.versions import KIND
from como.workspaces.models import Workspace

from .support import approver, email, people, program

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


def test_a_sequence_is_created_proposed_enrolled_and_reported(
    workspace: Workspace, api: APIClient
) -> None:
    a, b = people(workspace, 2)
    data = program(
        email("hello"),
        {"id": "w", "type": "wait", "minutes": 30},
        {"id": "hot", "type": "branch", "condition": {"on": "clicked"}, "yes": "end", "no": "end"},
        {"id": "end", "type": "exit", "reason": "done"},
    )
    bad = api.post(
        "/api/v1/sequences", {"key": "k", "name": "N", "program": {"steps": []}}, format="json"
    )
    assert bad.status_code == 400
    assert "program.trigger" in bad.json()
    made = api.post(
        "/api/v1/sequences", {"key": "welcome", "name": "Welcome", "program": data}, format="json"
    )
    assert made.status_code == 201, made.content
    sid = made.json()["id"]
    assert [v["state"] for v in made.json()["versions"]] == ["draft"]
    early = api.post(f"/api/v1/sequences/{sid}/members", {"contact_id": a.pk}, format="json")
    assert early.status_code == 400
    assert "sequence" in early.json()
    proposed = api.post(f"/api/v1/sequences/{sid}/propose")
    assert proposed.status_code == 200
    assert proposed.json()["state"] == "proposed"
    action = AgentAction.objects.get(kind=KIND)
    action_approve(action=action, user=approver(workspace))
    action_execute(action.pk)
    for contact in (a, b):
        enrolled = api.post(
            f"/api/v1/sequences/{sid}/members", {"contact_id": contact.pk}, format="json"
        )
        assert enrolled.status_code == 201, enrolled.content
    assert (
        api.post(f"/api/v1/sequences/{sid}/members", {"contact_id": "x"}, format="json").status_code
        == 400
    )
    now = timezone.now() + timedelta(seconds=1)
    sequences_advance(now=now)
    sent = AgentAction.objects.get(kind="email_send", target_id=str(a.pk))
    Event.objects.create(
        workspace=workspace,
        contact=a,
        event_id=f"email:{sent.pk}:clicked",
        type="email_clicked",
        occurred_at=now,
        received_at=now,
    )
    sequences_advance(now=now + timedelta(minutes=31))
    members = api.get(f"/api/v1/sequences/{sid}/members").json()["results"]
    by_contact = {m["contact"]: m for m in members}
    progress = by_contact[a.pk]["progress"]
    assert [(p["step"], p["outcome"]) for p in progress] == [
        ("hello", "sent"),
        ("w", "waited"),
        ("hot", "branched"),
        ("end", "exited"),
    ]
    assert (progress[2]["condition"], progress[2]["matched"]) == ("clicked", True)
    assert by_contact[b.pk]["progress"][2]["matched"] is False
    funnel = api.get(f"/api/v1/sequences/{sid}/funnel").json()
    assert funnel["entered"] == 2
    assert funnel["completed"] == 2
    assert funnel["steps"][0] == {
        "step": "hello",
        "entered": 2,
        "sent": 2,
        "skipped": 0,
        "opened": 0,
        "clicked": 1,
        "converted": 0,
        "exited": {},
    }
    assert funnel["steps"][-1]["step"] == "end"
    assert funnel["steps"][-1]["exited"] == {"done": 2}
    member_id = by_contact[b.pk]["id"]
    removed = api.delete(f"/api/v1/sequences/members/{member_id}")
    assert removed.status_code == 200
    assert removed.json()["state"] == "completed"

"""The approval inbox through Django's test client: what each line and the detail pane say, and
every decision path of decide/ (four eyes, blocking findings, notes on warnings, a second
approver, another workspace's action, bad input), one outcome per action in the bulk case.

The proposals are real (the agents' services, the inventory-ads agent's reaction), so the
subjects and mock-ups are drawn from payloads as the agents write them.
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from como.agents.inbox.highlight import mark_html, mark_text
from como.agents.models import ActionApproval, ActionStatus, ActionTransition, AgentAction
from como.agents.services import ActionDraft, action_propose, playbook_for
from como.agents.subjects import Subject, mask_email, mask_phone, subjects_of
from tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

from .inbox_support import PHRASE, World, world
from .proposals import BLOCK

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

INBOX = "/admin/agents/inboxaction/"
DECIDE = INBOX + "decide/"


@pytest.fixture
def w(db: Any) -> World:
    return world()


def client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def pane(user: Any, action: AgentAction) -> str:
    response = client(user).get(f"{INBOX}{action.pk}/change/?pane=1")
    assert response.status_code == 200
    return str(response.content.decode())


def decide(user: Any, verb: str, ids: list[int], text: str = "") -> Any:
    return client(user).post(DECIDE, {"verb": verb, "ids": ",".join(map(str, ids)), "text": text})


def results(response: Any) -> dict[int, dict[str, Any]]:
    assert response.status_code == 200, response.content
    return {r["id"]: r for r in response.json()["results"]}


def status(action: AgentAction) -> str:
    return AgentAction.objects.get(pk=action.pk).status


# --- subjects ----------------------------------------------------------------------------------


def test_subjects_say_what_and_whom_from_the_payloads(w: World) -> None:
    found = subjects_of([w.sms, w.email, w.launch, w.search_launch])

    assert [str(s) for s in found] == [
        "Ana Diaz (•••• 0123)",
        "Bo Lee (b•••@example.com)",
        "2 vehicles: 2003 Honda Accord, 2004 Honda Civic · Meta at Lakeside Honda",
        "2 vehicles: 2003 Honda Accord, 2004 Honda Civic · Google Ads at Lakeside Honda",
    ]
    assert found[2].vehicle_count == 2


def test_a_kind_without_a_presenter_reads_its_target(w: World) -> None:
    action = action_propose(
        workspace=w.dealer,
        proposer=w.dealer.agent_user,
        draft=ActionDraft(
            agent="x",
            kind="unknown_kind",
            idempotency_key="u-1",
            rationale="r",
            target_type="campaign",
            target_id=7,
        ),
    ).action

    assert subjects_of([action]) == [Subject(other="campaign 7")]


def test_masks_and_subject_lines() -> None:
    assert mask_email("ana.diaz@example.com") == "a•••@example.com"
    assert mask_phone("+1 (312) 555-0142") == "•••• 0142"
    assert str(Subject(vehicles=("A", "B", "C"), vehicle_count=5, audience=1200)) == (
        "5 vehicles: A, B, C and 2 more · 1,200 people"
    )
    assert str(Subject()) == "-"


def test_the_queue_shows_the_subject_and_an_sms_its_composed_text(w: World) -> None:
    owner = UserFactory.create(username="olga")
    MembershipFactory.create(workspace=w.dealer, user=owner, role="owner")
    listed = client(owner).get(reverse("admin:agents_agentaction_changelist")).content.decode()
    page = client(owner).get(reverse("admin:agents_agentaction_change", args=[w.sms.pk]))

    assert "Ana Diaz (•••• 0123)" in listed
    assert "2 vehicles: 2003 Honda Accord, 2004 Honda Civic · Meta at Lakeside Honda" in listed
    text = page.content.decode()
    assert "No preview." not in text
    assert "Lakeside Honda: Hi Ana, your Accord is due for its 50,000-mile service. Reply STOP" in (
        text
    )


# --- the list and the pane --------------------------------------------------------------------


def test_each_waiting_action_is_one_line_oldest_first(w: World) -> None:
    w.launch.refresh_from_db()
    response = client(w.approver).get(INBOX)

    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r.action.pk for r in rows] == [
        w.sms.pk,
        w.email.pk,
        *sorted([w.launch.pk, w.search_launch.pk]),
    ]
    email = rows[1]
    assert (email.why, email.blocking, email.warnings) == (
        "Bo looked at three Accords this week.",
        0,
        1,
    )
    assert email.decision.note_required is True
    assert rows[0].why == "Ana's Accord is due for service."  # the first line only


def test_the_pane_marks_the_finding_in_the_email_and_makes_it_inert(w: World) -> None:
    text = pane(w.approver, w.email)

    assert (
        '<mark class="finding finding-warn" title="test.unsubstantiated_claim: A superlative '
        f'price claim needs substantiation.">{PHRASE}</mark> on a 2003 Accord' in text
    )
    frame = re.search(r'<iframe class="email-frame"[^>]*sandbox=""[^>]*srcdoc="([^"]*)"', text)
    assert frame is not None
    document = html.unescape(frame.group(1))
    assert 'See <a href="#">https://lakeside.example/v/1</a>' in document
    assert "/t/o/" not in document
    assert 'width="1"' not in document
    assert "Proposed by <strong>pat</strong>" in text


def test_the_pane_draws_an_sms_bubble_and_each_vehicles_ad(w: World) -> None:
    sms = pane(w.approver, w.sms)
    ads = pane(w.approver, w.launch)
    search = pane(w.approver, w.search_launch)

    assert '<div class="sms-bubble">Lakeside Honda: Hi Ana, your Accord is due' in sms
    assert "to •••• 0123" in sms
    assert ads.count('<div class="ad-mock">') == 2
    assert '<img class="ad-image" src="https://img.example/1/1.jpg"' in ads
    assert '<div class="ad-headline">2003 Honda Accord</div>' in ads
    assert '<div class="ad-link">https://lakeside.example/v/1</div>' in ads
    assert search.count('<div class="search-mock">') == 2
    assert "2003 Honda Accord | Used Honda Accord | At Lakeside Honda" in search


def test_the_proposer_sees_approve_disabled_with_the_reason(w: World) -> None:
    text = pane(w.proposer, w.email)

    assert 'data-verb="approve" disabled aria-disabled="true"' in text
    assert '<p class="pane-refusal">The proposer of an action cannot approve it.</p>' in text
    row = next(r for r in client(w.proposer).get(INBOX).context["rows"] if r.action == w.email)
    assert row.decision.can_approve is False


def test_highlighting_escapes_and_marks_whole_words_only() -> None:
    finding = {
        "severity": "block",
        "rule": "r",
        "message": "m",
        "evidence": {"rate": "apr", "missing": ["down payment"], "claim": "<b>sale</b>"},
    }

    assert mark_text("April APR, down payment, <b>sale</b>", [finding]) == (
        'April <mark class="finding finding-block" title="r: m">APR</mark>, down payment, '
        '<mark class="finding finding-block" title="r: m">&lt;b&gt;sale&lt;/b&gt;</mark>'
    )
    assert mark_html('<a href="/apr">apr</a>', [finding]) == (
        '<a href="/apr"><mark class="finding finding-block" title="r: m">apr</mark></a>'
    )


# --- decisions ---------------------------------------------------------------------------------


def test_approve_reject_and_their_records(w: World) -> None:
    approved = results(decide(w.approver, "approve", [w.sms.pk]))
    rejected = results(decide(w.approver, "reject", [w.launch.pk], "Wrong rooftop photos."))

    assert approved[w.sms.pk]["ok"] is True
    assert status(w.sms) == ActionStatus.APPROVED
    assert rejected[w.launch.pk]["ok"] is True
    assert status(w.launch) == ActionStatus.REJECTED
    assert ActionTransition.objects.get(action=w.launch, to_status="rejected").note == (
        "Wrong rooftop photos."
    )
    listed = [r.action.pk for r in client(w.approver).get(INBOX).context["rows"]]
    assert w.sms.pk not in listed
    assert w.launch.pk not in listed


def test_the_proposer_cannot_approve(w: World) -> None:
    outcome = results(decide(w.proposer, "approve", [w.email.pk], "I checked."))[w.email.pk]

    assert outcome["ok"] is False
    assert outcome["errors"] == {"": ["The proposer of an action cannot approve it."]}
    assert status(w.email) == ActionStatus.PROPOSED


def test_warnings_need_a_note(w: World) -> None:
    refused = results(decide(w.approver, "approve", [w.email.pk]))[w.email.pk]
    accepted = results(decide(w.approver, "approve", [w.email.pk], "Proof on file."))

    assert refused["errors"] == {
        "note": ["This action has compliance warnings: say why it may go ahead."]
    }
    assert accepted[w.email.pk]["ok"] is True
    assert ActionApproval.objects.get(action=w.email).note == "Proof on file."


def test_a_blocking_finding_refuses_approval(w: World) -> None:
    blocked = action_propose(
        workspace=w.dealer,
        proposer=w.dealer.agent_user,
        draft=ActionDraft(
            agent="x", kind="x_send", idempotency_key="b-1", rationale="r", findings=[BLOCK]
        ),
    ).action

    outcome = results(decide(w.approver, "approve", [blocked.pk], "Go."))[blocked.pk]

    assert outcome["ok"] is False
    assert outcome["errors"] == {
        "": ["A blocking compliance finding stops this action: revise it and propose it again."]
    }
    assert status(blocked) == ActionStatus.PROPOSED


def test_two_approvers_needed_stays_waiting_after_the_first(w: World) -> None:
    playbook = playbook_for(w.dealer)
    playbook.two_approver_kinds = ["x_send"]
    playbook.save()
    action = action_propose(
        workspace=w.dealer,
        proposer=w.dealer.agent_user,
        draft=ActionDraft(agent="x", kind="x_send", idempotency_key="two-1", rationale="r"),
    ).action

    first = results(decide(w.approver, "approve", [action.pk], "One."))[action.pk]
    again = results(decide(w.approver, "approve", [action.pk], "Twice."))[action.pk]
    second = results(decide(w.proposer, "approve", [action.pk], "Two."))[action.pk]

    assert first["ok"] is True
    assert first["status"] == ActionStatus.PROPOSED
    assert "(1 of 2); it needs another approver" in first["message"]
    assert again["errors"] == {
        "": ["You have approved this action already; it needs another approver."]
    }
    assert second["ok"] is True
    assert status(action) == ActionStatus.APPROVED


def test_bulk_approval_answers_per_action_and_keeps_the_refused(w: World) -> None:
    foreign = WorkspaceFactory.create(slug="rival", vertical="automotive")
    theirs = action_propose(
        workspace=foreign,
        proposer=foreign.agent_user,
        draft=ActionDraft(agent="x", kind="x_send", idempotency_key="f-1", rationale="theirs"),
    ).action
    ids = [w.sms.pk, w.email.pk, w.launch.pk, theirs.pk, 999_999]

    outcome = results(decide(w.approver, "approve", ids))

    assert {pk: o["ok"] for pk, o in outcome.items()} == {
        w.sms.pk: True,
        w.email.pk: False,  # a warning and no shared note
        w.launch.pk: True,
        theirs.pk: False,
        999_999: False,
    }
    assert outcome[theirs.pk]["message"] == outcome[999_999]["message"].replace(
        "999999", str(theirs.pk)
    )
    assert (status(w.sms), status(w.email), status(w.launch), status(theirs)) == (
        "approved",
        "proposed",
        "approved",
        "proposed",
    )
    assert ActionApproval.objects.get(action=w.sms).note == ""
    listed = [r.action.pk for r in client(w.approver).get(INBOX).context["rows"]]
    assert w.email.pk in listed


def test_a_member_without_the_approve_role_is_refused(w: World) -> None:
    viewer = UserFactory.create(username="vic")
    MembershipFactory.create(workspace=w.dealer, user=viewer, role="viewer")

    outcome = results(decide(viewer, "reject", [w.sms.pk], "No."))[w.sms.pk]

    assert outcome["ok"] is False
    assert outcome["errors"] == {"": ["You may not approve or reject actions in this workspace."]}
    assert 'data-verb="approve"' not in pane(viewer, w.sms)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"verb": "reject", "ids": "1", "text": "  "}, "text"),
        ({"verb": "delete", "ids": "1"}, "verb"),
        ({"verb": "approve", "ids": "abc"}, "ids"),
        ({"verb": "approve", "ids": "99999999999999999999"}, "ids"),
        ({"verb": "approve", "ids": ""}, "ids"),
        ({"verb": "approve", "ids": ",".join(["1"] * 101)}, "ids"),
        ({"verb": "approve", "ids": "1", "text": "x" * 2001}, "text"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(w: World, data: dict[str, str], field: str) -> None:
    response = client(w.approver).post(DECIDE, data)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert status(w.sms) == ActionStatus.PROPOSED


def test_decide_is_post_only_and_csrf_protected(w: World) -> None:
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(w.approver)

    assert client(w.approver).get(DECIDE).status_code == 405
    assert strict.post(DECIDE, {"verb": "approve", "ids": str(w.sms.pk)}).status_code == 403
    assert status(w.sms) == ActionStatus.PROPOSED

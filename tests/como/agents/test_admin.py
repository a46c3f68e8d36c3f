"""The approval queue in the admin: the action's page, deciding one, deciding many, the playbook.

Posts go through Django's test client with real CSRF checks where it matters
(``Client(enforce_csrf_checks=True)``); the decisions themselves are the services', so these tests
check what the page offers, what a POST does and what it reports.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from como import verticals
from como.agents.models import ActionApproval, ActionStatus, AgentAction, Playbook
from como.agents.registry import registered_agents
from como.agents.services import action_reject, playbook_for
from como.workspaces.models import Workspace

from .proposals import BLOCK, WARN, person, propose

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

CHANGELIST = "admin:agents_agentaction_changelist"


def logged_in(user: Any, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


def url(view: str, action: AgentAction) -> str:
    return reverse(f"admin:agents_agentaction_{view}", args=[action.pk])


def said(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def status_of(action: AgentAction) -> str:
    return AgentAction.objects.get(pk=action.pk).status


# --- the action's page -----------------------------------------------------------------------


def test_the_page_shows_rationale_preview_findings_approvals_and_trail(
    workspace: Workspace,
) -> None:
    playbook = playbook_for(workspace)
    playbook.two_approver_kinds = ["test_email"]
    playbook.save()
    ann = person(workspace, "approver", "ann")
    action = propose(
        workspace,
        rationale="Twelve contacts asked.\nAll opted in.",
        preview="Subject: <script>alert(1)</script>\n\nHello <b>Ana</b>,",
        findings=[WARN],
    )
    approve = logged_in(ann).post(url("approve", action), {"note": "Quiet hours checked."})
    assert approve.status_code == 302

    page = logged_in(person(workspace, "owner", "bob")).get(url("change", action))

    assert page.status_code == 200
    html = page.content.decode()
    assert "Twelve contacts asked.<br>All opted in." in html
    assert (
        '<pre style="white-space: pre-wrap; margin: 0">Subject: &lt;script&gt;alert(1)'
        "&lt;/script&gt;\n\nHello &lt;b&gt;Ana&lt;/b&gt;,</pre>" in html
    )
    assert "<script>alert(1)</script>" not in html
    assert (
        "<tr><td><strong>warn</strong></td><td>tcpa_quiet_hours</td>"
        "<td>Some recipients are close to 21:00 local time.</td><td>47 U.S.C. 227</td>"
        "<td>Schedule after 08:00 tomorrow.</td></tr>" in html
    )
    assert "1 of 2" in html  # approvals so far
    assert "Quiet hours checked." in html  # the approval inline
    assert "Approval 1 of 2." in html  # the audit trail inline
    # An owner who has not approved yet may decide; the warning makes the note required.
    assert 'id="approve-form"' in html
    assert 'id="reject-form"' in html
    assert "required: this action has compliance warnings" in html
    assert 'name="csrfmiddlewaretoken"' in html
    # Ann has given her approval: she is told so, and offered rejecting only.
    own = logged_in(ann).get(url("change", action)).content.decode()
    assert "You have approved this action already; it needs another approver." in own
    assert 'id="approve-form"' not in own
    assert 'id="reject-form"' in own


def test_the_page_is_read_only(workspace: Workspace) -> None:
    action = propose(workspace)
    owner = logged_in(person(workspace, "owner", "olga"))

    page = owner.get(url("change", action))
    edit = owner.post(url("change", action), {"rationale": "Changed."})
    delete = owner.post(url("delete", action), {"post": "yes"})

    assert 'name="_save"' not in page.content.decode()
    assert (edit.status_code, delete.status_code) == (403, 403)
    assert AgentAction.objects.get(pk=action.pk).rationale == (
        "Twelve contacts asked for the spring price list."
    )
    assert owner.get(reverse("admin:agents_agentaction_add")).status_code == 403


@pytest.mark.parametrize("role", ["marketer", "sales", "compliance", "viewer"])
def test_without_the_approve_permission_there_are_no_controls_and_posts_are_403(
    workspace: Workspace, role: str
) -> None:
    action = propose(workspace)
    member = logged_in(person(workspace, role, "mo"))

    page = member.get(url("change", action))
    approved = member.post(url("approve", action), {"note": "x"})
    rejected = member.post(url("reject", action), {"reason": "x"})

    assert page.status_code == 200
    assert 'id="decision"' not in page.content.decode()
    assert (approved.status_code, rejected.status_code) == (403, 403)
    assert status_of(action) == ActionStatus.PROPOSED


def test_the_proposer_is_told_and_refused(workspace: Workspace) -> None:
    owner = person(workspace, "owner", "olga")
    action = propose(workspace, proposer=owner)
    client = logged_in(owner)

    page = client.get(url("change", action)).content.decode()
    response = client.post(url("approve", action), {"note": "Mine."})

    assert "The proposer of an action cannot approve it." in page
    assert 'id="approve-form"' not in page
    assert 'id="reject-form"' in page  # a proposer may withdraw it
    assert response.status_code == 302
    assert response["Location"] == url("change", action)
    assert said(response) == [
        f"Action {action.pk} (test_email): refused: The proposer of an action cannot approve it."
    ]
    assert status_of(action) == ActionStatus.PROPOSED
    assert ActionApproval.objects.filter(action=action).count() == 0


def test_a_blocking_finding_cannot_be_approved(workspace: Workspace) -> None:
    action = propose(workspace, findings=[BLOCK])
    client = logged_in(person(workspace, "approver", "ann"))

    page = client.get(url("change", action)).content.decode()
    response = client.post(url("approve", action), {"note": "Ship it."})

    assert (
        "A blocking compliance finding stops this action: revise it and propose it again." in page
    )
    assert 'id="approve-form"' not in page
    assert "<td>CA Veh. Code 11713.1(b)</td>" in page
    assert said(response) == [
        f"Action {action.pk} (test_email): refused: A blocking compliance finding stops this "
        "action: revise it and propose it again."
    ]
    assert status_of(action) == ActionStatus.PROPOSED


def test_a_warning_needs_a_note(workspace: Workspace) -> None:
    action = propose(workspace, findings=[WARN])
    client = logged_in(person(workspace, "approver", "ann"))

    without = client.post(url("approve", action), {"note": ""})
    assert said(without) == [
        f"Action {action.pk} (test_email): refused: This action has compliance warnings: "
        "say why it may go ahead."
    ]
    assert status_of(action) == ActionStatus.PROPOSED
    client.get(url("change", action))  # shows (and so consumes) the message

    noted = client.post(url("approve", action), {"note": "Sends at 10:00 local."})

    assert said(noted) == [f"Action {action.pk} (test_email): approved; it will be executed now."]
    assert status_of(action) == ActionStatus.APPROVED
    assert ActionApproval.objects.get(action=action).note == "Sends at 10:00 local."


def test_an_approver_of_another_workspace_gets_404(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    action = propose(workspace)
    stranger = logged_in(person(other_workspace, "owner", "sam"))

    assert stranger.post(url("approve", action), {"note": "x"}).status_code == 404
    assert stranger.post(url("reject", action), {"reason": "x"}).status_code == 404
    page = stranger.get(url("change", action))
    assert (page.status_code, page["Location"]) == (302, reverse("admin:index"))
    assert status_of(action) == ActionStatus.PROPOSED


def test_the_agent_identity_cannot_use_the_admin(workspace: Workspace) -> None:
    action = propose(workspace, proposer=person(workspace, "marketer", "mo"))
    agent = logged_in(workspace.agent_user)

    response = agent.post(url("approve", action), {"note": "x"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert status_of(action) == ActionStatus.PROPOSED


def test_decisions_need_the_csrf_token(workspace: Workspace) -> None:
    action = propose(workspace)
    client = logged_in(person(workspace, "approver", "ann"), csrf=True)

    forged = client.post(url("approve", action), {"note": "x"})
    assert forged.status_code == 403
    assert status_of(action) == ActionStatus.PROPOSED

    page = client.get(url("change", action))
    token = re.search(
        r'id="approve-form">\s*<input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)"',
        page.content.decode(),
    )
    assert token is not None
    response = client.post(
        url("approve", action), {"note": "x", "csrfmiddlewaretoken": token.group(1)}
    )

    assert response.status_code == 302
    assert status_of(action) == ActionStatus.APPROVED


def test_decisions_are_post_only(workspace: Workspace) -> None:
    action = propose(workspace)
    client = logged_in(person(workspace, "approver", "ann"))

    assert client.get(url("approve", action)).status_code == 405
    assert client.get(url("reject", action)).status_code == 405


def test_rejecting_needs_a_reason(workspace: Workspace) -> None:
    action = propose(workspace)
    client = logged_in(person(workspace, "approver", "ann"))

    blank = client.post(url("reject", action), {"reason": "  "})
    assert said(blank) == ["Say why: a rejection needs a reason."]
    assert status_of(action) == ActionStatus.PROPOSED
    client.get(url("change", action))  # shows (and so consumes) the message

    rejected = client.post(url("reject", action), {"reason": "Wrong audience."})

    assert said(rejected) == [f"Action {action.pk} (test_email): rejected."]
    assert status_of(action) == ActionStatus.REJECTED
    last = action.transitions.order_by("at", "id").last()
    assert last is not None
    assert (last.to_status, last.note) == ("rejected", "Wrong audience.")
    assert 'id="decision"' not in client.get(url("change", action)).content.decode()


# --- the queue -------------------------------------------------------------------------------


def test_the_queue_filters(workspace: Workspace, other_workspace: Workspace) -> None:
    plain = propose(workspace, key="plain")
    priced = propose(workspace, key="priced", agent="pricing_agent", risk="high")
    paused = propose(workspace, key="paused", kind="ad_pause", channel="meta")
    rejected = propose(workspace, key="rejected")
    owner = person(workspace, "owner", "olga")
    action_reject(action=rejected, user=owner, reason="No.")
    propose(other_workspace, key="theirs", agent="rival_agent")
    client = logged_in(owner)

    def listed(**query: str) -> set[int]:
        response = client.get(reverse(CHANGELIST), query)
        assert response.status_code == 200
        return {action.pk for action in response.context["cl"].result_list}

    assert listed() == {plain.pk, priced.pk, paused.pk, rejected.pk}
    assert listed(status__exact="proposed") == {plain.pk, priced.pk, paused.pk}
    assert listed(agent__exact="pricing_agent") == {priced.pk}
    assert listed(kind__exact="ad_pause") == {paused.pk}
    assert listed(channel__exact="meta") == {paused.pk}
    assert listed(risk__exact="high") == {priced.pk}
    assert listed(workspace__id__exact=str(workspace.pk)) == {
        plain.pk,
        priced.pk,
        paused.pk,
        rejected.pk,
    }
    sidebar = client.get(reverse(CHANGELIST)).content.decode()
    assert "pricing_agent" in sidebar
    assert "rival_agent" not in sidebar  # filters offer the caller's values only


def test_the_queue_costs_the_same_queries_for_more_actions(workspace: Workspace) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from como.agents.services import action_approve

    playbook = playbook_for(workspace)
    playbook.two_approver_kinds = ["test_email"]
    playbook.save()
    ann = person(workspace, "approver", "ann")
    client = logged_in(person(workspace, "owner", "olga"))

    def queries_for_the_list() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(CHANGELIST)).status_code == 200
        return len(captured)

    for n in range(2):
        action_approve(action=propose(workspace, key=f"a-{n}"), user=ann)
    few = queries_for_the_list()
    for n in range(2, 8):
        action_approve(
            action=propose(workspace, key=f"a-{n}", findings=[WARN]), user=ann, note="ok"
        )
    many = queries_for_the_list()

    assert many == few


def test_bulk_approve_reports_each_action(workspace: Workspace) -> None:
    ann = person(workspace, "approver", "ann")
    plain = propose(workspace, key="plain")
    warned = propose(workspace, key="warned", findings=[WARN])
    blocked = propose(workspace, key="blocked", findings=[BLOCK])
    own = propose(workspace, key="own", proposer=ann)
    done = propose(workspace, key="done")
    action_reject(action=done, user=person(workspace, "owner", "olga"), reason="No.")
    client = logged_in(ann, csrf=True)
    chosen = [plain.pk, warned.pk, blocked.pk, own.pk, done.pk]

    changelist = client.get(reverse(CHANGELIST))
    token = changelist.context["csrf_token"]
    asked = client.post(
        reverse(CHANGELIST),
        {"action": "approve_selected", "_selected_action": chosen, "csrfmiddlewaretoken": token},
    )

    assert asked.status_code == 200
    assert asked.templates[0].name == "admin/agents/agentaction/decide_selected.html"
    assert [action.pk for action in asked.context["actions"]] == sorted(chosen)
    assert asked.context["note_required"] is True
    assert AgentAction.objects.filter(status=ActionStatus.APPROVED).count() == 0

    applied = client.post(
        reverse(CHANGELIST),
        {
            "action": "approve_selected",
            "_selected_action": chosen,
            "apply": "yes",
            "note": "Reviewed with legal.",
            "csrfmiddlewaretoken": token,
        },
    )

    assert applied.status_code == 302
    assert said(applied) == [
        f"Action {plain.pk} (test_email): approved; it will be executed now.",
        f"Action {warned.pk} (test_email): approved; it will be executed now.",
        f"Action {blocked.pk} (test_email): refused: A blocking compliance finding stops this "
        "action: revise it and propose it again.",
        f"Action {own.pk} (test_email): refused: The proposer of an action cannot approve it.",
        f"Action {done.pk} (test_email): refused: This action is rejected, not awaiting approval.",
    ]
    statuses = dict(AgentAction.objects.values_list("pk", "status"))
    assert [statuses[pk] for pk in chosen] == [
        "approved",
        "approved",
        "proposed",
        "proposed",
        "rejected",
    ]
    assert ActionApproval.objects.get(action=warned).note == "Reviewed with legal."


def test_bulk_reject_asks_for_a_reason(workspace: Workspace) -> None:
    client = logged_in(person(workspace, "approver", "ann"))
    first, second = propose(workspace, key="one"), propose(workspace, key="two")
    chosen = [first.pk, second.pk]

    blank = client.post(
        reverse(CHANGELIST),
        {"action": "reject_selected", "_selected_action": chosen, "apply": "yes", "reason": ""},
    )
    assert blank.status_code == 200
    assert blank.context["form"].errors == {"reason": ["Say why: a rejection needs a reason."]}
    assert {status_of(first), status_of(second)} == {ActionStatus.PROPOSED}

    applied = client.post(
        reverse(CHANGELIST),
        {
            "action": "reject_selected",
            "_selected_action": chosen,
            "apply": "yes",
            "reason": "Season is over.",
        },
    )

    assert said(applied) == [
        f"Action {first.pk} (test_email): rejected.",
        f"Action {second.pk} (test_email): rejected.",
    ]
    assert {status_of(first), status_of(second)} == {ActionStatus.REJECTED}


def test_bulk_decisions_are_not_offered_without_the_approve_permission(
    workspace: Workspace,
) -> None:
    action = propose(workspace)
    viewer = logged_in(person(workspace, "viewer", "vic"))

    page = viewer.get(reverse(CHANGELIST))
    posted = viewer.post(
        reverse(CHANGELIST),
        {
            "action": "approve_selected",
            "_selected_action": [action.pk],
            "apply": "yes",
            "note": "x",
        },
    )

    assert "approve_selected" not in page.content.decode()
    assert posted.status_code in (200, 302)
    assert status_of(action) == ActionStatus.PROPOSED
    assert ActionApproval.objects.count() == 0


def test_bulk_decisions_across_workspaces_are_decided_per_workspace(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    # A member approving in one workspace and only viewing in another.
    user = person(workspace, "approver", "ann")
    from tests.factories import MembershipFactory

    MembershipFactory.create(workspace=other_workspace, user=user, role="viewer")
    mine, theirs = propose(workspace, key="mine"), propose(other_workspace, key="theirs")

    applied = logged_in(user).post(
        reverse(CHANGELIST),
        {
            "action": "approve_selected",
            "_selected_action": [mine.pk, theirs.pk],
            "apply": "yes",
            "note": "",
        },
    )

    assert said(applied) == [
        f"Action {mine.pk} (test_email): approved; it will be executed now.",
        f"Action {theirs.pk} (test_email): refused: you may not approve or reject actions in "
        f"{other_workspace}.",
    ]
    assert (status_of(mine), status_of(theirs)) == ("approved", "proposed")


# --- the playbook ----------------------------------------------------------------------------


def playbook_url(playbook: Playbook) -> str:
    return reverse("admin:agents_playbook_change", args=[playbook.pk]) + "?section=advanced"


def playbook_form(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "auto_approve_kinds": "ad_pause,mql_handoff",
        "two_approver_kinds": "budget_raise",
        "two_approver_spend_above": "1000.00",
        "handoff_sla_minutes": "5",
        "handoff_routing": "",
        "agents": "{}",
    }
    data.update(fields)
    return data


def test_the_playbook_policy_is_edited_in_the_admin(workspace: Workspace) -> None:
    playbook = playbook_for(workspace)
    agent = registered_agents()[0].key
    client = logged_in(person(workspace, "owner", "olga"))

    page = client.get(playbook_url(playbook))
    assert page.status_code == 200
    assert f'name="agent__{agent}"' in page.content.decode()

    # A switch left out of the POST is an unticked checkbox: that agent is switched off.
    response = client.post(playbook_url(playbook), playbook_form(handoff_sla_minutes="7"))

    assert response.status_code == 302, response.context["adminform"].form.errors
    playbook.refresh_from_db()
    assert playbook.auto_approve_kinds == ["ad_pause", "mql_handoff"]
    assert playbook.two_approver_kinds == ["budget_raise"]
    assert str(playbook.two_approver_spend_above) == "1000.00"
    assert playbook.handoff_sla_minutes == 7
    assert playbook.agents[agent] == {"enabled": False}

    client.post(playbook_url(playbook), playbook_form(**{f"agent__{agent}": "on"}))
    playbook.refresh_from_db()
    assert playbook.agents[agent] == {"enabled": True}


def test_playbook_agent_settings_are_validated(workspace: Workspace) -> None:
    playbook = playbook_for(workspace)
    client = logged_in(person(workspace, "owner", "olga"))

    response = client.post(
        playbook_url(playbook), playbook_form(agents='{"no_such_agent": {"enabled": true}}')
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["agents"]
    assert errors[0].startswith("agents.no_such_agent: no agent is registered as 'no_such_agent'")
    playbook.refresh_from_db()
    assert playbook.overrides == {}  # nothing chosen: the agents follow the vertical's defaults
    assert playbook.agents == dict(verticals.get(workspace.vertical).playbook_defaults["agents"])


def test_a_crontab_celery_cannot_parse_is_a_form_error_not_a_500(workspace: Workspace) -> None:
    playbook = playbook_for(workspace)
    agent = next(spec.key for spec in registered_agents() if spec.key == "scoring_refit")
    client = logged_in(person(workspace, "owner", "olga"))

    response = client.post(
        playbook_url(playbook), playbook_form(agents=f'{{"{agent}": {{"crontab": "-1 * * * *"}}}}')
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["agents"]
    assert errors[0].startswith(f"agents.{agent}.crontab: not a valid crontab")


def test_approvers_read_the_playbook_but_do_not_configure_it(workspace: Workspace) -> None:
    playbook = playbook_for(workspace)
    client = logged_in(person(workspace, "approver", "ann"))

    assert client.get(playbook_url(playbook)).status_code == 200
    response = client.post(playbook_url(playbook), playbook_form(handoff_sla_minutes="60"))

    assert response.status_code == 403
    playbook.refresh_from_db()
    assert playbook.handoff_sla_minutes == 5

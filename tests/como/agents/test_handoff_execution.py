"""The MQL handoff agent, part two: executing the handoff, and escalating it when the SLA passes."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import connection, transaction

from como.agents.execution import TransientError, action_execute
from como.agents.handoff import emails as handoff_module
from como.agents.handoff.escalation import handoffs_escalate
from como.agents.handoff.execution import handoff_execute
from como.agents.handoff.services import handoff_touch
from como.agents.mail import EmailRejected, message_id
from como.agents.models import (
    ActionStatus,
    AgentAction,
    Handoff,
    HandoffEscalation,
    Notification,
)
from como.agents.services import action_approve
from como.agents.tasks import escalate_handoffs
from como.workspaces.models import Workspace

from .handoff_setup import (
    contacts,
    handed,
    handoff_actions,
    make_team,
    person,
    policy,
    promote,
    territory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


@pytest.fixture
def team(other_workspace: Workspace) -> dict[str, Any]:
    """An automotive workspace (round robin by territory)."""
    return make_team(other_workspace)


# --- execution ---------------------------------------------------------------------------------


def test_executing_starts_the_sla_timer_and_notifies_the_rep_once(team: dict[str, Any]) -> None:
    ana = team["reps"][0]
    policy(team["workspace"], handoff_sla_minutes=7)

    handoff = handed(team)

    action = handoff.action
    assert (handoff.rep, handoff.level, handoff.route) == (ana, 0, "round_robin")
    assert handoff.sla_due_at == handoff.handed_at + timedelta(minutes=7)
    assert handoff.due_at == handoff.sla_due_at
    assert handoff.assigned_at == handoff.handed_at
    assert handoff.territory is not None
    assert handoff.territory.name == "Everyone"
    assert handoff.mql_at.isoformat() == action.payload["mql_at"]
    (note,) = Notification.objects.filter(action=action)
    contact = handoff.contact
    assert (note.user, note.title) == (ana, f"New MQL for you: Dana Reyes <{contact.email}>")
    assert note.link.endswith(f"/admin/agents/handoff/{handoff.pk}/change/")
    (email,) = mail.outbox
    assert email.to == [ana.email]
    assert email.subject.startswith("New MQL for you: Dana Reyes")
    assert email.extra_headers["Message-ID"] == f"<como.handoff-action-{action.pk}@localhost>"
    assert email.extra_headers["Message-ID"] == message_id(f"handoff-action-{action.pk}")
    assert "Please follow up within 7 minutes." in email.body
    assert f"/admin/agents/handoff/{handoff.pk}/change/" in email.body
    assert handoff.emailed_at is not None
    assert handoff.email_message_id == email.extra_headers["Message-ID"]
    action.refresh_from_db()
    assert action.result["handoff_id"] == handoff.pk
    assert action.result["email"] == {
        "status": "sent",
        "to": ana.email,
        "message_id": handoff.email_message_id,
    }


def test_executing_again_creates_and_sends_nothing_more(team: dict[str, Any]) -> None:
    handoff = handed(team)
    action = handoff.action

    again = handoff_execute(action, str(action.pk))
    third = action_execute(action.pk)  # the action is done: not even claimed

    assert third.status == "skipped"
    assert again["handoff_id"] == handoff.pk
    assert again["notification"] == "exists"
    assert again["email"] == {"status": "sent before", "message_id": handoff.email_message_id}
    assert Handoff.objects.filter(action=action).count() == 1
    assert Notification.objects.filter(action=action).count() == 1
    assert len(mail.outbox) == 1
    fresh = Handoff.objects.get(pk=handoff.pk)
    assert fresh.handed_at == handoff.handed_at  # the timer was not restarted


def test_a_mail_server_that_is_down_retries_the_action_without_a_second_handoff(
    team: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = team["workspace"]
    promote(workspace, contacts(workspace, 1))
    (action,) = handoff_actions(workspace)

    def down(email: Any) -> str:
        raise TransientError("mail server unreachable")

    monkeypatch.setattr(handoff_module, "send_email", down)
    first = action_execute(action.pk)

    assert first.status == ActionStatus.APPROVED  # back in the queue, with a backoff
    handoff = Handoff.objects.get(action=action)
    assert handoff.emailed_at is None
    assert mail.outbox == []

    monkeypatch.undo()
    AgentAction.objects.filter(pk=action.pk).update(next_attempt_at=None)
    second = action_execute(action.pk)

    assert second.status == ActionStatus.SUCCEEDED
    assert Handoff.objects.get(action=action).pk == handoff.pk
    assert Notification.objects.filter(action=action).count() == 1
    assert len(mail.outbox) == 1


def test_a_refused_address_still_hands_off(
    team: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(email: Any) -> str:
        raise EmailRejected("550 no such mailbox")

    monkeypatch.setattr(handoff_module, "send_email", refused)

    handoff = handed(team)

    handoff.action.refresh_from_db()
    assert handoff.action.result["email"]["status"] == "rejected"
    assert Notification.objects.filter(action=handoff.action).count() == 1


def test_an_mql_no_longer_mql_at_execution_is_not_handed_off(team: dict[str, Any]) -> None:
    workspace = team["workspace"]
    (contact,) = contacts(workspace, 1)
    policy(workspace, auto_approve_kinds=[])
    promote(workspace, [contact])
    (action,) = handoff_actions(workspace)
    contact.lifecycle_stage = "sql"
    contact.save(update_fields=["lifecycle_stage"])
    action = action_approve(action=action, user=person(workspace, "approver", role="approver"))

    assert action_execute(action.pk).status == ActionStatus.SUCCEEDED

    action.refresh_from_db()
    assert action.result == {"skipped": "The contact is sql now, not an MQL."}
    assert not Handoff.objects.exists()
    assert mail.outbox == []


# --- escalation --------------------------------------------------------------------------------


def test_an_untouched_handoff_escalates_to_the_next_rep_then_the_manager(
    team: dict[str, Any],
) -> None:
    ana, ben, _cy = team["reps"]
    boss = team["manager"]
    handoff = handed(team)
    t0, due = handoff.handed_at, handoff.sla_due_at
    mail.outbox.clear()

    assert handoffs_escalate(now=due - timedelta(seconds=1)) == []  # still in time
    assert handoffs_escalate(now=due + timedelta(seconds=1)) == [handoff.pk]
    assert handoffs_escalate(now=due + timedelta(seconds=2)) == []  # the timer is re-armed

    handoff.refresh_from_db()
    assert (handoff.rep, handoff.level) == (ben, 1)
    assert handoff.breached_at == due  # the SLA was missed at its deadline
    assert handoff.assigned_at == due + timedelta(seconds=1)
    assert handoff.due_at == due + timedelta(minutes=5, seconds=1)
    assert handoff.sla_due_at == due  # the first deadline never moves
    (to_ben,) = mail.outbox
    assert to_ben.to == [ben.email]
    assert to_ben.subject.startswith("Escalated MQL for you")
    assert f"<como.handoff-{handoff.pk}-level-1@localhost>" == to_ben.extra_headers["Message-ID"]
    assert Notification.objects.filter(user=ben, title__startswith="Escalated").count() == 1

    later = t0 + timedelta(minutes=11)
    assert handoffs_escalate(now=later) == [handoff.pk]
    handoff.refresh_from_db()
    assert (handoff.rep, handoff.level, handoff.breached_at) == (boss, 2, due)  # breach once
    assert [m.to for m in mail.outbox] == [[ben.email], [boss.email]]

    # After the manager there is nobody: the timer stops, and that is recorded too.
    assert handoffs_escalate(now=t0 + timedelta(minutes=17)) == [handoff.pk]
    assert handoffs_escalate(now=t0 + timedelta(hours=5)) == []
    handoff.refresh_from_db()
    assert (handoff.rep, handoff.level, handoff.due_at) == (boss, 3, None)
    steps = list(HandoffEscalation.objects.filter(handoff=handoff).order_by("level"))
    assert [(s.level, s.from_user, s.to_user) for s in steps] == [
        (1, ana, ben),
        (2, ben, boss),
        (3, boss, None),
    ]
    assert "5-minute SLA" in steps[0].why
    assert "next rep" in steps[0].why
    assert "manager" in steps[1].why
    assert "nobody is left" in steps[2].why
    assert len(mail.outbox) == 2


def test_the_next_rep_is_the_one_after_the_current_in_order(team: dict[str, Any]) -> None:
    workspace = team["workspace"]
    ana, ben, cy = team["reps"]
    promote(workspace, contacts(workspace, 3))  # ana, ben, cy in turn
    for action in handoff_actions(workspace):
        action_execute(action.pk)
    handoffs = list(Handoff.objects.order_by("pk"))
    due = max(h.sla_due_at for h in handoffs)

    handoffs_escalate(now=due + timedelta(seconds=1))

    assert [Handoff.objects.get(pk=h.pk).rep for h in handoffs] == [ben, cy, ana]


def test_touched_or_decided_handoffs_do_not_escalate(team: dict[str, Any]) -> None:
    workspace = team["workspace"]
    promote(workspace, contacts(workspace, 2))
    for action in handoff_actions(workspace):
        action_execute(action.pk)
    touched, decided = Handoff.objects.order_by("pk")
    handoff_touch(handoff=touched, user=touched.rep, at=touched.handed_at + timedelta(minutes=1))
    Handoff.objects.filter(pk=decided.pk).update(outcome="accepted", decided_at=decided.handed_at)

    assert handoffs_escalate(now=touched.handed_at + timedelta(hours=1)) == []
    assert not HandoffEscalation.objects.exists()
    assert not Handoff.objects.filter(breached_at__isnull=False).exists()


def test_a_territory_without_a_next_rep_escalates_straight_to_the_manager(
    other_workspace: Workspace,
) -> None:
    workspace = other_workspace
    solo, boss = person(workspace, "solo"), person(workspace, "boss")
    territory(workspace, "Solo", [solo], manager=boss, is_default=True)
    policy(workspace, auto_approve_kinds=["mql_handoff"])
    promote(workspace, contacts(workspace, 1))
    (action,) = handoff_actions(workspace)
    action_execute(action.pk)
    handoff = Handoff.objects.get()

    handoffs_escalate(now=handoff.sla_due_at + timedelta(seconds=1))

    handoff.refresh_from_db()
    assert (handoff.rep, handoff.level) == (boss, 1)


def test_a_mail_server_that_is_down_leaves_the_escalation_for_the_next_run(
    team: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    handoff = handed(team)
    now = handoff.sla_due_at + timedelta(seconds=1)

    def down(email: Any) -> str:
        raise TransientError("mail server unreachable")

    monkeypatch.setattr(handoff_module, "send_email", down)
    assert handoffs_escalate(now=now) == []
    handoff.refresh_from_db()
    assert (handoff.level, handoff.breached_at) == (0, None)  # rolled back whole
    assert not HandoffEscalation.objects.exists()

    monkeypatch.undo()
    assert handoffs_escalate(now=now) == [handoff.pk]
    assert HandoffEscalation.objects.get().level == 1


def test_the_beat_task_takes_an_optional_instant(team: dict[str, Any]) -> None:
    handoff = handed(team)

    assert escalate_handoffs.run() == 0  # now: still in time
    assert escalate_handoffs.run((handoff.sla_due_at + timedelta(seconds=1)).isoformat()) == 1

    handoff.refresh_from_db()
    assert handoff.level == 1


def test_escalations_are_append_only(team: dict[str, Any]) -> None:
    handoff = handed(team)
    handoffs_escalate(now=handoff.sla_due_at + timedelta(seconds=1))
    step = HandoffEscalation.objects.get()

    step.why = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        step.save()


@pytest.mark.django_db(transaction=True)
def test_a_handoff_locked_by_another_escalator_is_skipped_not_waited_for(
    team: dict[str, Any],
) -> None:
    handoff = handed(team)
    now = handoff.sla_due_at + timedelta(seconds=1)
    locked, release = threading.Event(), threading.Event()

    def other_escalator() -> None:
        try:
            with transaction.atomic():
                Handoff.objects.select_for_update().get(pk=handoff.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=other_escalator)
    holder.start()
    try:
        assert locked.wait(10)
        started = time.monotonic()
        assert handoffs_escalate(now=now) == []  # skipped at once, not waited for
        assert time.monotonic() - started < 5
    finally:
        release.set()
        holder.join()

    assert handoffs_escalate(now=now) == [handoff.pk]
    assert handoffs_escalate(now=now) == []
    assert HandoffEscalation.objects.filter(handoff=handoff).count() == 1


# --- overtaken by a deal -----------------------------------------------------------------------


def _deal(workspace: Workspace, email: str, status: str = "open") -> None:
    from como.deals.services import opportunities_save

    (outcome,) = opportunities_save(
        workspace=workspace,
        via="api",
        items=[
            {
                "external_id": f"D-{email}",
                "name": "Fleet renewal",
                "contact": {"email": email},
                "status": status,
                "amount": "1000",
                "opened_at": "2026-10-01T10:00:00Z",
                **({"closed_at": "2026-10-20T10:00:00Z"} if status == "won" else {}),
            }
        ],
    )
    assert outcome.status == "created", outcome


def test_a_deal_before_approval_supersedes_the_waiting_handoff(team: dict[str, Any]) -> None:
    workspace = team["workspace"]
    policy(workspace, auto_approve_kinds=[])  # a person approves
    waiting, approved, untouched = contacts(workspace, 3)
    promote(workspace, [waiting, approved, untouched])
    by_contact = {a.payload["contact_id"]: a for a in handoff_actions(workspace)}
    action_approve(action=by_contact[approved.pk], user=person(workspace, "al", role="approver"))
    assert by_contact[approved.pk].status == ActionStatus.APPROVED  # not claimed by a worker

    _deal(workspace, waiting.email)
    _deal(workspace, approved.email, status="won")

    statuses = {
        a.payload["contact_id"]: (a.status, a.transitions.order_by("-pk")[0].note)
        for a in handoff_actions(workspace)
    }
    assert statuses[waiting.pk] == (
        ActionStatus.SUPERSEDED,
        "The contact became an opportunity before the handoff: sales has it already.",
    )
    # A deal won at once moves the contact through opportunity first: that move supersedes.
    assert statuses[approved.pk] == statuses[waiting.pk]
    assert statuses[untouched.pk][0] == ActionStatus.PROPOSED


def test_a_deal_stops_a_running_handoffs_sla_timer(team: dict[str, Any]) -> None:
    workspace = team["workspace"]
    promote(workspace, contacts(workspace, 2))
    for action in handoff_actions(workspace):
        action_execute(action.pk)
    handoff, other = Handoff.objects.order_by("pk")
    _deal(workspace, handoff.contact.email)

    handoff.refresh_from_db()
    assert handoff.due_at is None
    assert handoffs_escalate(now=handoff.sla_due_at + timedelta(hours=1)) == [other.pk]
    assert not HandoffEscalation.objects.filter(handoff=handoff).exists()
    assert handoff.outcome == ""  # the rep's handoff stays, undecided

"""The playbook's frequency caps and send windows at the compliance gate, through the real SMS
adapter and the message log: deferred to the exact instant, counted across campaigns and
agents, transactional messages left alone, a deferral past expiry skipped, the window in the
recipient's zone across a clock change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from como.agents.execution import action_execute
from como.agents.models import ActionStatus, AgentAction
from como.agents.send_limits import person_send, recipient_zone, send_limits_report
from como.channels.models import MessagePurpose
from como.workspaces.models import Workspace
from tests.como.channels.sms_support import consenting_contact
from tests.factories import ContactFactory

from .proposals import person
from .send_limits_support import limit, logged, text_to, texts_sent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

#: 12:00 in Chicago on a Tuesday, inside TCPA's hours.
AT = datetime(2026, 3, 10, 17, 0, tzinfo=UTC)
CAP = [{"channel": "sms", "max_messages": 2, "per_days": 7}]


def test_two_texts_from_two_campaigns_three_days_ago_defer_the_third_to_the_exact_instant(
    workspace: Workspace,
) -> None:
    limit(workspace, frequency_caps=CAP)
    ana = consenting_contact(workspace)
    older = AT - timedelta(days=3, hours=2)
    logged(ana, older, "spring-sale", campaign_id=11, action_id=9001)
    logged(ana, AT - timedelta(days=3), "service-seq-step-1", campaign_id=12, action_id=9002)
    action = text_to(ana, "third")

    outcome = action_execute(action.pk, now=lambda: AT)

    action.refresh_from_db()
    assert outcome.status == ActionStatus.APPROVED
    assert action.next_attempt_at == older + timedelta(days=7)
    assert action.next_attempt_at == datetime(2026, 3, 14, 15, 0, tzinfo=UTC)
    assert action.attempts == 0  # waiting for the cap is not a failed attempt
    assert texts_sent(ana) == [9001, 9002]
    (cap,) = [f for f in action.findings if f["rule"] == "playbook.frequency_cap"]
    assert (cap["severity"], cap["defer_until"], cap["source"]) == (
        "defer",
        "2026-03-14T15:00:00+00:00",
        "gate",
    )
    assert cap["evidence"] == {
        "channel": "sms",
        "cap": 2,
        "per_days": 7,
        "count": 2,
        "oldest_counted": "2026-03-07T15:00:00+00:00",
        "at": "2026-03-10T17:00:00+00:00",
    }
    assert cap["citation"] == "The workspace's playbook: frequency_caps"
    assert cap["fix_hint"].startswith("Nothing to fix: it is sent when the cap frees a slot.")
    note = action.transitions.order_by("-pk").values_list("note", flat=True)[0]
    assert note.startswith("Deferred until 2026-03-14 15:00 UTC: playbook.frequency_cap: 2 ")

    # The action's page says why it waits, as it shows every finding.
    owner = Client()
    owner.force_login(person(workspace, "owner", "olga"))
    page = owner.get(reverse("admin:agents_agentaction_change", args=[action.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "<td>playbook.frequency_cap</td>" in html
    assert "2 marketing sms messages went to this person in the last 7 days" in html
    assert "The workspace&#x27;s playbook: frequency_caps" in html

    # A second before the slot frees it still waits; at the instant it goes.
    just_before = datetime(2026, 3, 14, 14, 59, 59, tzinfo=UTC)
    AgentAction.objects.filter(pk=action.pk).update(next_attempt_at=just_before)
    assert action_execute(action.pk, now=lambda: just_before).status == ActionStatus.APPROVED
    freed = datetime(2026, 3, 14, 15, 0, tzinfo=UTC)
    assert action_execute(action.pk, now=lambda: freed).status == ActionStatus.SUCCEEDED
    assert texts_sent(ana) == [9001, 9002, action.pk]


def test_the_cap_counts_only_the_channel_and_the_person(workspace: Workspace) -> None:
    limit(workspace, frequency_caps=CAP)
    ana = consenting_contact(workspace)
    bea = consenting_contact(workspace, phone="+13125550124", first_name="Bea")
    for n in range(2):
        logged(bea, AT - timedelta(days=1, minutes=n), f"bea-{n}")
        logged(ana, AT - timedelta(days=1, minutes=n), f"ana-email-{n}", channel="email")
    action = text_to(ana, "to-ana")

    assert action_execute(action.pk, now=lambda: AT).status == ActionStatus.SUCCEEDED


def test_transactional_messages_are_not_counted_and_other_kinds_are_not_capped(
    workspace: Workspace,
) -> None:
    limit(workspace, frequency_caps=[{"channel": "sms", "max_messages": 1, "per_days": 7}])
    ana = consenting_contact(workspace)
    for n, purpose in enumerate(
        [MessagePurpose.TRANSACTIONAL, MessagePurpose.CONFIRMATION, MessagePurpose.HELP]
    ):
        logged(ana, AT - timedelta(hours=n + 1), f"not-marketing-{n}", purpose=purpose)
    action = text_to(ana, "offer")

    assert action_execute(action.pk, now=lambda: AT).status == ActionStatus.SUCCEEDED

    # The MQL handoff names the contact too, but is a rep's notification: no adapter sends it.
    handoff = AgentAction(workspace=workspace, kind="mql_handoff", payload={"contact_id": ana.pk})
    assert person_send(handoff) is None
    assert send_limits_report(handoff, at=AT).checked == ()


def test_a_deferral_past_the_actions_expiry_skips_it(workspace: Workspace) -> None:
    limit(workspace, frequency_caps=CAP)
    ana = consenting_contact(workspace)
    logged(ana, AT - timedelta(days=3), "a")
    logged(ana, AT - timedelta(days=2), "b")
    action = text_to(ana, "flash-sale", expires_at=AT + timedelta(days=1))

    outcome = action_execute(action.pk, now=lambda: AT)

    action.refresh_from_db()
    assert outcome.status == ActionStatus.EXPIRED
    assert action.error.startswith(
        "Skipped: it could go only at 2026-03-14 17:00 UTC, after it expires at "
        "2026-03-11 17:00 UTC: playbook.frequency_cap:"
    )
    assert texts_sent(ana) == []


def test_without_limits_the_gate_checks_them_and_finds_nothing(workspace: Workspace) -> None:
    limit(workspace)
    ana = consenting_contact(workspace)
    for n in range(5):
        logged(ana, AT - timedelta(hours=n + 1), f"earlier-{n}")
    action = text_to(ana, "sixth")

    assert send_limits_report(action, at=AT).findings == ()
    assert action_execute(action.pk, now=lambda: AT).status == ActionStatus.SUCCEEDED


def test_the_send_window_is_the_recipients_across_the_spring_clock_change(
    workspace: Workspace,
) -> None:
    limit(workspace, send_windows={"sms": {"start": "09:00", "end": "17:00"}})
    ana = consenting_contact(workspace)  # a Chicago number
    action = text_to(ana, "morning")
    # 08:30 CDT on the first day of daylight time (13:30 UTC): TCPA allows it, the playbook
    # does not before 09:00 CDT, 14:00 UTC (15:00 UTC the day before, in CST).
    morning = datetime(2026, 3, 8, 13, 30, tzinfo=UTC)

    assert action_execute(action.pk, now=lambda: morning).status == ActionStatus.APPROVED

    action.refresh_from_db()
    assert action.next_attempt_at == datetime(2026, 3, 8, 14, 0, tzinfo=UTC)
    (window,) = [f for f in action.findings if f["rule"] == "playbook.send_window"]
    assert window["evidence"] == {
        "channel": "sms",
        "window": "09:00-17:00",
        "time_zone": "America/Chicago",
        "zone_from": "number",
        "local_time": "08:30",
        "at": "2026-03-08T13:30:00+00:00",
    }
    opens = datetime(2026, 3, 8, 14, 0, tzinfo=UTC)
    assert action_execute(action.pk, now=lambda: opens).status == ActionStatus.SUCCEEDED


def test_the_recipients_zone_falls_back_to_the_workspaces(workspace: Workspace) -> None:
    workspace.time_zone = "Europe/Berlin"
    chicago = ContactFactory.create(workspace=workspace, phone="+13125550123")
    texas = ContactFactory.create(workspace=workspace, phone="", region="TX", country="US")
    ohio = ContactFactory.create(workspace=workspace, phone="", region="OH", country="US")
    nowhere = ContactFactory.create(workspace=workspace, phone="+18005550123", region="")

    assert recipient_zone(chicago, workspace.time_zone) == ("America/Chicago", "number")
    assert recipient_zone(ohio, workspace.time_zone) == ("America/New_York", "region")
    # Texas spans two zones; a toll-free number says nothing about place.
    assert recipient_zone(texas, workspace.time_zone) == ("Europe/Berlin", "workspace")
    assert recipient_zone(nowhere, workspace.time_zone) == ("Europe/Berlin", "workspace")

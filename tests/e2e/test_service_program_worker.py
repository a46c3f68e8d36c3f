"""The dealer's service reminders end to end: a real ``celery beat`` process (the database
scheduler on the test database: the source's crontab row and the sequences' advance tick) and
a real worker on the Redis broker, the aiosmtpd server, the SMS sandbox.

- DMS deals and repair orders imported through the ingest path make four owners due for
  service; switching ``service_reminders`` on in the playbook proposes the program, another
  person approves it, and beat's run of the source enrols the owners.
- The reminder email waits for the morning window in the workspace's time zone: the workspace
  is given a zone where the real time is outside 09:00-17:00, so the members wait (beat ticks
  pass, nothing is sent) until the clock reaches 09:00 there; then each email, naming the
  vehicle, reaches the SMTP server once.
- A second sequence's email to an owner is deferred by the gate (one email per 7 days).
- Between the email and the text: one owner's repair order arrives (DMS import) and ends her
  membership; another texts STOP and gets no text; an owner without written consent is
  skipped (the decision and its why recorded); the one with written consent gets the text.

**The clock.** Beat and the worker are separate processes on the real clock (no time-freezing
library is in the project; the other e2e tests run on the real clock too), so time is frozen
and advanced the way the engine sees it: every stored instant of the members (entered, next
due) is moved back by the interval the clock "advances". The wait's end itself is computed by
the engine from the real time and asserted against 09:00 in the workspace's zone.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db.models import F
from django.test import Client
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from como.agents.models import ActionStatus, ActionTransition, AgentAction
from como.agents.playbooks import playbook_update
from como.agents.services import action_approve, playbook_for
from como.channels.models import SandboxRequest
from como.consent.services import consent_grant
from como.leads.models import Contact
from como.sequences.enrollment import audience_task_name, members_enrol
from como.sequences.models import MemberStep, Sequence, SequenceMember
from como.workspaces.models import Workspace
from tests.celery_queues import private_queue
from tests.como.channels.email_support import PUBLIC as MAIL_PUBLIC
from tests.como.channels.email_support import Inbox, smtp_server
from tests.como.channels.sms_support import PUBLIC as SMS_PUBLIC
from tests.como.channels.sms_support import inbound_params, sms_account, twilio_post
from tests.como.sequences.support import approved_sequence, email, program
from tests.e2e.celery_worker import EFFECT_TIMEOUT, start_beat, start_worker, stop_worker
from tests.e2e.test_channel_worker import number_inside_sending_window
from tests.factories import MembershipFactory, UserFactory, WorkspaceFactory
from tests.verticals.automotive.inventory.factories import rooftop_make
from verticals.automotive.dms.services import dms_import
from verticals.automotive.programs.service import KEY

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_passwords"),
]

#: Zones to pick the workspace's from: one whose clock is outside the morning window now.
ZONES = (
    "Pacific/Kiritimati",
    "Pacific/Auckland",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Europe/Berlin",
    "America/Sao_Paulo",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Pacific/Honolulu",
)
#: Beat's (and so the sequences') tick in this test, instead of a minute.
TICK = "1"
WAIT = max(EFFECT_TIMEOUT, 90)  # the source's crontab fires at the next minute's start
FINAL = {ActionStatus.SUCCEEDED, ActionStatus.FAILED}


def zone_before_the_morning(now: datetime) -> tuple[str, datetime]:
    """A zone where ``now`` (and the next half hour) is outside 09:00-17:00, and the next
    09:00 there."""
    for name in ZONES:
        zone = ZoneInfo(name)
        local = now.astimezone(zone)
        if all(not 9 <= (local + timedelta(minutes=m)).hour < 17 for m in (0, 30)):
            nine = local.replace(hour=9, minute=0, second=0, microsecond=0)
            if nine <= local:
                nine += timedelta(days=1)
            return name, nine.astimezone(UTC)
    raise AssertionError("every zone is in its morning window")  # impossible: 10 zones


class Processes:
    """The worker and beat, with their logs."""

    def __init__(self, tmp: Path, smtp_port: int) -> None:
        self.tmp, self.smtp_port = tmp, smtp_port
        self.log_path = tmp / "celery.log"
        self.started: list[Any] = []
        self.queue = ""

    def env(self) -> dict[str, str]:
        return {
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.smtp_port),
            "COMO_PUBLIC_URL": MAIL_PUBLIC,
            "COMO_SEQUENCES_ADVANCE_SECONDS": TICK,
        }

    def start_worker(self) -> None:
        with pytest.MonkeyPatch.context() as patch, self.log_path.open("ab") as log:
            for name, value in self.env().items():
                patch.setenv(name, value)
            patch.delenv("EMAIL_BACKEND", raising=False)
            self.started.append(start_worker(self.queue, log))

    def start_beat(self) -> None:
        with self.log_path.open("ab") as log:
            self.started.append(
                start_beat(self.queue, log, self.tmp / "beat-schedule", **self.env())
            )

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_for(self, condition: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            assert all(p.poll() is None for p in self.started), self.output()
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}\n{self.output()[-8000:]}")


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    with smtp_server() as (inbox, port), private_queue() as queue:
        handle = Processes(tmp_path, port)
        handle.queue = queue
        handle.inbox = inbox  # type: ignore[attr-defined]
        try:
            yield handle
        finally:
            codes = []
            for process in reversed(handle.started):  # each one stopped, whatever the others do
                try:
                    codes.append(stop_worker(process))
                except subprocess.TimeoutExpired:
                    codes.append(-9)  # killed
            assert set(codes) <= {0}, handle.output()[-8000:]


def advance_clock(sequence: Sequence, by: timedelta) -> None:
    """The members' clock moves ``by`` on: what they wait for comes ``by`` sooner."""
    SequenceMember.objects.filter(sequence=sequence, state="active").update(
        entered_at=F("entered_at") - by, next_due_at=F("next_due_at") - by
    )


def owner(workspace: Workspace, name: str, phone: str, region: str, sms_basis: str) -> Contact:
    contact = Contact.objects.create(
        workspace=workspace,
        email=f"{name.lower()}@example.com",
        phone=phone,
        first_name=name,
        country="US",
        region=region,
    )
    bases = {"email": "express", "sms": sms_basis}
    for channel, basis in bases.items():
        consent_grant(
            contact=contact,
            channel=channel,
            basis=basis,
            source="web_form",
            jurisdiction="US",
            wording="Yes, Lakeside may email and text me about my vehicle. Reply STOP to stop.",
            at=timezone.now() - timedelta(days=400),
        )
    return contact


def dms_rows(kind: str, rows: list[str]) -> bytes:
    header = {
        "deals": "deal_number,purchase_date,vin,condition,price,year,make,model,email,rooftop",
        "repair_orders": "ro_number,ro_date,vin,mileage,op_codes,services,amount,email,rooftop",
    }[kind]
    return "\n".join([header, *rows, ""]).encode()


def test_service_reminders_run_on_beat_and_the_worker(
    processes: Processes, client: Client, settings: Any
) -> None:
    settings.COMO_PUBLIC_URL = SMS_PUBLIC  # the URL the Twilio signature covers
    now = timezone.now()
    zone, nine = zone_before_the_morning(now)
    workspace = WorkspaceFactory.create(
        slug="service-e2e", name="Lakeside Toyota", vertical="automotive", time_zone=zone
    )
    workspace.postal_address = "Lakeside Toyota, 2150 Lakeside Pkwy, Naperville, IL 60563"
    workspace.save()
    manager = UserFactory.create(username="dan-service")
    approver = UserFactory.create(username="maria-owner")
    MembershipFactory.create(workspace=workspace, user=manager, role="marketer")
    MembershipFactory.create(workspace=workspace, user=approver, role="approver")
    account = sms_account(workspace)
    rooftop = rooftop_make(workspace, store_code="LTN", brands=["Toyota"])
    playbook = playbook_for(workspace)
    # The dealer keeps no contact window of its own (the program's morning wait times the
    # email); one marketing email per person a week across every sequence.
    playbook_update(
        playbook=playbook,
        quiet_hours=None,
        frequency_caps=[{"channel": "email", "max_messages": 1, "per_days": 7}],
    )
    phone, region = number_inside_sending_window(now, 4401) or ("+13122344401", "IL")
    ana = owner(workspace, "Ana", "+13122344402", "IL", "express_written")  # repair order
    ben = owner(workspace, "Ben", "+13122344403", "IL", "express_written")  # texts STOP
    cal = owner(workspace, "Cal", phone, region, "express_written")  # gets the text
    dee = owner(workspace, "Dee", "+13122344404", "IL", "express")  # no written consent
    people = [ana, ben, cal, dee]

    # The DMS history, through the ingest path: bought two years ago, last serviced 175 days
    # ago (the six-month service is due within the two weeks' lead).
    today = now.astimezone(ZoneInfo(rooftop.time_zone)).date()
    bought, serviced = today - timedelta(days=730), today - timedelta(days=175)
    vins = {c.pk: f"JTMRFREV{n}JD00000{n}" for n, c in enumerate(people)}
    deals = [
        f"D-{n},{bought},{vins[c.pk]},new,31000,2024,Toyota,RAV4,{c.email},LTN"
        for n, c in enumerate(people)
    ]
    ros = [
        f"R-{n},{serviced},{vins[c.pk]},9000,LOF,Oil change,79.95,{c.email},LTN"
        for n, c in enumerate(people)
    ]
    for kind, rows in (("deals", deals), ("repair_orders", ros)):
        report = dms_import(rooftop=rooftop, kind=kind, data=dms_rows(kind, rows))
        assert (report.counts["created"], report.errors) == (4, []), report.errors

    processes.start_worker()
    # The service manager switches the program on; the owner approves it.
    playbook_update(playbook=playbook, by=manager, sequences_enabled=[KEY])
    sequence = Sequence.objects.get(workspace=workspace, default_key=KEY)
    version = sequence.versions.get()
    approval = version.approving_action
    assert approval is not None
    assert approval.proposed_by_id == manager.pk
    action_approve(action=approval, user=approver, note="Our service reminders, reviewed.")
    processes.wait_for(
        lambda: sequence.versions.filter(state="approved").exists(), "the version's activation"
    )
    # Its beat row fires at 07:00 in the workspace's zone; here, at every minute's start.
    row = PeriodicTask.objects.get(name=audience_task_name(sequence.pk))
    assert (row.crontab.minute, row.crontab.hour, str(row.crontab.timezone)) == ("0", "7", zone)
    row.crontab = CrontabSchedule.objects.create(minute="*", hour="*", timezone=zone)
    row.save()
    processes.start_beat()

    members = SequenceMember.objects.filter(sequence=sequence)
    processes.wait_for(lambda: members.count() == 4, "beat's run of the source to enrol")
    assert {m.contact_id: m.subject["vin"] for m in members} == vins
    # Beat's advance ticks: each member waits for 09:00 in the workspace's zone.
    waits = MemberStep.objects.filter(member__sequence=sequence, step_id="morning")
    processes.wait_for(lambda: waits.count() == 4, "the members' first pass")
    assert {w.until for w in waits} == {nine}
    time.sleep(3)  # more ticks: still nothing is sent before the morning
    assert not AgentAction.objects.filter(workspace=workspace, kind="email_send").exists()

    advance_clock(sequence, nine - timezone.now() + timedelta(seconds=1))
    emails = AgentAction.objects.filter(workspace=workspace, kind="email_send")
    processes.wait_for(
        lambda: emails.count() == 4 and set(emails.values_list("status", flat=True)) <= FINAL,
        "the four reminder emails",
    )
    assert set(emails.values_list("status", flat=True)) == {ActionStatus.SUCCEEDED}, list(
        emails.values_list("error", flat=True)
    )
    reminders = list(emails.values_list("pk", flat=True))
    inbox: Inbox = processes.inbox  # type: ignore[attr-defined]
    received = inbox.received()
    assert sorted(m["To"] for m in received) == sorted(c.email for c in people)
    assert {m["Subject"] for m in received} == {
        "Your 2024 Toyota RAV4 is due for its six-month service"
    }

    # Another sequence's email to Ana: the frequency cap holds across the two.
    _news, news_version = approved_sequence(workspace, program(email("news")), key="news")
    members_enrol(version=news_version, contact_ids=[ana.pk])
    news = AgentAction.objects.filter(workspace=workspace, kind="email_send", target_id=ana.pk)
    news = news.exclude(pk__in=reminders)
    processes.wait_for(
        lambda: ActionTransition.objects.filter(
            action__in=news, note__startswith="Deferred"
        ).exists(),
        "the second sequence's email to be deferred by the cap",
    )
    assert news.get().status == ActionStatus.APPROVED  # held, not sent
    assert len(inbox.received()) == 4

    # Between the email and the text: Ana's repair order arrives, Ben texts STOP.
    visit = [f"R-9,{today},{vins[ana.pk]},9900,LOF,Oil change,79.95,{ana.email},LTN"]
    assert (
        dms_import(
            rooftop=rooftop, kind="repair_orders", data=dms_rows("repair_orders", visit)
        ).counts["created"]
        == 1
    )
    answer = twilio_post(
        client, account, "inbound", inbound_params("STOP", "SM" + "7" * 32, phone=ben.phone)
    )
    assert answer.status_code == 200, answer.content

    three_days = MemberStep.objects.filter(member__sequence=sequence, step_id="three_days")
    (until,) = set(three_days.values_list("until", flat=True).distinct()) or {None}
    assert until is not None
    advance_clock(sequence, until - timezone.now() + timedelta(seconds=1))
    texts_decided = MemberStep.objects.filter(
        member__sequence=sequence, step_id="reminder_text", outcome__in=["sent", "skipped"]
    )
    ended = SequenceMember.objects.filter(sequence=sequence).exclude(state="active")
    processes.wait_for(
        lambda: texts_decided.count() == 2 and ended.count() == 2, "the pass after three days"
    )
    state = {
        m.contact_id: (m.state, m.exit_reason)
        for m in SequenceMember.objects.filter(sequence=sequence)
    }
    assert state[ana.pk] == ("exited", "event:service_visit")
    assert state[ben.pk] == ("exited", "opted_out")
    decisions = {d.member.contact_id: (d.outcome, d.reason) for d in texts_decided}
    assert decisions == {cal.pk: ("sent", ""), dee.pk: ("skipped", "no_written_sms_consent")}
    texts = AgentAction.objects.filter(workspace=workspace, kind="sms_send")
    assert list(texts.values_list("target_id", flat=True)) == [str(cal.pk)]
    processes.wait_for(lambda: texts.get().status in FINAL | {"approved"}, "the text")
    if number_inside_sending_window(timezone.now(), 4401) is not None:
        processes.wait_for(lambda: texts.get().status == ActionStatus.SUCCEEDED, "the text")
        (request,) = SandboxRequest.objects.filter(
            workspace=workspace, channel="sms", idempotency_key=str(texts.get().pk)
        )
        assert "RAV4" in request.body
    # The two who left were stopped at that step, before the text: the decision says why.
    exits = MemberStep.objects.filter(member__sequence=sequence, outcome="exited")
    assert dict(exits.values_list("member__contact_id", "step_id")) == {
        ana.pk: "reminder_text",
        ben.pk: "reminder_text",
    }
    # Nothing ever went to Ben's or Ana's phone but the STOP confirmation.
    assert (
        not SandboxRequest.objects.filter(workspace=workspace, channel="sms", body__contains="RAV4")
        .exclude(idempotency_key=str(texts.get().pk))
        .exists()
    )

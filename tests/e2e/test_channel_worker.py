"""The channel path end to end: approved ``email_send`` and ``sms_send`` actions run by a real
Celery worker on the real Redis broker.

- **Sent**: a US contact with express written consent for email and SMS; the agent proposes an
  email and a text, an approver approves them, and a separate ``celery -A como worker`` process
  (tests/e2e/celery_worker.py) runs them: the aiosmtpd server receives exactly one message for
  the address, with RFC 8058 List-Unsubscribe headers, and the SMS sandbox records exactly one
  Twilio request for the text. The contact's number is chosen at run time from one time zone
  per US region so that the real current time is inside TCPA quiet hours there (nothing is
  frozen: the worker checks quiet hours against its own clock).
- **Revoked in between**: a text approved while no worker runs waits in the queue; the contact
  texts STOP to the Twilio webhook (signed as Twilio signs); then the worker starts and its
  gate, re-running compliance right before the send, fails the action. No Twilio request is
  recorded for it: the only one is the STOP confirmation the webhook sent.

One worker serves the module (its start costs seconds): the revocation test stops it if it is
running, approves, revokes and starts it; the sending test starts it if it is not running.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from como.agents.models import ActionStatus, ActionTransition, AgentAction
from como.agents.services import ActionDraft, action_approve, action_propose
from como.channels.models import Message, SandboxRequest
from como.compliance.quiet_hours import is_inside, sms_window
from como.consent.services import consent_grant
from como.leads.models import Contact
from como.workspaces.models import Workspace
from tests.celery_queues import private_queue
from tests.como.channels.email_support import ONE_CLICK_BODY, Inbox, smtp_server
from tests.como.channels.email_support import PUBLIC as MAIL_PUBLIC
from tests.como.channels.sms_support import PUBLIC as SMS_PUBLIC
from tests.como.channels.sms_support import inbound_params, sms_account, twilio_post
from tests.e2e.celery_worker import EFFECT_TIMEOUT, start_worker, stop_worker
from tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_passwords"),
]

#: One geographic number prefix per US time zone, east to west, then the territories that
#: cover the hours no state does (Puerto Rico 12:00-13:00 UTC, Guam 07:00-11:00 UTC).
ZONED_PREFIXES = (
    ("+1212234", "NY"),  # America/New_York
    ("+1312234", "IL"),  # America/Chicago
    ("+1303234", "CO"),  # America/Denver
    ("+1213234", "CA"),  # America/Los_Angeles
    ("+1907234", "AK"),  # America/Anchorage and America/Adak
    ("+1808234", "HI"),  # Pacific/Honolulu
    ("+1787234", "PR"),  # America/Puerto_Rico
    ("+1671234", "GU"),  # Pacific/Guam
)
#: The chosen zone must stay inside its window this long: the test's own run time, with room.
QUIET_HOURS_MARGIN = timedelta(minutes=5)
WORDING = "Yes, send me offers from Acme by email and text at this number. Reply STOP to stop."
FINAL = {ActionStatus.SUCCEEDED, ActionStatus.FAILED}


def number_inside_sending_window(now: datetime, suffix: int) -> tuple[str, str] | None:
    """A valid US number (and its state) where ``now`` and the next few minutes are inside
    08:00-21:00 local, by the same rule the worker applies; None when no zone is."""
    for prefix, region in ZONED_PREFIXES:
        phone = f"{prefix}{suffix:04d}"
        window = sms_window(phone, region, "US")
        if is_inside(now, window) and is_inside(now + QUIET_HOURS_MARGIN, window):
            return phone, region
    return None


class Worker:
    """The module's worker process: started on demand, stopped on demand or at the end."""

    def __init__(self, queue: str, log_path: Path, env: dict[str, str]) -> None:
        self.queue, self.log_path, self.env = queue, log_path, env
        self.process: Any = None
        self.exit_codes: list[int] = []

    def start(self) -> None:
        if self.process is not None:
            return
        with pytest.MonkeyPatch.context() as patch:  # the environment it is started with
            for name, value in self.env.items():
                patch.setenv(name, value)
            patch.delenv("EMAIL_BACKEND", raising=False)
            with self.log_path.open("ab") as log:
                self.process = start_worker(self.queue, log)

    def stop(self) -> None:
        if self.process is not None:
            self.exit_codes.append(stop_worker(self.process))
            self.process = None

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_for(self, condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + EFFECT_TIMEOUT
        while time.monotonic() < deadline and self.process.poll() is None:
            if condition():
                return
            time.sleep(0.05)
        if condition():
            return
        raise AssertionError(f"timed out waiting for {what}\n{self.output()}")


@pytest.fixture(scope="module")
def smtp_port() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def smtp(smtp_port: tuple[Inbox, int]) -> Inbox:
    return smtp_port[0]


@pytest.fixture(scope="module")
def worker(
    django_db_setup: None, smtp_port: tuple[Inbox, int], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Worker]:
    """A worker on a queue of the module's own, sending mail to the module's SMTP server;
    this process's approvals publish to that queue too."""
    env = {
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port[1]),
        "COMO_PUBLIC_URL": MAIL_PUBLIC,
    }
    log_path = tmp_path_factory.mktemp("channel-worker") / "worker.log"
    with private_queue() as queue:
        handle = Worker(queue, log_path, env)
        try:
            yield handle
        finally:
            handle.stop()
    assert set(handle.exit_codes) <= {0}, handle.output()  # every stop was a clean one


def approver_of(workspace: Workspace) -> Any:
    user = UserFactory.create(username=f"approver-of-{workspace.slug}")
    MembershipFactory.create(workspace=workspace, user=user, role="approver")
    return user


def consenting_contact(
    workspace: Workspace, *, email: str, phone: str, region: str, name: str
) -> Contact:
    contact = Contact.objects.create(
        workspace=workspace,
        email=email,
        phone=phone,
        first_name=name,
        country="US",
        region=region,
    )
    for channel in ("email", "sms"):
        consent_grant(
            contact=contact,
            channel=channel,
            basis="express_written",
            source="web_form",
            jurisdiction="US",
            wording=WORDING,
            ip="203.0.113.7",
            at=timezone.now() - timedelta(days=3),
        )
    return contact


def propose_and_approve(
    workspace: Workspace, approver: Any, kind: str, payload: dict[str, Any]
) -> AgentAction:
    """Proposed by the workspace's agent identity, approved by a person."""
    proposed = action_propose(
        workspace=workspace,
        proposer=workspace.agent_user,
        draft=ActionDraft(
            agent="e2e",
            kind=kind,
            idempotency_key=f"{kind}-{payload['contact_id']}",
            rationale="The contact asked for offers.",
            payload=payload,
        ),
    ).action
    assert proposed.blocking_findings == [], proposed.findings
    return action_approve(action=proposed, user=approver, note="Consent on file; in hours.")


def sms_payload(workspace: Workspace, contact: Contact) -> dict[str, Any]:
    return {
        "contact_id": contact.pk,
        "body": f"{workspace.name}: {{{{ contact.first_name }}}}, spring tyres are 20% off. "
        "Reply STOP to opt out.",
    }


def settled(action: AgentAction) -> Callable[[], bool]:
    return lambda: AgentAction.objects.get(pk=action.pk).status in FINAL


def claims(action: AgentAction) -> int:
    return ActionTransition.objects.filter(action=action, to_status="executing").count()


def test_a_text_approved_before_the_contact_texts_stop_is_blocked_by_the_worker(
    worker: Worker, client: Client, settings: Any
) -> None:
    settings.COMO_PUBLIC_URL = SMS_PUBLIC  # the URL the Twilio signature covers
    worker.stop()  # no worker may run between approval and revocation
    workspace = WorkspaceFactory.create(slug="channel-worker-stop", name="Acme")
    approver = approver_of(workspace)
    account = sms_account(workspace)
    # In hours if any US zone is, so that only the revocation can stop the text (a block is
    # decided before a quiet-hours deferral, so the outcome is the same either way).
    phone, region = number_inside_sending_window(timezone.now(), 7702) or ("+13122347702", "IL")
    contact = consenting_contact(
        workspace, email="stop.me@example.com", phone=phone, region=region, name="Sam"
    )

    action = propose_and_approve(workspace, approver, "sms_send", sms_payload(workspace, contact))
    assert AgentAction.objects.get(pk=action.pk).status == ActionStatus.APPROVED
    broker = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    try:
        assert broker.llen(worker.queue) == 1  # its execute message waits for a worker
    finally:
        broker.close()

    # The contact texts STOP; Twilio posts it, signed, to the inbound webhook.
    answer = twilio_post(
        client, account, "inbound", inbound_params("STOP", "SM" + "5" * 32, phone=phone)
    )
    assert answer.status_code == 200, answer.content

    worker.start()
    worker.wait_for(settled(action), "the worker to settle the action")

    action.refresh_from_db()
    assert action.status == ActionStatus.FAILED, (action.error, worker.output())
    assert action.error.startswith("Compliance blocked the send"), action.error
    assert claims(action) == 1
    # Nothing went out for the action: no Twilio request under its key, no message logged.
    assert not SandboxRequest.objects.filter(
        workspace=workspace, channel="sms", idempotency_key=str(action.pk)
    ).exists()
    assert Message.objects.filter(workspace=workspace, action_id=action.pk).count() == 0
    # The one request the sandbox holds is the STOP confirmation, sent by the webhook.
    (confirmation,) = SandboxRequest.objects.filter(workspace=workspace)
    assert "unsubscribed" in confirmation.body
    assert "como.agents.execute_action" in worker.output()


def test_approved_email_and_text_are_sent_once_by_the_worker(
    worker: Worker, smtp: Inbox, capsys: pytest.CaptureFixture[str]
) -> None:
    workspace = WorkspaceFactory.create(slug="channel-worker-send", name="Acme")
    workspace.postal_address = "Acme Inc., 1 Main St, Springfield, IL 62701"
    workspace.save()
    approver = approver_of(workspace)
    now = timezone.now()
    in_hours = number_inside_sending_window(now, 5601)
    phone, region = in_hours or ("+13122345601", "IL")
    address = "dana.reyes@example.com"
    contact = consenting_contact(workspace, email=address, phone=phone, region=region, name="Dana")
    worker.start()
    approving = time.monotonic()

    mail = propose_and_approve(
        workspace,
        approver,
        "email_send",
        {
            "contact_id": contact.pk,
            "subject": "Spring offers for {{ contact.first_name }}",
            "body": "Hi {{ contact.first_name }},\n\nSpring tyres are 20% off this month.\n",
            "campaign_id": None,
        },
    )
    text = (
        propose_and_approve(workspace, approver, "sms_send", sms_payload(workspace, contact))
        if in_hours
        else None
    )
    worker.wait_for(settled(mail), "the email action to settle")
    if text is not None:
        worker.wait_for(settled(text), "the sms action to settle")
    took = time.monotonic() - approving

    # The email: succeeded, claimed once, one message at the SMTP server for the address.
    mail.refresh_from_db()
    assert (mail.status, mail.error) == (ActionStatus.SUCCEEDED, ""), worker.output()
    assert claims(mail) == 1
    (sent,) = Message.objects.filter(workspace=workspace, action_id=mail.pk)
    (received,) = [m for m in smtp.received() if m["To"] == address]
    assert received["Subject"] == "Spring offers for Dana"
    assert received["Message-ID"] == sent.provider_id == mail.result["message_id"]
    # RFC 8058 one-click: the header (folded: it is long) and the same link in the footer.
    unsubscribe = re.fullmatch(
        rf"<({re.escape(MAIL_PUBLIC)}/t/u/[^>]+)>", received["List-Unsubscribe"].strip()
    )
    assert unsubscribe is not None, received["List-Unsubscribe"]
    assert received["List-Unsubscribe-Post"] == ONE_CLICK_BODY
    plain = received.get_body(("plain",))
    assert plain is not None
    assert unsubscribe[1] in plain.get_content()

    if text is None:
        pytest.skip(
            f"the email was sent; the text was not proposed: at {now:%H:%M} UTC no US time "
            "zone is inside TCPA quiet hours (08:00-21:00 local) for the next few minutes"
        )
    # The text: succeeded, claimed once, one Twilio request in the sandbox under its key.
    text.refresh_from_db()
    assert (text.status, text.error) == (ActionStatus.SUCCEEDED, ""), worker.output()
    assert claims(text) == 1
    (request,) = SandboxRequest.objects.filter(workspace=workspace, channel="sms")
    assert request.idempotency_key == str(text.pk)
    assert request.method == "POST"
    assert request.url.endswith("/Messages.json")
    assert f"To={phone.replace('+', '%2B')}" in request.body
    assert text.result["sid"] == request.response["body"]["sid"]
    (logged,) = Message.objects.filter(workspace=workspace, action_id=text.pk)
    assert logged.body == "Acme: Dana, spring tyres are 20% off. Reply STOP to opt out."
    with capsys.disabled():
        print(
            f"\n[channel worker] email and text to {phone} ({region}) at {now:%H:%M} UTC "
            f"proposed, approved and sent by the worker in {took:.1f} s"
        )


def test_the_quiet_hours_picker_follows_the_clock() -> None:
    """The picker's answer is in hours by the worker's own rule, and a UTC hour that no US zone
    has in its window (none: Guam and Puerto Rico close the gaps but 11:00-12:00) says so."""
    assert number_inside_sending_window(datetime(2026, 1, 15, 18, tzinfo=UTC), 1) == (
        "+12122340001",
        "NY",
    )
    # 02:30 UTC in January: 21:30 in New York, 20:30 in Chicago.
    assert number_inside_sending_window(datetime(2026, 1, 15, 2, 30, tzinfo=UTC), 1) == (
        "+13122340001",
        "IL",
    )
    # 09:00 UTC: 19:00 in Guam, night everywhere else.
    assert number_inside_sending_window(datetime(2026, 1, 15, 9, tzinfo=UTC), 1) == (
        "+16712340001",
        "GU",
    )
    assert number_inside_sending_window(datetime(2026, 1, 15, 11, 30, tzinfo=UTC), 1) is None

"""The SMS adapter in the sandbox: Twilio's request shape, the first-message rule, one send per
key, preflight reports (payload findings instead of exceptions) and the daily metrics."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import date
from typing import Any
from urllib.parse import parse_qsl

import pytest

from como.channels.base import adapter_for_kind, adapter_get
from como.channels.errors import PayloadInvalid
from como.channels.models import Message, SandboxRequest
from como.channels.sms import SANDBOX_ACCOUNT_SID, SANDBOX_FROM, sms_adapter, twilio_sid
from como.compliance.drafts import Draft
from como.compliance.findings import Finding
from como.compliance.registry import register_check, unregister_check
from como.workspaces.models import Workspace
from tests.factories import ContactFactory

from .sandbox_support import recorded_secret
from .sms_support import (
    ACCOUNT_SID,
    AT,
    FROM_NUMBER,
    PHONE,
    PUBLIC,
    TOKEN,
    Action,
    consenting_contact,
    sms_account,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def public_url(settings: Any) -> None:
    settings.COMO_PUBLIC_URL = PUBLIC


def _action(workspace: Workspace, contact_id: Any, body: str, pk: int = 7, **more: Any) -> Action:
    return Action(
        pk=pk, workspace=workspace, payload={"contact_id": contact_id, "body": body, **more}
    )


def _sent_form(key: str) -> dict[str, str]:
    return dict(parse_qsl(SandboxRequest.objects.get(idempotency_key=key).body))


def test_registered_for_its_kind() -> None:
    assert adapter_get("sms") is sms_adapter
    assert adapter_for_kind("sms_send") is sms_adapter


def test_the_sandbox_records_twilios_create_message_request(workspace: Workspace) -> None:
    account = sms_account(workspace)
    contact = consenting_contact(workspace)
    action = _action(
        workspace, contact.pk, "Hi {{ contact.first_name }}, service is 20% off.", campaign_id=3
    )

    result = sms_adapter.execute(action, "action-7")

    sent = SandboxRequest.objects.get()
    assert (sent.channel, sent.idempotency_key, sent.method) == ("sms", "action-7", "POST")
    assert sent.url == f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    basic = base64.b64encode(f"{ACCOUNT_SID}:{TOKEN}".encode()).decode()
    assert sent.headers == {
        "Authorization": recorded_secret(f"Basic {basic}"),
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/json",
    }
    assert parse_qsl(sent.body) == [
        ("To", PHONE),
        ("From", FROM_NUMBER),
        ("Body", f"{workspace.name}: Hi Ana, service is 20% off. Reply STOP to opt out."),
        ("StatusCallback", f"{PUBLIC}/hooks/sms/{account.pk}/status"),
    ]
    sid = twilio_sid(workspace.pk, "action-7")
    assert sid.startswith("SM")
    assert len(sid) == 34
    assert sent.response["status"] == 201
    assert sent.response["body"]["sid"] == sid
    assert sent.response["body"]["status"] == "queued"

    message = Message.objects.get()
    assert result == {"message_id": message.pk, "sid": sid, "to": PHONE, "status": "sent"}
    assert (message.channel, message.direction, message.purpose) == ("sms", "out", "marketing")
    assert (message.contact_id, message.action_id, message.campaign_id) == (contact.pk, 7, 3)
    assert (message.provider_id, message.sender, message.to) == (sid, FROM_NUMBER, PHONE)
    assert message.sent_at is not None


def test_a_messaging_service_sends_as_messaging_service_sid(workspace: Workspace) -> None:
    sms_account(workspace, sender="MG" + "a" * 32)
    contact = consenting_contact(workspace)
    sms_adapter.execute(_action(workspace, contact.pk, "Hello"), "k1")
    form = _sent_form("k1")
    assert form["MessagingServiceSid"] == "MG" + "a" * 32
    assert "From" not in form
    assert SandboxRequest.objects.get().response["body"]["status"] == "accepted"


def test_without_an_account_the_sandbox_uses_twilio_test_credentials(workspace: Workspace) -> None:
    contact = consenting_contact(workspace)
    sms_adapter.execute(_action(workspace, contact.pk, "Hello"), "k1")
    sent = SandboxRequest.objects.get()
    assert f"/Accounts/{SANDBOX_ACCOUNT_SID}/Messages.json" in sent.url
    assert dict(parse_qsl(sent.body))["From"] == SANDBOX_FROM
    assert "StatusCallback" not in dict(parse_qsl(sent.body))


def test_only_the_first_marketing_text_gets_sender_and_opt_out_added(workspace: Workspace) -> None:
    contact = consenting_contact(workspace)
    sms_adapter.execute(_action(workspace, contact.pk, "Oil change $29.", pk=1), "k1")
    sms_adapter.execute(_action(workspace, contact.pk, "Tires $99.", pk=2), "k2")
    assert _sent_form("k1")["Body"] == f"{workspace.name}: Oil change $29. Reply STOP to opt out."
    assert _sent_form("k2")["Body"] == "Tires $99."


@pytest.mark.parametrize(
    ("creative", "expected"),
    [
        ("{{ sender.name }} here: Reply STOP to quit.", "{name} here: Reply STOP to quit."),
        ("Hi from {{ sender.name|upper }}", "Hi from {upper} Reply STOP to opt out."),
        ("Text STOP to end. Sale today", "{name}: Text STOP to end. Sale today"),
        ("Stop by the showroom", "{name}: Stop by the showroom Reply STOP to opt out."),
    ],
)
def test_first_text_adds_only_what_the_creative_lacks(
    workspace: Workspace, creative: str, expected: str
) -> None:
    contact = consenting_contact(workspace)
    sms_adapter.execute(_action(workspace, contact.pk, creative), "k1")
    assert _sent_form("k1")["Body"] == expected.format(
        name=workspace.name, upper=workspace.name.upper()
    )


def test_execute_twice_with_one_key_sends_once(workspace: Workspace) -> None:
    contact = consenting_contact(workspace)
    action = _action(workspace, contact.pk, "Hello")
    first = sms_adapter.execute(action, "k1")
    second = sms_adapter.execute(action, "k1")
    assert first == second
    assert SandboxRequest.objects.count() == 1
    assert Message.objects.count() == 1


@pytest.fixture
def drafts_seen() -> Iterator[list[Draft]]:
    """A check of this test's own on the real registry, recording what it was shown."""
    seen: list[Draft] = []

    class Recorder:
        key = "test.sms_recorder"
        channels = frozenset({"sms"})
        jurisdictions = None
        verticals = None

        def __call__(self, draft: Draft) -> list[Finding]:
            seen.append(draft)
            return []

    register_check(Recorder())
    yield seen
    unregister_check(Recorder.key)


def test_preflight_checks_the_exact_text_that_is_sent(
    workspace: Workspace, drafts_seen: list[Draft]
) -> None:
    contact = consenting_contact(workspace)
    action = _action(workspace, contact.pk, "{{ contact.first_name }}, your car is due.")

    report = sms_adapter.preflight(action, at=AT)
    sms_adapter.execute(action, "k1")

    (draft,) = drafts_seen
    assert {"test.sms_recorder", "sms.payload"} <= set(report.checked)
    assert draft.fields == {"body": _sent_form("k1")["Body"]}
    assert (draft.channel, draft.kind, draft.at, draft.vertical) == ("sms", "sms_send", AT, "b2b")
    assert draft.sender.name == workspace.name
    assert draft.sender.postal_address == workspace.postal_address
    assert draft.recipient is not None
    assert (draft.recipient.contact_id, draft.recipient.phone) == (contact.pk, PHONE)
    assert draft.recipient.messages_sent == 0
    assert draft.recipient.consent("sms").granted

    sms_adapter.preflight(action, at=AT)
    assert drafts_seen[1].recipient is not None
    assert drafts_seen[1].recipient.messages_sent == 1


def test_a_consenting_first_text_passes_the_generic_checks(workspace: Workspace) -> None:
    contact = consenting_contact(workspace)
    report = sms_adapter.preflight(_action(workspace, contact.pk, "Spring sale"), at=AT)
    assert {"suppression", "consent.revoked", "tcpa", "tcpa.quiet_hours"} <= set(report.checked)
    assert report.findings == ()


def test_without_written_consent_tcpa_blocks(workspace: Workspace) -> None:
    contact = ContactFactory.create(workspace=workspace, phone=PHONE, region="IL")
    report = sms_adapter.preflight(_action(workspace, contact.pk, "Spring sale"), at=AT)
    assert [f.rule for f in report.blocking] == ["tcpa.written_consent"]


@pytest.mark.parametrize(
    ("payload", "evidence"),
    [
        (
            {"contact_id": 999_999, "body": "Hi"},
            {"contact_id": "no contact 999999 in this workspace"},
        ),
        ({"contact_id": "1", "body": "Hi"}, {"contact_id": "must be an integer"}),
        ({"body": "Hi"}, {"contact_id": "must be an integer"}),
        ("no-phone", {"contact_id": "contact {pk} has no phone number"}),
        ("template", {"body": "Line 1: 'dict object' has no attribute 'nope'"}),
        ({"contact_id": "ok", "body": "   "}, {"body": "must be a non-empty text"}),
        # The first text's sender name and opt-out hint count towards Twilio's 1,600.
        (
            {"contact_id": "ok", "body": "x" * 1580},
            {"body": "1619 characters; a text can have at most 1600"},
        ),
        (
            {"contact_id": "ok", "body": "Hi", "campaign_id": "c"},
            {"campaign_id": "must be an integer or null"},
        ),
    ],
)
def test_a_bad_payload_is_a_blocking_finding_and_sends_nothing(
    workspace: Workspace, payload: Any, evidence: dict[str, str]
) -> None:
    contact = consenting_contact(workspace)
    if payload == "no-phone":
        contact = ContactFactory.create(workspace=workspace, phone="")
        payload = {"contact_id": contact.pk, "body": "Hi"}
    elif payload == "template":
        payload = {"contact_id": contact.pk, "body": "Hi {{ contact.nope }}"}
    elif payload.get("contact_id") == "ok":
        payload = {**payload, "contact_id": contact.pk}
    action = Action(pk=1, workspace=workspace, payload=payload)
    expected = {k: v.format(pk=contact.pk) for k, v in evidence.items()}

    report = sms_adapter.preflight(action, at=AT)

    (finding,) = report.findings
    assert (finding.rule, str(finding.severity)) == ("sms.payload", "block")
    assert dict(finding.evidence) == expected
    with pytest.raises(PayloadInvalid) as raised:
        sms_adapter.execute(action, "k1")
    assert raised.value.errors == expected
    assert SandboxRequest.objects.count() == 0
    assert Message.objects.count() == 0


def test_a_contact_of_another_workspace_is_not_found(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    foreign = consenting_contact(other_workspace)
    report = sms_adapter.preflight(_action(workspace, foreign.pk, "Hi"), at=AT)
    assert [f.rule for f in report.findings] == ["sms.payload"]


def test_metrics_count_the_days_marketing_texts_per_campaign(workspace: Workspace) -> None:
    contact = consenting_contact(workspace)
    sms_adapter.execute(_action(workspace, contact.pk, "A", pk=1, campaign_id=5), "k1")
    sms_adapter.execute(_action(workspace, contact.pk, "B", pk=2, campaign_id=5), "k2")
    sms_adapter.execute(_action(workspace, contact.pk, "C", pk=3), "k3")
    Message.objects.filter(idempotency_key="k1").update(
        delivered_at=Message.objects.get(idempotency_key="k1").sent_at
    )
    day = Message.objects.get(idempotency_key="k1").sent_at.date()  # type: ignore[union-attr]

    rows = {
        row.campaign_id: dict(row.counts)
        for row in sms_adapter.sync_metrics(workspace_id=workspace.pk, day=day)
    }

    zero = {"opened": 0, "clicked": 0, "unsubscribed": 0, "bounced": 0}
    assert rows == {
        5: {"sent": 2, "delivered": 1, **zero},
        None: {"sent": 1, "delivered": 0, **zero},
    }
    assert sms_adapter.sync_metrics(workspace_id=workspace.pk, day=date(2020, 1, 1)) == []

"""Twilio's webhooks: STOP in every spelling revokes at once with exactly one confirmation and no
later send; HELP and START; signatures; replays; delivery statuses."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from como.channels.models import ChannelAccount, Message, SandboxRequest, WebhookReceipt
from como.channels.sms import sms_adapter, twilio_sid, twilio_signature
from como.channels.sms.keywords import Keyword, keyword_of
from como.consent.hashing import suppression_digest
from como.consent.models import ConsentRecord, Suppression
from como.consent.selectors import consent_states, suppressed_channels
from como.leads.models import Contact
from como.workspaces.models import Workspace
from tests.factories import ContactFactory

from .sms_support import (
    FROM_NUMBER,
    PHONE,
    PUBLIC,
    TOKEN,
    Action,
    consenting_contact,
    inbound_params,
    sms_account,
    twilio_post,
)

pytestmark = pytest.mark.django_db

STOP_SPELLINGS = [
    "STOP",
    "  stop ",
    "Stop",
    "\tQUIT\n",
    "quit",
    "End",
    "REVOKE",
    "Opt Out",
    "oPt   OuT",
    " opt\tout ",
    "OPTOUT",
    "Cancel",
    "unsubscribe",
    "StopAll",
]


@pytest.fixture(autouse=True)
def public_url(settings: Any) -> None:
    settings.COMO_PUBLIC_URL = PUBLIC


@pytest.fixture
def account(workspace: Workspace) -> ChannelAccount:
    return sms_account(workspace)


B_TOKEN = "b-token-" + "0" * 32


def _replies(purpose: str) -> list[Message]:
    return list(Message.objects.filter(channel="sms", direction="out", purpose=purpose))


def _sms_state(contact: Contact) -> Any:
    """As of now: the webhook records revocations at the moment they arrive."""
    now = timezone.now()
    return consent_states(workspace_id=contact.workspace_id, contact_ids=[contact.pk], at=now)[
        contact.pk
    ]["sms"]


def _suppressed(workspace: Workspace, phone: str = PHONE) -> bool:
    return Suppression.objects.filter(
        workspace=workspace, digest=suppression_digest(workspace.pk, phone), channel="sms"
    ).exists()


@pytest.mark.parametrize("text", STOP_SPELLINGS)
def test_each_stop_keyword_revokes_with_exactly_one_confirmation_and_no_later_send(
    client: Client, workspace: Workspace, account: ChannelAccount, text: str
) -> None:
    contact = consenting_contact(workspace)
    assert _sms_state(contact).granted

    answer = twilio_post(client, account, "inbound", inbound_params(text, "SM" + "a" * 32))

    assert answer.status_code == 200
    assert answer["Content-Type"] == "text/xml"
    assert answer.content == b'<?xml version="1.0" encoding="UTF-8"?><Response/>'
    # Revoked the moment the request returned.
    state = _sms_state(contact)
    assert (state.granted, state.revoked, state.source, state.wording) == (
        False,
        True,
        "sms_keyword",
        text,
    )
    assert _suppressed(workspace)
    # Exactly one confirmation, sent and logged, with no marketing in it.
    (confirmation,) = _replies("confirmation")
    assert confirmation.body == (
        f"{workspace.name}: You are unsubscribed and will receive no more messages. "
        "Reply START to resubscribe."
    )
    assert (confirmation.to, confirmation.sender, confirmation.contact_id) == (
        PHONE,
        FROM_NUMBER,
        contact.pk,
    )
    assert SandboxRequest.objects.filter(channel="sms").count() == 1
    # The same STOP delivered again, and a second STOP later: still one confirmation.
    twilio_post(client, account, "inbound", inbound_params(text, "SM" + "a" * 32))
    twilio_post(client, account, "inbound", inbound_params("STOP", "SM" + "b" * 32))
    assert len(_replies("confirmation")) == 1
    assert SandboxRequest.objects.filter(channel="sms").count() == 1

    # No later send: the gate before execution blocks a marketing text to them.
    report = sms_adapter.preflight(
        Action(pk=1, workspace=workspace, payload={"contact_id": contact.pk, "body": "Sale!"}),
        at=timezone.now(),
    )
    blocking = {f.rule for f in report.blocking}
    assert {"suppression.suppressed", "consent.revoked.latest"} <= blocking
    assert "tcpa.written_consent" in blocking


@pytest.mark.parametrize(
    "text", ["stop it", "STOPP", "please stop", "don't text me", "OPT-OUT", "Hello", ""]
)
def test_other_texts_revoke_nothing_and_get_no_reply(
    client: Client, workspace: Workspace, account: ChannelAccount, text: str
) -> None:
    contact = consenting_contact(workspace)
    assert twilio_post(client, account, "inbound", inbound_params(text, "SM1")).status_code == 200
    assert _sms_state(contact).granted
    assert not _suppressed(workspace)
    assert Message.objects.filter(direction="out").count() == 0
    (received,) = Message.objects.filter(direction="in")
    assert (received.body, received.provider_id, received.contact_id) == (text, "SM1", contact.pk)
    assert (received.purpose, received.status, received.sender) == ("reply", "received", PHONE)


def test_keywords_are_recognised_whole_in_any_case_and_spacing() -> None:
    for text in STOP_SPELLINGS:
        assert keyword_of(text) is Keyword.STOP, text
    assert keyword_of(" help ") is Keyword.HELP
    assert keyword_of("Info") is Keyword.HELP
    assert keyword_of("unstop") is Keyword.START
    assert keyword_of("yes") is None
    assert keyword_of("opt out now") is None


def test_stop_from_an_unknown_number_suppresses_it_for_anyone_imported_later(
    client: Client, workspace: Workspace, account: ChannelAccount
) -> None:
    stranger = "+13125550177"
    twilio_post(client, account, "inbound", inbound_params("stop", "SM1", phone=stranger))

    assert _suppressed(workspace, stranger)
    (confirmation,) = _replies("confirmation")
    assert (confirmation.to, confirmation.contact_id) == (stranger, None)
    assert confirmation.body == (
        f"{workspace.name}: You are unsubscribed and will receive no more messages."
    )
    later = ContactFactory.create(workspace=workspace, phone=stranger)
    assert suppressed_channels(workspace_id=workspace.pk, addresses={later.pk: [later.phone]}) == {
        later.pk: frozenset({"sms"})
    }


def test_stop_revokes_every_contact_with_that_number_in_that_workspace_only(
    client: Client, workspace: Workspace, other_workspace: Workspace, account: ChannelAccount
) -> None:
    first = consenting_contact(workspace)
    second = consenting_contact(workspace, email="second@example.com")
    elsewhere = consenting_contact(other_workspace)
    twilio_post(client, account, "inbound", inbound_params("STOP", "SM1"))
    assert _sms_state(first).revoked
    assert _sms_state(second).revoked
    assert _sms_state(elsewhere).granted
    assert not _suppressed(other_workspace)
    assert len(_replies("confirmation")) == 1


def test_help_gets_one_reply_naming_the_sender_and_how_to_stop(
    client: Client, workspace: Workspace, account: ChannelAccount
) -> None:
    contact = consenting_contact(workspace)
    twilio_post(client, account, "inbound", inbound_params(" Help ", "SM1"))
    twilio_post(client, account, "inbound", inbound_params(" Help ", "SM1"))  # a replay

    (reply,) = _replies("help")
    assert reply.body == (
        f"{workspace.name}: marketing texts from {workspace.name}. Reply STOP to opt out. "
        f"Help: {workspace.postal_address}"
    )
    assert _sms_state(contact).granted
    request = SandboxRequest.objects.get()
    assert request.idempotency_key == "sms-reply:SM1"
    assert reply.provider_id == twilio_sid(workspace.pk, "sms-reply:SM1")


def test_start_resubscribes_only_after_a_stop_of_written_consent(
    client: Client, workspace: Workspace, account: ChannelAccount
) -> None:
    contact = consenting_contact(workspace)
    twilio_post(client, account, "inbound", inbound_params("STOP", "SM1"))
    twilio_post(client, account, "inbound", inbound_params("Start", "SM2"))

    state = _sms_state(contact)
    assert (state.granted, state.basis, state.source) == (True, "express_written", "sms_keyword")
    assert "Start (re-subscribing to: Yes, text me offers" in state.wording
    assert not _suppressed(workspace)
    assert [m.body for m in _replies("confirmation")] == [
        f"{workspace.name}: You are resubscribed. Reply STOP to opt out.",
        f"{workspace.name}: You are unsubscribed and will receive no more messages. "
        "Reply START to resubscribe.",
    ]
    # And STOP works again afterwards, with its own single confirmation.
    twilio_post(client, account, "inbound", inbound_params("stop", "SM3"))
    assert _sms_state(contact).revoked
    assert len(_replies("confirmation")) == 3


def test_start_grants_nothing_without_earlier_written_consent(
    client: Client, workspace: Workspace, account: ChannelAccount
) -> None:
    contact = ContactFactory.create(workspace=workspace, phone=PHONE)
    twilio_post(client, account, "inbound", inbound_params("STOP", "SM1"))
    twilio_post(client, account, "inbound", inbound_params("START", "SM2"))
    assert _sms_state(contact).revoked
    assert _suppressed(workspace)
    assert ConsentRecord.objects.filter(action="grant").count() == 0
    (only,) = _replies("confirmation")
    assert "START" not in only.body


def test_start_never_lifts_an_erasure_or_admin_suppression(
    client: Client, workspace: Workspace, account: ChannelAccount
) -> None:
    contact = consenting_contact(workspace)
    twilio_post(client, account, "inbound", inbound_params("STOP", "SM1"))
    Suppression.objects.create(
        workspace=workspace,
        digest=suppression_digest(workspace.pk, PHONE),
        channel="*",
        reason="admin",
    )
    twilio_post(client, account, "inbound", inbound_params("START", "SM2"))
    assert _sms_state(contact).revoked
    assert _suppressed(workspace)


# --- signatures and replays --------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["inbound", "status"])
@pytest.mark.parametrize(
    "tamper",
    ["missing header", "wrong signature", "mutated body", "wrong token", "foreign account"],
)
def test_unsigned_or_tampered_requests_are_refused_and_change_nothing(
    client: Client,
    workspace: Workspace,
    other_workspace: Workspace,
    account: ChannelAccount,
    kind: str,
    tamper: str,
) -> None:
    contact = consenting_contact(workspace)
    params = inbound_params("hello", "SM1")
    if kind == "status":
        params = {"MessageSid": "SM1", "MessageStatus": "delivered", "AccountSid": "AC"}
    target = account
    options: dict[str, Any] = {}
    if tamper == "missing header":
        options = {"signature": ""}
    elif tamper == "wrong signature":
        options = {"signature": "GvWf1cFY/Q7PnoempGyD5oXAezc="}
    elif tamper == "mutated body":
        mutated = (
            {**params, "Body": "STOP"}
            if kind == "inbound"
            else {**params, "MessageStatus": "failed"}
        )
        options = {"sent_params": mutated}
    elif tamper == "wrong token":
        options = {"token": "not-the-auth-token"}
    elif tamper == "foreign account":
        # Signed with this account's token but posted to another workspace's account.
        target = sms_account(other_workspace, credentials={"auth_token": "theirs-" + "0" * 32})

    answer = twilio_post(client, target, kind, params, **options)

    assert answer.status_code == 403
    assert WebhookReceipt.objects.count() == 0
    assert Message.objects.count() == 0
    assert _sms_state(contact).granted


def test_a_stop_with_tampered_body_does_not_revoke(
    client: Client, workspace: Workspace, account: ChannelAccount
) -> None:
    contact = consenting_contact(workspace)
    signed = inbound_params("hello", "SM1")
    answer = twilio_post(client, account, "inbound", signed, sent_params={**signed, "Body": "STOP"})
    assert answer.status_code == 403
    assert _sms_state(contact).granted
    assert not _suppressed(workspace)


def test_the_url_the_request_arrived_at_also_verifies(
    client: Client, workspace: Workspace, account: ChannelAccount
) -> None:
    # No proxy in between: Twilio signed the URL as this server sees it, not COMO_PUBLIC_URL.
    consenting_contact(workspace)
    params = inbound_params("hi", "SM1")
    signature = twilio_signature(
        TOKEN,
        f"http://testserver/hooks/sms/{account.pk}/inbound",
        {name: [value] for name, value in params.items()},
    )
    assert twilio_post(client, account, "inbound", params, signature=signature).status_code == 200


def test_a_replayed_stop_has_one_effect(
    client: Client, workspace: Workspace, account: ChannelAccount
) -> None:
    contact = consenting_contact(workspace)
    for _ in range(3):
        answer = twilio_post(client, account, "inbound", inbound_params("STOP", "SM1"))
        assert answer.status_code == 200
    assert ConsentRecord.objects.filter(contact=contact, action="revoke").count() == 1
    assert Message.objects.filter(direction="in").count() == 1
    assert len(_replies("confirmation")) == 1
    receipts = WebhookReceipt.objects.filter(source="twilio", delivery_id=f"{account.pk}:SM1")
    assert receipts.count() == 1


def test_get_is_not_allowed(client: Client, account: ChannelAccount) -> None:
    assert client.get(f"/hooks/sms/{account.pk}/inbound").status_code == 405


def test_a_signed_post_without_message_sid_is_a_400(
    client: Client, account: ChannelAccount
) -> None:
    assert twilio_post(client, account, "inbound", {"Body": "STOP"}).status_code == 400


# --- delivery statuses -------------------------------------------------------------------------


def _sent_marketing(workspace: Workspace) -> Message:
    contact = consenting_contact(workspace)
    sms_adapter.execute(
        Action(pk=1, workspace=workspace, payload={"contact_id": contact.pk, "body": "Hi"}), "k1"
    )
    return Message.objects.get(idempotency_key="k1")


def test_delivered_marks_the_message_once(
    client: Client, workspace: Workspace, account: ChannelAccount
) -> None:
    message = _sent_marketing(workspace)
    params = {"MessageSid": message.provider_id, "MessageStatus": "delivered", "To": PHONE}
    assert twilio_post(client, account, "status", params).status_code == 200
    message.refresh_from_db()
    delivered_at = message.delivered_at
    assert (message.status, delivered_at is not None) == ("delivered", True)

    twilio_post(client, account, "status", params)  # a replay
    message.refresh_from_db()
    assert message.delivered_at == delivered_at


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [("undelivered", "30003", "bounced"), ("failed", "30008", "failed")],
)
def test_undelivered_and_failed_are_bounces(
    client: Client,
    workspace: Workspace,
    account: ChannelAccount,
    status: str,
    code: str,
    expected: str,
) -> None:
    message = _sent_marketing(workspace)
    params = {"MessageSid": message.provider_id, "MessageStatus": status, "ErrorCode": code}
    twilio_post(client, account, "status", params)
    message.refresh_from_db()
    assert (message.status, message.bounced_at is not None) == (expected, True)
    assert message.error == f"Twilio {status}, error {code}"
    assert not _suppressed(workspace)


def test_twilios_unsubscribed_recipient_error_suppresses_the_number(
    client: Client, workspace: Workspace, account: ChannelAccount
) -> None:
    message = _sent_marketing(workspace)
    params = {"MessageSid": message.provider_id, "MessageStatus": "failed", "ErrorCode": "21610"}
    twilio_post(client, account, "status", params)
    assert _suppressed(workspace)


def test_a_status_for_another_workspaces_message_changes_nothing(
    client: Client, workspace: Workspace, other_workspace: Workspace
) -> None:
    message = _sent_marketing(workspace)
    theirs = sms_account(other_workspace)
    params = {"MessageSid": message.provider_id, "MessageStatus": "delivered"}
    assert twilio_post(client, theirs, "status", params).status_code == 200
    message.refresh_from_db()
    assert message.delivered_at is None


def test_another_accounts_post_for_our_sid_cannot_burn_our_callbacks(
    client: Client, workspace: Workspace, account: ChannelAccount, other_workspace: Workspace
) -> None:
    """A MessageSid is no secret: workspace B, signing with its own token, posts a status and
    an inbound text under A's sid. A's real callback must still be applied."""
    message = _sent_marketing(workspace)
    sid = message.provider_id
    theirs = sms_account(other_workspace, credentials={"auth_token": B_TOKEN})
    delivered = {"MessageSid": sid, "MessageStatus": "delivered", "To": PHONE}
    assert twilio_post(client, theirs, "status", delivered, token=B_TOKEN).status_code == 200
    inbound = inbound_params("HELP", sid)
    assert twilio_post(client, theirs, "inbound", inbound, token=B_TOKEN).status_code == 200
    message.refresh_from_db()
    assert message.delivered_at is None

    assert twilio_post(client, account, "status", delivered).status_code == 200
    message.refresh_from_db()
    assert (message.status, message.delivered_at is not None) == ("delivered", True)
    assert sorted(WebhookReceipt.objects.values_list("delivery_id", flat=True)) == sorted(
        [
            f"{theirs.pk}:{sid}:delivered",
            f"{theirs.pk}:{sid}",
            f"{account.pk}:{sid}:delivered",
        ]
    )

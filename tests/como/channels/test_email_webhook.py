"""The email provider's events webhook: Standard Webhooks signatures, the tolerance window both
ways, replays applied once, and what each event type changes."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from como.channels.models import (
    ChannelAccount,
    Direction,
    Message,
    MessagePurpose,
    MessageStatus,
    WebhookReceipt,
)
from como.channels.signatures import SignatureInvalid, standard_signature, standard_verify
from como.consent.models import ConsentRecord, Suppression
from como.consent.selectors import suppressed_channels
from como.leads.models import Contact, Event
from como.workspaces.models import Workspace
from tests.como.scoring.expected import decayed
from tests.factories import WorkspaceFactory

from .email_support import SECRET, consenting_contact, webhook_post

pytestmark = pytest.mark.django_db
MID = "<como.email.1.41@shop.example>"


@pytest.fixture
def shop() -> Workspace:
    workspace = WorkspaceFactory.create(slug="shop", vertical="b2b")
    ChannelAccount.objects.create(workspace=workspace, channel="email", webhook_secret=SECRET)
    return workspace


@pytest.fixture
def sent(shop: Workspace) -> Message:
    contact = consenting_contact(shop, "ana@buyer.example")
    return Message.objects.create(
        workspace=shop,
        channel="email",
        direction=Direction.OUTBOUND,
        purpose=MessagePurpose.MARKETING,
        contact=contact,
        idempotency_key="41",
        to=contact.email,
        provider_id=MID,
        status=MessageStatus.SENT,
        sent_at=timezone.now(),
    )


URL = "/hooks/email/shop/events"


def _suppressed(message: Message) -> frozenset[str]:
    contact = message.contact
    assert isinstance(contact, Contact)
    return suppressed_channels(
        workspace_id=message.workspace_id, addresses={contact.pk: [contact.email]}
    )[contact.pk]


def test_the_signature_matches_the_standard_webhooks_reference_vector() -> None:
    # The example of the Standard Webhooks specification and its reference libraries.
    body = b'{"test": 2432232314}'
    assert (
        standard_signature(
            SECRET, webhook_id="msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp=1614265330, body=body
        )
        == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )


def test_verify_accepts_any_entry_of_a_rotation_and_refuses_the_rest() -> None:
    body, stamp = b"{}", 1_700_000_000
    good = standard_signature(SECRET, webhook_id="msg_1", timestamp=stamp, body=body)
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(stamp),
        "webhook-signature": f"v1,AAAA {good}",
    }
    assert standard_verify(SECRET, headers=headers, body=body, now=stamp + 299) == "msg_1"
    with pytest.raises(SignatureInvalid) as stale:
        standard_verify(SECRET, headers=headers, body=body, now=stamp + 301)
    assert stale.value.status == 401
    with pytest.raises(SignatureInvalid):
        standard_verify(SECRET, headers=headers, body=body, now=stamp - 301)
    with pytest.raises(SignatureInvalid):
        standard_verify(SECRET, headers={**headers, "webhook-id": "msg_2"}, body=body, now=stamp)


def test_delivered_sets_delivered_at(client: Client, sent: Message) -> None:
    event = {"type": "email.delivered", "data": {"message_id": MID, "email": "ana@buyer.example"}}
    response = webhook_post(client, URL, event)
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "delivered"}
    sent.refresh_from_db()
    assert sent.delivered_at is not None
    assert sent.status == MessageStatus.DELIVERED


def test_a_bounce_suppresses_the_address(client: Client, sent: Message) -> None:
    # The provider's own id, without angle brackets, finds the message too.
    event = {"type": "email.bounced", "data": {"email_id": MID.strip("<>")}}
    response = webhook_post(client, URL, event)
    assert response.json() == {"status": "bounced"}
    sent.refresh_from_db()
    assert sent.bounced_at is not None
    assert sent.status == MessageStatus.BOUNCED
    assert _suppressed(sent) == {"email"}
    assert Suppression.objects.get(workspace=sent.workspace).reason == "bounced"


def test_a_hard_bounce_becomes_the_contacts_event_and_scores_once(
    client: Client, sent: Message
) -> None:
    event = {"type": "email.bounced", "data": {"message_id": MID}}
    webhook_post(client, URL, event)
    webhook_post(client, URL, event, webhook_id="msg_again")  # the provider reports it twice

    bounces = Event.objects.filter(contact=sent.contact, type="email_bounced")
    assert [(e.event_id, e.properties["message"]) for e in bounces] == [
        ("email:41:email_bounced", "41")
    ]
    contact = Contact.objects.get(email="ana@buyer.example")
    assert contact.score.score_as_of is not None
    # -15 for the bounce (the B2B model), decayed from the bounce to the stored instant.
    expected = decayed(-15, bounces[0].occurred_at, contact.score.score_as_of)
    assert contact.score.score_intent == pytest.approx(expected, rel=1e-12)


def test_a_soft_bounce_changes_nothing(client: Client, sent: Message) -> None:
    event = {"type": "email.bounced", "data": {"message_id": MID, "bounce": {"type": "Transient"}}}
    assert webhook_post(client, URL, event).json() == {"status": "ignored (soft bounce)"}
    sent.refresh_from_db()
    assert sent.bounced_at is None
    assert _suppressed(sent) == frozenset()


def test_a_complaint_revokes_email_consent(client: Client, sent: Message) -> None:
    event = {"type": "email.complained", "data": {"message_id": MID}}
    assert webhook_post(client, URL, event).json() == {"status": "complained"}
    revocation = ConsentRecord.objects.filter(contact=sent.contact, action="revoke").get()
    assert (revocation.channel, revocation.source) == ("email", "complaint")
    assert _suppressed(sent) == {"email"}


def test_the_account_can_be_named_by_id(client: Client, sent: Message) -> None:
    account = ChannelAccount.objects.get(workspace=sent.workspace, channel="email")
    event = {"type": "email.delivered", "data": {"message_id": MID}}
    assert sent.delivered_at is None
    response = webhook_post(client, f"/hooks/email/{account.pk}/events", event)
    assert response.json() == {"status": "delivered"}
    sent.refresh_from_db()
    assert (sent.status, sent.delivered_at is not None) == ("delivered", True)


def test_a_replay_has_one_effect(client: Client, sent: Message) -> None:
    event = {"type": "email.complained", "data": {"message_id": MID}}
    first = webhook_post(client, URL, event, webhook_id="msg_replayed")
    second = webhook_post(client, URL, event, webhook_id="msg_replayed")
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json() == {"status": "duplicate"}
    assert ConsentRecord.objects.filter(contact=sent.contact, action="revoke").count() == 1
    assert WebhookReceipt.objects.filter(source="email").count() == 1


@pytest.mark.parametrize(
    ("tamper", "status"),
    [
        ({"body": json.dumps({"type": "email.complained", "data": {"message_id": "x"}})}, 401),
        ({"signature": "v1," + "A" * 44}, 401),
        ({"secret": "whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"}, 401),
        ({"offset": -310}, 401),
        ({"offset": +310}, 401),
        ({"signature": "garbage"}, 401),
    ],
    ids=["mutated body", "wrong signature", "other secret", "stale", "future", "malformed"],
)
def test_unauthentic_deliveries_are_refused_and_change_nothing(
    client: Client, sent: Message, tamper: dict[str, Any], status: int
) -> None:
    event = {"type": "email.complained", "data": {"message_id": MID}}
    if "body" in tamper:
        tamper = {"body": tamper["body"].encode()}
    if "offset" in tamper:  # relative to now, not to when the tests were collected
        tamper = {"timestamp": int(time.time()) + tamper["offset"]}
    response = webhook_post(client, URL, event, **tamper)
    assert response.status_code == status, response.content
    assert not ConsentRecord.objects.filter(contact=sent.contact, action="revoke").exists()
    assert not WebhookReceipt.objects.exists()


def test_missing_headers_and_bad_json_are_400(client: Client, sent: Message) -> None:
    response = client.post(URL, data=b"{}", content_type="application/json")
    assert response.status_code == 400
    garbage = webhook_post(client, URL, {"type": "email.delivered", "data": {}}, body=b"nope")
    assert garbage.status_code == 401  # signed over another body
    stamp = int(time.time())
    signature = standard_signature(SECRET, webhook_id="msg_9", timestamp=stamp, body=b"nope")
    response = client.post(
        URL,
        data=b"nope",
        content_type="application/json",
        headers={
            "webhook-id": "msg_9",
            "webhook-timestamp": str(stamp),
            "webhook-signature": signature,
        },
    )
    assert response.status_code == 400
    assert not WebhookReceipt.objects.exists()


def test_an_unknown_workspace_is_404_and_one_without_a_secret_403(
    client: Client, shop: Workspace
) -> None:
    event = {"type": "email.delivered", "data": {"message_id": MID}}
    assert webhook_post(client, "/hooks/email/nobody/events", event).status_code == 404
    other = WorkspaceFactory.create(slug="nosecret")
    ChannelAccount.objects.create(workspace=other, channel="email")
    assert webhook_post(client, "/hooks/email/nosecret/events", event).status_code == 403


def test_another_workspaces_message_is_not_touched(client: Client, sent: Message) -> None:
    rival = WorkspaceFactory.create(slug="rival-shop")
    ChannelAccount.objects.create(workspace=rival, channel="email", webhook_secret=SECRET)
    event = {"type": "email.bounced", "data": {"message_id": MID}}
    response = webhook_post(client, "/hooks/email/rival-shop/events", event)
    assert response.json() == {"status": "bounced"}
    sent.refresh_from_db()
    assert sent.bounced_at is None
    assert _suppressed(sent) == frozenset()

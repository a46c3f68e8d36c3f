"""Opt-outs, GPC, erasure and identity merges, through the services."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from como.consent.hashing import suppression_digest
from como.consent.models import ConsentRecord, Erasure, Suppression
from como.consent.selectors import consent_states, contact_consent_now, suppressed_channels
from como.consent.services import (
    consent_grant,
    consent_revoke,
    contact_erase,
    contact_opt_out,
    gpc_opt_out,
    request_has_gpc,
    suppression_add,
)
from como.leads.models import AnonymousId, Contact, Event
from como.workspaces.models import Workspace
from tests.factories import (
    AnonymousIdFactory,
    ContactFactory,
    EventFactory,
    UserFactory,
    WorkspaceFactory,
)

pytestmark = pytest.mark.django_db

T = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def contact(workspace: Workspace) -> Contact:
    return ContactFactory.create(workspace=workspace, email="ana@example.com", phone="+13125550123")


def _grant_all(contact: Contact) -> None:
    for channel in ("email", "sms", "phone", "ads"):
        consent_grant(
            contact=contact, channel=channel, basis="express_written", source="form", at=T
        )


def test_opt_out_of_every_channel_by_default(contact: Contact) -> None:
    _grant_all(contact)

    records = contact_opt_out(
        contact=contact, source="admin", reason="admin", at=T + timedelta(hours=1)
    )

    assert [r.channel for r in records] == ["email", "sms", "phone", "ads"]
    assert {r.action for r in records} == {"revoke"}
    state = contact_consent_now(contact=contact)
    assert {channel: s.granted for channel, s in state.items()} == {
        "email": False,
        "sms": False,
        "phone": False,
        "ads": False,
    }
    assert sorted(Suppression.objects.values_list("channel", flat=True)) == [
        "ads",
        "ads",
        "email",
        "phone",
        "sms",
    ]


def test_opt_out_of_some_channels_leaves_the_others(contact: Contact) -> None:
    _grant_all(contact)

    contact_opt_out(contact=contact, channels=["sms", "sms", "email"], source="api", reason="admin")

    state = contact_consent_now(contact=contact)
    assert {channel: s.granted for channel, s in state.items()} == {
        "email": False,
        "sms": False,
        "phone": True,
        "ads": True,
    }
    assert ConsentRecord.objects.filter(action="revoke").count() == 2


@pytest.mark.parametrize(
    ("channels", "message"),
    [
        (["email", "fax"], "Unknown channel 'fax': use email, sms, phone, ads."),
        ([], "Name at least one channel, or leave it out for all."),
        ("email", "Give a list of channels, not one string."),
    ],
)
def test_opt_out_refuses_bad_channels(contact: Contact, channels: object, message: str) -> None:
    with pytest.raises(ValidationError) as raised:
        contact_opt_out(contact=contact, channels=channels, source="api", reason="admin")  # type: ignore[arg-type]

    assert raised.value.message_dict == {"channels": [message]}
    assert ConsentRecord.objects.count() == 0


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Sec-GPC": "1"}, True),
        ({"sec-gpc": " 1 "}, True),
        ({"Sec-GPC": "0"}, False),
        ({"Sec-GPC": ""}, False),
        ({}, False),
    ],
)
def test_request_has_gpc(headers: dict[str, str], expected: bool) -> None:
    assert request_has_gpc(headers) is expected


def test_gpc_revokes_ads_once(contact: Contact) -> None:
    _grant_all(contact)

    first = gpc_opt_out(contact=contact, ip="203.0.113.9", user_agent="Firefox", at=T)
    second = gpc_opt_out(contact=contact, ip="203.0.113.9", user_agent="Firefox")

    assert first is not None
    assert second is None
    revocations = ConsentRecord.objects.filter(action="revoke")
    assert list(revocations.values_list("channel", "source", "ip", "user_agent", "at")) == [
        ("ads", "gpc", "203.0.113.9", "Firefox", T)
    ]
    assert set(Suppression.objects.values_list("channel", "reason")) == {("ads", "gpc")}
    state = contact_consent_now(contact=contact)
    assert (state["ads"].granted, state["email"].granted) == (False, True)


def test_gpc_after_a_new_grant_revokes_again(contact: Contact) -> None:
    gpc_opt_out(contact=contact, ip=None, user_agent="", at=T)
    consent_grant(contact=contact, channel="ads", basis="express", source="form", at=T)

    again = gpc_opt_out(contact=contact, ip=None, user_agent="", at=T + timedelta(days=1))

    assert again is not None
    assert ConsentRecord.objects.filter(channel="ads", source="gpc").count() == 2


def test_erasure_suppresses_deletes_and_keeps_no_personal_data(
    contact: Contact, workspace: Workspace
) -> None:
    _grant_all(contact)
    EventFactory.create(contact=contact)
    AnonymousIdFactory.create(contact=contact, value="cookie-1")
    dpo = UserFactory.create(username="dpo")

    erasure = contact_erase(contact=contact, actor=dpo, reason="ticket 42", source="api")

    email_digest = suppression_digest(workspace.pk, "ana@example.com")
    phone_digest = suppression_digest(workspace.pk, "+13125550123")
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert (
        Event.objects.count() == AnonymousId.objects.count() == ConsentRecord.objects.count() == 0
    )
    assert set(Suppression.objects.values_list("digest", "channel", "reason")) == {
        (email_digest, "*", "erased"),
        (phone_digest, "*", "erased"),
    }
    stored = Erasure.objects.values().get(pk=erasure.pk)
    assert stored["digests"] == sorted([email_digest, phone_digest])
    assert (stored["actor_id"], stored["reason"], stored["source"]) == (dpo.pk, "ticket 42", "api")
    dumped = json.dumps(stored, default=str)
    for personal in ("ana@example.com", "3125550123", str(contact.first_name), "cookie-1"):
        assert personal not in dumped


def test_an_erased_person_imported_again_through_the_ingest_api_stays_suppressed(
    contact: Contact, workspace: Workspace, api: APIClient
) -> None:
    contact_erase(contact=contact, reason="asked")

    response = api.post(
        "/api/v1/events",
        {
            "events": [
                {
                    "id": "after-erasure-1",
                    "type": "form_submit",
                    "occurred_at": "2026-04-01T10:00:00Z",
                    "contact": {"email": "  ANA@example.com "},
                }
            ]
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    reborn = Contact.objects.get(workspace=workspace, email="ana@example.com")
    assert reborn.pk != contact.pk
    found = suppressed_channels(
        workspace_id=workspace.pk, addresses={reborn.pk: (reborn.email, reborn.phone)}
    )
    assert found == {reborn.pk: frozenset({"*"})}
    assert consent_states(workspace_id=workspace.pk, contact_ids=[reborn.pk], at=T) == {
        reborn.pk: {}
    }


def test_an_anonymous_visitors_gpc_opt_out_survives_their_identification(
    workspace: Workspace, api: APIClient
) -> None:
    known = ContactFactory.create(workspace=workspace, email="bo@example.com")
    consent_grant(contact=known, channel="ads", basis="express", source="form", at=T)
    visitor = ContactFactory.create(workspace=workspace, email="", external_id="")
    AnonymousIdFactory.create(contact=visitor, value="cookie-bo")
    gpc_opt_out(contact=visitor, ip="198.51.100.7", user_agent="Brave", at=T + timedelta(days=1))

    response = api.post(
        "/api/v1/events",
        {
            "events": [
                {
                    "id": "bo-identifies",
                    "type": "form_submit",
                    "occurred_at": "2026-04-01T10:00:00Z",
                    "contact": {"email": "bo@example.com", "anonymous_id": "cookie-bo"},
                }
            ]
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    assert not Contact.objects.filter(pk=visitor.pk).exists()
    ledger = ConsentRecord.objects.filter(contact=known).order_by("at")
    assert list(ledger.values_list("action", "source", "ip")) == [
        ("grant", "form", None),
        ("revoke", "gpc", "198.51.100.7"),
    ]
    assert contact_consent_now(contact=known)["ads"].granted is False


def test_an_express_grant_after_an_unsubscribe_lifts_only_that_opt_outs_suppression(
    workspace: Workspace,
) -> None:
    """Someone who unsubscribed and later opts in again on a form is reachable again; an
    implied consent is not enough, and a member's suppression stays."""
    contact = ContactFactory.create(workspace=workspace, email="ana@example.org", phone="")
    consent_revoke(contact=contact, channel="email", source="unsubscribe_link")
    ana = {contact.pk: [contact.email]}

    consent_grant(contact=contact, channel="email", basis="implied_inquiry", source="inquiry")
    assert suppressed_channels(workspace_id=workspace.pk, addresses=ana) == {
        contact.pk: frozenset({"email"})
    }

    consent_grant(contact=contact, channel="email", basis="express", source="web_form")
    assert suppressed_channels(workspace_id=workspace.pk, addresses=ana) == {
        contact.pk: frozenset()
    }

    suppression_add(
        workspace_id=workspace.pk, address=contact.email, channel="email", reason="admin"
    )
    consent_grant(contact=contact, channel="email", basis="express", source="web_form")
    assert suppressed_channels(workspace_id=workspace.pk, addresses=ana) == {
        contact.pk: frozenset({"email"})
    }


def test_a_local_number_is_suppressed_as_the_contacts_e164_and_nonsense_is_refused() -> None:
    berlin = WorkspaceFactory.create(country="DE")
    contact = ContactFactory.create(workspace=berlin, phone="+49301234567", email="")

    suppression_add(workspace_id=berlin.pk, address="030 1234567", channel="sms", reason="admin")

    assert suppressed_channels(workspace_id=berlin.pk, addresses={contact.pk: [contact.phone]}) == {
        contact.pk: frozenset({"sms"})
    }
    with pytest.raises(ValidationError) as refused:
        suppression_add(workspace_id=berlin.pk, address="call me", channel="sms", reason="admin")
    assert list(refused.value.message_dict) == ["address"]

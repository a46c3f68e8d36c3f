"""The consent API over the full request path: ledger, opt-out, erasures, suppressions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from como.consent.hashing import suppression_digest
from como.consent.models import ConsentRecord, Erasure, Suppression
from como.consent.services import consent_grant, consent_revoke, contact_erase
from como.leads.models import Contact
from como.workspaces.models import Workspace
from tests.factories import ContactFactory, member_api_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

T = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def contact(workspace: Workspace) -> Contact:
    return ContactFactory.create(workspace=workspace, email="ana@example.com", phone="+13125550123")


@pytest.fixture
def foreign(other_workspace: Workspace) -> Contact:
    return ContactFactory.create(
        workspace=other_workspace, email="ana@example.com", phone="+13125550123"
    )


def consents_url(contact: Contact) -> str:
    return f"/api/v1/contacts/{contact.pk}/consents"


# --- the ledger ------------------------------------------------------------------------------


def test_the_ledger_newest_first_with_the_state_per_channel(
    api: APIClient, contact: Contact
) -> None:
    grant = consent_grant(
        contact=contact,
        channel="email",
        basis="implied_inquiry",
        source="web_form",
        jurisdiction="CA",
        wording="Send me the brochure",
        at=T,
    )
    sms = consent_grant(
        contact=contact, channel="sms", basis="express_written", source="web_form", at=T
    )
    stop = consent_revoke(contact=contact, channel="sms", source="sms_keyword", at=T + timedelta(1))

    response = api.get(consents_url(contact))

    assert response.status_code == 200
    body = response.json()
    assert [e["id"] for e in body["entries"]] == [stop.pk, sms.pk, grant.pk]
    assert body["entries"][2] | {"created_at": None} == {
        "id": grant.pk,
        "channel": "email",
        "action": "grant",
        "basis": "implied_inquiry",
        "jurisdiction": "CA",
        "source": "web_form",
        "wording": "Send me the brochure",
        "ip": None,
        "user_agent": "",
        "at": "2026-03-01T12:00:00Z",
        "expires_at": "2026-09-01T12:00:00Z",
        "recorded_by": None,
        "created_at": None,
    }
    assert (body["contact"], body["workspace"]) == (contact.pk, "acme")
    assert body["suppressed"] == ["sms"]
    state = body["state"]
    assert list(state) == ["email", "sms", "phone", "ads"]
    # implied inquiry consent from 2026-03-01 has expired by now (six months later)
    expired = timezone.now() >= datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
    assert state["email"]["granted"] is not expired
    assert state["email"]["expired"] is expired
    assert (state["sms"]["granted"], state["sms"]["revoked"]) == (False, True)
    assert state["phone"] == {
        "channel": "phone",
        "granted": False,
        "basis": "",
        "jurisdiction": "",
        "source": "",
        "recorded_at": None,
        "expires_at": None,
        "revoked": False,
        "expired": False,
        "record_id": None,
    }


def test_appending_a_grant_records_what_the_client_says(api: APIClient, contact: Contact) -> None:
    response = api.post(
        consents_url(contact),
        {
            "channel": "sms",
            "action": "grant",
            "basis": "express_written",
            "jurisdiction": "US-FL",
            "source": "landing_page",
            "wording": "I agree to receive texts from Acme Motors.",
            "ip": "2001:db8::7",
            "user_agent": "Mozilla/5.0 (iPhone)",
            "at": "2026-03-01T13:00:00+01:00",
        },
        format="json",
        HTTP_USER_AGENT="acme-crm-sync/2.0",
    )

    assert response.status_code == 201, response.content
    record = ConsentRecord.objects.get(pk=response.json()["id"])
    assert (record.channel, record.action, record.basis, record.jurisdiction) == (
        "sms",
        "grant",
        "express_written",
        "US-FL",
    )
    assert (record.ip, record.user_agent, record.at) == ("2001:db8::7", "Mozilla/5.0 (iPhone)", T)
    assert record.wording == "I agree to receive texts from Acme Motors."
    assert record.recorded_by_id is None  # an API key is not a person


def test_ip_and_user_agent_default_to_the_requests_when_omitted(
    workspace: Workspace, contact: Contact
) -> None:
    member = member_api_client(workspace, "marketer")
    before = timezone.now()

    response = member.post(
        consents_url(contact),
        {"channel": "email", "action": "revoke"},
        format="json",
        HTTP_USER_AGENT="Safari/17",
        REMOTE_ADDR="192.0.2.44",
    )

    assert response.status_code == 201, response.content
    record = ConsentRecord.objects.get(pk=response.json()["id"])
    assert (record.ip, record.user_agent, record.source) == ("192.0.2.44", "Safari/17", "api")
    assert record.recorded_by is not None
    assert record.recorded_by.username.startswith("marketer")
    assert before <= record.at <= timezone.now()
    assert Suppression.objects.get().digest == suppression_digest(workspace.pk, "ana@example.com")


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"channel": "fax", "action": "grant", "basis": "express"},
            {"channel": ['"fax" is not a valid choice.']},
        ),
        ({"channel": "email", "action": "grant"}, {"basis": ["A grant needs its legal basis."]}),
        (
            {"channel": "email", "action": "revoke", "basis": "express"},
            {"basis": ["A revocation has no basis."]},
        ),
        (
            {"channel": "email", "action": "pause", "basis": "express"},
            {"action": ['"pause" is not a valid choice.']},
        ),
        (
            {"channel": "email", "action": "grant", "basis": "vibes"},
            {"basis": ['"vibes" is not a valid choice.']},
        ),
        (
            {"channel": "email", "action": "grant", "basis": "express", "ip": "300.1.1.1"},
            {"ip": ["Enter a valid IPv4 or IPv6 address."]},
        ),
        (
            {"channel": "email", "action": "grant", "basis": "express", "at": "2099-01-01T00:00Z"},
            {"at": ["Consent cannot be given in the future."]},
        ),
        (
            {"channel": "email", "action": "grant", "basis": "express", "at": "2026-01-01T10:00"},
            {"at": ["Give a timezone: end with Z or an offset like +01:00."]},
        ),
        ({}, {"channel": ["This field is required."], "action": ["This field is required."]}),
    ],
)
def test_bad_ledger_entries_are_400_by_field(
    api: APIClient, contact: Contact, body: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    response = api.post(consents_url(contact), body, format="json")

    assert response.status_code == 400
    assert response.json() == errors
    assert ConsentRecord.objects.count() == 0


def test_a_consent_in_the_near_future_is_clock_skew_and_accepted(
    api: APIClient, contact: Contact
) -> None:
    soon = (timezone.now() + timedelta(minutes=2)).isoformat()

    response = api.post(
        consents_url(contact),
        {"channel": "email", "action": "grant", "basis": "express", "at": soon},
        format="json",
    )

    assert response.status_code == 201, response.content


# --- opt-out ---------------------------------------------------------------------------------


def test_an_opt_out_takes_effect_immediately(api: APIClient, contact: Contact) -> None:
    for channel in ("email", "sms", "phone", "ads"):
        consent_grant(contact=contact, channel=channel, basis="express_written", source="f", at=T)

    response = api.post(
        f"/api/v1/contacts/{contact.pk}/opt-out", {"channels": ["email", "ads"]}, format="json"
    )
    read = api.get(consents_url(contact)).json()

    assert response.status_code == 200, response.content
    for body in (response.json(), read):
        granted = {channel: s["granted"] for channel, s in body["state"].items()}
        assert granted == {"email": False, "sms": True, "phone": True, "ads": False}
        assert body["suppressed"] == ["ads", "email"]
    assert [e["action"] for e in read["entries"][:2]] == ["revoke", "revoke"]


def test_an_opt_out_without_channels_covers_all_four(api: APIClient, contact: Contact) -> None:
    response = api.post(
        f"/api/v1/contacts/{contact.pk}/opt-out", {"source": "preference_center"}, format="json"
    )

    assert response.status_code == 200
    assert {s["revoked"] for s in response.json()["state"].values()} == {True}
    assert set(ConsentRecord.objects.values_list("source", flat=True)) == {"preference_center"}


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"channels": ["email", "pigeon"]},
            {"channels": {"1": ['"pigeon" is not a valid choice.']}},
        ),
        ({"channels": []}, {"channels": ["This list may not be empty."]}),
        ({"channels": "email"}, {"channels": ['Expected a list of items but got type "str".']}),
    ],
)
def test_bad_opt_outs_are_400(
    api: APIClient, contact: Contact, body: dict[str, Any], errors: dict[str, Any]
) -> None:
    response = api.post(f"/api/v1/contacts/{contact.pk}/opt-out", body, format="json")

    assert response.status_code == 400
    assert response.json() == errors
    assert ConsentRecord.objects.count() == 0


# --- scoping ---------------------------------------------------------------------------------


@pytest.mark.parametrize("caller", ["api_key", "member"])
def test_another_workspaces_contact_is_404_everywhere(
    caller: str,
    workspace: Workspace,
    foreign: Contact,
    key_client: Callable[[Workspace], APIClient],
) -> None:
    consent_grant(contact=foreign, channel="email", basis="express", source="rival_form", at=T)
    client = key_client(workspace) if caller == "api_key" else member_api_client(workspace, "owner")
    grant = {"channel": "email", "action": "revoke"}

    answers = [
        client.get(consents_url(foreign)),
        client.post(consents_url(foreign), grant, format="json"),
        client.post(f"/api/v1/contacts/{foreign.pk}/opt-out", {}, format="json"),
        client.post("/api/v1/erasures", {"contact_id": foreign.pk}, format="json"),
    ]

    assert [a.status_code for a in answers] == [404, 404, 404, 404 if caller == "member" else 403]
    for answer in answers:
        assert "rival_form" not in answer.content.decode()
    assert ConsentRecord.objects.filter(contact=foreign).count() == 1
    assert Contact.objects.filter(pk=foreign.pk).exists()
    assert Suppression.objects.count() == 0


def test_a_viewer_may_read_the_ledger_but_not_write_it(
    workspace: Workspace, contact: Contact
) -> None:
    viewer = member_api_client(workspace, "viewer")

    read = viewer.get(consents_url(contact))
    write = viewer.post(f"/api/v1/contacts/{contact.pk}/opt-out", {}, format="json")

    assert (read.status_code, write.status_code) == (200, 403)
    assert ConsentRecord.objects.count() == 0


# --- erasures --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "compliance"])
def test_a_compliance_member_erases_by_contact_id(
    role: str, workspace: Workspace, contact: Contact
) -> None:
    client = member_api_client(workspace, role)

    response = client.post(
        "/api/v1/erasures", {"contact_id": contact.pk, "reason": "art. 17 request"}, format="json"
    )

    assert response.status_code == 200, response.content
    body = response.json()
    erasure = Erasure.objects.get()
    assert body["id"] == erasure.pk
    assert body["digests"] == sorted(
        [
            suppression_digest(workspace.pk, "ana@example.com"),
            suppression_digest(workspace.pk, "+13125550123"),
        ]
    )
    assert (body["addresses"], body["source"], body["reason"]) == (2, "api", "art. 17 request")
    assert body["actor"] == erasure.actor_id is not None
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_erasing_by_email_or_phone(workspace: Workspace) -> None:
    client = member_api_client(workspace, "owner")
    by_email = ContactFactory.create(workspace=workspace, email="bo@example.com")
    by_phone = ContactFactory.create(
        workspace=workspace, email="cy@example.com", phone="+13125550199"
    )

    first = client.post("/api/v1/erasures", {"email": " BO@example.com"}, format="json")
    second = client.post("/api/v1/erasures", {"phone": "(312) 555-0199"}, format="json")

    assert (first.status_code, second.status_code) == (200, 200)
    assert not Contact.objects.filter(pk__in=[by_email.pk, by_phone.pk]).exists()
    assert Erasure.objects.count() == 2


@pytest.mark.parametrize("role", ["marketer", "viewer", "sales", "approver"])
def test_members_without_review_compliance_cannot_erase(
    role: str, workspace: Workspace, contact: Contact
) -> None:
    response = member_api_client(workspace, role).post(
        "/api/v1/erasures", {"contact_id": contact.pk}, format="json"
    )

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Erasing a person needs a member with the review_compliance permission."
    }
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_an_api_key_may_read_erasures_but_not_erase(
    api: APIClient, workspace: Workspace, contact: Contact
) -> None:
    other = ContactFactory.create(workspace=workspace, email="dee@example.com")
    erasure = contact_erase(contact=other, reason="earlier request")

    listed = api.get("/api/v1/erasures")
    one = api.get(f"/api/v1/erasures/{erasure.pk}")
    refused = api.post("/api/v1/erasures", {"contact_id": contact.pk}, format="json")

    assert listed.status_code == 200
    assert [e["id"] for e in listed.json()["results"]] == [erasure.pk]
    assert one.json()["reason"] == "earlier request"
    assert refused.status_code == 403
    assert Contact.objects.filter(pk=contact.pk).exists()


@pytest.mark.parametrize(
    ("body", "status", "errors"),
    [
        (
            {},
            400,
            {"non_field_errors": ["Name the person by exactly one of contact_id, email or phone."]},
        ),
        (
            {"contact_id": 1, "email": "a@example.com"},
            400,
            {"non_field_errors": ["Name the person by exactly one of contact_id, email or phone."]},
        ),
        ({"email": "not-an-address"}, 400, {"email": ["Enter a valid email address."]}),
        ({"contact_id": "x"}, 400, {"contact_id": ["A valid integer is required."]}),
        ({"email": "nobody@example.com"}, 404, {"detail": "No contact has this email address."}),
        ({"phone": "+13125550100"}, 404, {"detail": "No contact has this phone number."}),
        ({"contact_id": 987654321}, 404, {"detail": "No such contact."}),
    ],
)
def test_bad_erasure_requests(
    workspace: Workspace,
    contact: Contact,
    body: dict[str, Any],
    status: int,
    errors: dict[str, Any],
) -> None:
    response = member_api_client(workspace, "owner").post("/api/v1/erasures", body, format="json")

    assert response.status_code == status
    assert response.json() == errors
    assert Erasure.objects.count() == 0


def test_two_contacts_sharing_a_phone_must_be_named_by_id(
    workspace: Workspace, contact: Contact
) -> None:
    ContactFactory.create(workspace=workspace, email="spouse@example.com", phone="+13125550123")

    response = member_api_client(workspace, "owner").post(
        "/api/v1/erasures", {"phone": "+1 312 555 0123"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "phone": ["Several contacts share this phone number: name one by contact_id."]
    }


def test_erasure_then_reimport_through_the_contacts_api_stays_suppressed(
    api: APIClient, workspace: Workspace, contact: Contact
) -> None:
    member_api_client(workspace, "compliance").post(
        "/api/v1/erasures", {"contact_id": contact.pk}, format="json"
    )

    created = api.post(
        "/api/v1/contacts", {"email": "Ana@Example.com", "phone": "312-555-0123"}, format="json"
    )
    reborn = Contact.objects.get(pk=created.json()["id"])
    ledger = api.get(consents_url(reborn)).json()

    assert created.status_code == 201
    assert ledger["suppressed"] == ["*"]
    assert ledger["entries"] == []


# --- suppressions ----------------------------------------------------------------------------


def test_suppression_lookup_by_address_answers_by_hash(
    api: APIClient, workspace: Workspace, contact: Contact, foreign: Contact
) -> None:
    consent_revoke(contact=contact, channel="email", source="unsubscribe_link")
    consent_revoke(contact=contact, channel="ads", source="gpc", reason="gpc")
    consent_revoke(contact=foreign, channel="sms", source="sms_keyword", reason="stop")

    hit = api.get("/api/v1/suppressions", {"address": " ANA@example.com"})
    phone = api.get("/api/v1/suppressions", {"address": "+13125550123"})
    miss = api.get("/api/v1/suppressions", {"address": "zed@example.com"})
    everything = api.get("/api/v1/suppressions")
    blank = api.get("/api/v1/suppressions", {"address": " "})

    assert hit.status_code == 200
    body = hit.json()
    assert (body["suppressed"], body["channels"]) == (True, ["ads", "email"])
    digest = suppression_digest(workspace.pk, "ana@example.com")
    assert {(r["digest"], r["channel"]) for r in body["results"]} == {
        (digest, "email"),
        (digest, "ads"),
    }
    assert "ana@example.com" not in hit.content.decode().lower()
    # the phone was suppressed only in the other workspace (and for ads here)
    assert (phone.json()["suppressed"], phone.json()["channels"]) == (True, ["ads"])
    assert (miss.json()["suppressed"], miss.json()["channels"], miss.json()["results"]) == (
        False,
        [],
        [],
    )
    assert len(everything.json()["results"]) == 3  # email, ads for the email, ads for the phone
    assert {r["workspace"] for r in everything.json()["results"]} == {"acme"}
    assert blank.status_code == 400
    assert blank.json() == {"address": ["Give an email address or a phone."]}


def test_the_schema_describes_the_consent_routes(api: APIClient) -> None:
    schema = api.get("/api/v1/schema", {"format": "json"}).json()

    paths = schema["paths"]
    assert set(paths["/api/v1/contacts/{id}/consents"]) == {"get", "post"}
    assert set(paths["/api/v1/contacts/{id}/opt-out"]) == {"post"}
    assert set(paths["/api/v1/erasures"]) == {"get", "post"}
    assert set(paths["/api/v1/suppressions"]) == {"get"}


@pytest.mark.parametrize("caller", ["api_key", "member"])
def test_methods_a_route_does_not_have_are_405_even_on_foreign_rows(
    caller: str,
    workspace: Workspace,
    foreign: Contact,
    key_client: Callable[[Workspace], APIClient],
) -> None:
    erasure = contact_erase(
        contact=ContactFactory.create(workspace=foreign.workspace, email="x@example.com")
    )
    client = key_client(workspace) if caller == "api_key" else member_api_client(workspace, "owner")
    routes = {
        consents_url(foreign): ("put", "patch", "delete"),
        f"/api/v1/contacts/{foreign.pk}/opt-out": ("get", "put", "patch", "delete"),
        f"/api/v1/erasures/{erasure.pk}": ("put", "patch", "delete"),
    }

    for url, methods in routes.items():
        for method in methods:
            answer = getattr(client, method)(url, {}, format="json")
            assert answer.status_code == 405, (method, url, answer.status_code)
    assert client.get(f"/api/v1/erasures/{erasure.pk}").status_code == 404
    assert Erasure.objects.filter(pk=erasure.pk).exists()

"""The consent admin as workspace members use it: an append-only ledger, suppressions typed in
as addresses (and stored as hashes only), read-only erasures, and the opt-out action."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.cache import SessionStore
from django.test import Client, RequestFactory
from django.urls import reverse

from como.consent.admin import opt_out_contacts
from como.consent.hashing import suppression_digest
from como.consent.models import ConsentRecord, Erasure, Suppression
from como.consent.selectors import contact_consent_now
from como.consent.services import consent_grant, consent_revoke, contact_erase, suppression_add
from como.leads.models import Contact
from como.workspaces.models import Workspace
from tests.factories import ContactFactory, MembershipFactory, UserFactory, member_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

T = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def contact(workspace: Workspace) -> Contact:
    return ContactFactory.create(workspace=workspace, email="ana@example.com", phone="+13125550123")


def ledger_add(client: Client, **fields: Any) -> Any:
    data = {
        "channel": "email",
        "action": "grant",
        "basis": "",
        "jurisdiction": "",
        "source": "phone_call",
        "wording": "",
        "ip": "",
        "user_agent": "",
        "at_0": "2026-03-01",
        "at_1": "12:00:00",
    }
    data.update(fields)
    return client.post(reverse("admin:consent_consentrecord_add"), data)


def test_adding_a_ledger_entry_appends_through_the_service(
    workspace: Workspace, contact: Contact
) -> None:
    client = member_client(workspace, "marketer")

    response = ledger_add(
        client,
        contact=contact.pk,
        basis="implied_purchase",
        jurisdiction="CA",
        wording="Bought a 2024 Civic",
    )

    assert response.status_code == 302, response.context and response.context["adminform"].errors
    record = ConsentRecord.objects.get()
    assert (record.contact_id, record.channel, record.action, record.basis) == (
        contact.pk,
        "email",
        "grant",
        "implied_purchase",
    )
    assert (record.at, record.expires_at) == (T, T.replace(year=T.year + 2))
    assert record.recorded_by is not None
    assert record.recorded_by.username == "marketer-of-acme"
    assert LogEntry.objects.get().object_id == str(record.pk)


def test_a_revocation_added_in_the_admin_suppresses(workspace: Workspace, contact: Contact) -> None:
    response = ledger_add(member_client(workspace, "owner"), contact=contact.pk, action="revoke")

    assert response.status_code == 302
    assert list(Suppression.objects.values_list("digest", "channel", "reason")) == [
        (suppression_digest(workspace.pk, "ana@example.com"), "email", "admin")
    ]


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"basis": ""}, {"basis": ["A grant needs its legal basis."]}),
        ({"action": "revoke", "basis": "express"}, {"basis": ["A revocation has no basis."]}),
        (
            {"basis": "express", "at_0": "2099-01-01"},
            {"at": ["Consent cannot be given in the future."]},
        ),
        ({"basis": "express", "ip": "not-an-ip"}, {"ip": ["Enter a valid IPv4 or IPv6 address."]}),
    ],
)
def test_bad_ledger_entries_are_form_errors(
    workspace: Workspace, contact: Contact, fields: dict[str, str], errors: dict[str, list[str]]
) -> None:
    response = ledger_add(member_client(workspace), contact=contact.pk, **fields)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == errors
    assert ConsentRecord.objects.count() == 0


def test_a_foreign_contact_cannot_be_chosen(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    foreign = ContactFactory.create(workspace=other_workspace)

    response = ledger_add(member_client(workspace), contact=foreign.pk, basis="express")

    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["contact"]
    assert ConsentRecord.objects.count() == 0


def test_a_viewer_cannot_add_and_nobody_changes_or_deletes_entries(
    workspace: Workspace, contact: Contact
) -> None:
    record = consent_grant(contact=contact, channel="sms", basis="express", source="form", at=T)
    owner = member_client(workspace, "owner")
    viewer = member_client(workspace, "viewer")
    change = reverse("admin:consent_consentrecord_change", args=[record.pk])
    delete = reverse("admin:consent_consentrecord_delete", args=[record.pk])

    listed = owner.get(reverse("admin:consent_consentrecord_changelist"))
    page = owner.get(change)

    assert listed.status_code == 200
    assert [r.pk for r in listed.context["cl"].result_list] == [record.pk]
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert '<input type="submit"' not in page.content.decode()
    assert owner.post(change, {"channel": "email"}).status_code == 403
    assert owner.post(delete, {"post": "yes"}).status_code == 403
    assert ledger_add(viewer, contact=contact.pk, basis="express").status_code == 403
    assert list(ConsentRecord.objects.values_list("pk", "channel")) == [(record.pk, "sms")]


# --- suppressions ----------------------------------------------------------------------------


def test_a_suppression_is_added_by_address_and_only_its_hash_is_kept(
    workspace: Workspace,
) -> None:
    client = member_client(workspace, "marketer")

    response = client.post(
        reverse("admin:consent_suppression_add"),
        {
            "workspace": workspace.pk,
            "address": " Zed@Example.com ",
            "channel": "*",
            "reason": "admin",
        },
    )

    assert response.status_code == 302
    suppression = Suppression.objects.get()
    assert (suppression.digest, suppression.channel, suppression.reason) == (
        suppression_digest(workspace.pk, "zed@example.com"),
        "*",
        "admin",
    )
    log = LogEntry.objects.get()
    assert log.object_id == str(suppression.pk)
    for stored in (
        str(Suppression.objects.values().get()),
        log.object_repr,
        log.change_message,
    ):
        assert "zed" not in stored.lower()
    page = client.get(reverse("admin:consent_suppression_change", args=[suppression.pk]))
    assert page.status_code == 200
    assert suppression.digest in page.content.decode()


def test_adding_an_address_twice_keeps_one_entry(workspace: Workspace) -> None:
    client = member_client(workspace, "marketer")
    data = {"workspace": workspace.pk, "address": "+1 312 555 0100", "channel": "sms"}

    client.post(reverse("admin:consent_suppression_add"), {**data, "reason": "admin"})
    client.post(reverse("admin:consent_suppression_add"), {**data, "reason": "stop"})

    assert list(Suppression.objects.values_list("digest", "reason")) == [
        (suppression_digest(workspace.pk, "+13125550100"), "admin")
    ]


def test_only_compliance_may_lift_a_suppression_and_never_an_erasure(
    workspace: Workspace, contact: Contact
) -> None:
    consent_revoke(contact=contact, channel="email", source="unsubscribe_link")
    unsubscribed = Suppression.objects.get()
    other = ContactFactory.create(workspace=workspace, email="gone@example.com")
    contact_erase(contact=other)
    erased = Suppression.objects.get(reason="erased")
    compliance = member_client(workspace, "compliance")
    marketer = member_client(workspace, "marketer")

    def delete(client: Client, suppression: Suppression) -> int:
        url = reverse("admin:consent_suppression_delete", args=[suppression.pk])
        return client.post(url, {"post": "yes"}).status_code

    assert delete(marketer, unsubscribed) == 403
    assert delete(compliance, erased) == 403
    assert delete(compliance, unsubscribed) == 302
    assert list(Suppression.objects.values_list("pk", flat=True)) == [erased.pk]


# --- erasures --------------------------------------------------------------------------------


def test_erasures_are_read_only(workspace: Workspace, contact: Contact) -> None:
    erasure = contact_erase(contact=contact, reason="ticket 9")
    owner = member_client(workspace, "owner")
    change = reverse("admin:consent_erasure_change", args=[erasure.pk])

    listed = owner.get(reverse("admin:consent_erasure_changelist"))

    assert [e.pk for e in listed.context["cl"].result_list] == [erasure.pk]
    assert "ticket 9" in listed.content.decode()
    assert owner.get(change).status_code == 200
    assert owner.get(reverse("admin:consent_erasure_add")).status_code == 403
    assert owner.post(change, {"reason": "edited"}).status_code == 403
    delete = reverse("admin:consent_erasure_delete", args=[erasure.pk])
    assert owner.post(delete, {"post": "yes"}).status_code == 403
    assert Erasure.objects.get().reason == "ticket 9"


# --- the opt-out action for the contact admin ------------------------------------------------


def _admin_request(user: Any) -> Any:
    request = RequestFactory().post("/admin/leads/contact/")
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    return request


def test_the_opt_out_action_revokes_every_channel_where_the_member_may_write(
    workspace: Workspace, other_workspace: Workspace, contact: Contact
) -> None:
    for channel in ("email", "sms", "phone", "ads"):
        consent_grant(contact=contact, channel=channel, basis="express", source="form", at=T)
    read_only = ContactFactory.create(workspace=other_workspace, email="ro@example.com")
    user = UserFactory.create(username="mia")
    MembershipFactory.create(workspace=workspace, user=user, role="marketer")
    MembershipFactory.create(workspace=other_workspace, user=user, role="viewer")
    request = _admin_request(user)
    contact_admin = admin.site._registry[Contact]

    opt_out_contacts(
        contact_admin, request, Contact.objects.filter(pk__in=[contact.pk, read_only.pk])
    )

    state = contact_consent_now(contact=contact)
    assert {channel: s.revoked for channel, s in state.items()} == dict.fromkeys(
        ("email", "sms", "phone", "ads"), True
    )
    assert set(
        ConsentRecord.objects.filter(action="revoke").values_list("source", "recorded_by")
    ) == {("admin", user.pk)}
    assert not ConsentRecord.objects.filter(contact=read_only).exists()
    assert [str(m) for m in get_messages(request)] == [
        "Opted 1 contact(s) out of every channel.",
        "1 contact(s) skipped: you may not change their workspace's data.",
    ]
    assert opt_out_contacts.allowed_permissions == ["change"]  # type: ignore[attr-defined]


def test_an_erasure_takes_over_an_admin_suppression_of_the_same_address(
    workspace: Workspace,
) -> None:
    """The address was suppressed everywhere by a member first; erasing the person makes that
    entry an erasure's, which nobody may lift."""
    person = ContactFactory.create(workspace=workspace, email="gone@example.com")
    suppression_add(
        workspace_id=workspace.pk, address="gone@example.com", channel="*", reason="admin"
    )

    erasure = contact_erase(contact=person)

    entry = Suppression.objects.get(workspace=workspace, channel="*")
    assert entry.reason == "erased"
    assert erasure.digests == [entry.digest]
    url = reverse("admin:consent_suppression_delete", args=[entry.pk])
    assert member_client(workspace, "compliance").post(url, {"post": "yes"}).status_code == 403

"""Contacts through the API: normalisation, field errors, uniqueness, filters, the timeline."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

from como.leads.models import Contact, ContactScore, Event
from como.workspaces.models import Workspace
from tests.factories import (
    AccountFactory,
    ContactFactory,
    EventFactory,
    MembershipFactory,
    UserFactory,
    WorkspaceFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

T0 = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)


def collect(api: APIClient, url: str) -> list[dict[str, Any]]:
    """Every result of a cursor-paginated list, following ``next`` links."""
    results: list[dict[str, Any]] = []
    next_url: str | None = url
    while next_url:
        response = api.get(next_url)
        assert response.status_code == 200, response.content
        results.extend(response.json()["results"])
        next_url = response.json()["next"]
    return results


def test_create_normalises_email_and_phone(api: APIClient, workspace: Workspace) -> None:
    response = api.post(
        "/api/v1/contacts",
        {
            "email": "  Ana.Silva@Example.COM ",
            "phone": "(312) 555-0123",
            "first_name": "Ana",
            "last_name": "Silva",
            "country": "us",
            "attributes": {"preferred_make": "Volvo"},
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "ana.silva@example.com"
    assert body["phone"] == "+13125550123"
    assert body["country"] == "US"
    assert body["workspace"] == "acme"
    assert body["lifecycle_stage"] == "subscriber"
    assert body["last_seen_at"] is None
    stored = Contact.objects.get(pk=body["id"])
    assert (stored.workspace_id, stored.email, stored.phone) == (
        workspace.pk,
        "ana.silva@example.com",
        "+13125550123",
    )
    assert stored.attributes == {"preferred_make": "Volvo"}


def test_phone_without_country_code_is_read_in_the_workspace_country(
    db: Any, key_client: Callable[[Workspace], APIClient]
) -> None:
    london = WorkspaceFactory.create(slug="london", country="GB", time_zone="Europe/London")

    response = key_client(london).post(
        "/api/v1/contacts", {"email": "tom@example.co.uk", "phone": "020 7946 0958"}, format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["phone"] == "+442079460958"


def test_the_workspace_comes_from_the_key_not_the_body(
    api: APIClient, workspace: Workspace, other_workspace: Workspace
) -> None:
    response = api.post(
        "/api/v1/contacts",
        {"email": "ana@example.com", "workspace": other_workspace.slug},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["workspace"] == "acme"
    assert Contact.objects.get(email="ana@example.com").workspace_id == workspace.pk
    assert not Contact.objects.filter(workspace=other_workspace).exists()


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"phone": "12"}, "phone", "'12' is not a valid phone number."),
        (
            {"phone": "call me"},
            "phone",
            "'call me' is not a phone number: (1) The string supplied did not seem to be a "
            "phone number.",
        ),
        ({"email": "ana@"}, "email", "Enter a valid email address."),
        ({"country": "XX"}, "country", "'XX' is not an ISO 3166-1 alpha-2 country code."),
        ({"country": "USA"}, "country", "Ensure this field has no more than 2 characters."),
        (
            {"attributes": ["vip"]},
            "attributes",
            "Attributes must be a JSON object, not list.",
        ),
        (
            # Refused by the API's parser (como.jsonsafe), which names the value's path.
            {"attributes": {"note": "a\u0000b"}},
            "attributes.note",
            "Null characters are not allowed.",
        ),
        ({"lifecycle_stage": "hot"}, "lifecycle_stage", '"hot" is not a valid choice.'),
        ({"company_size": -3}, "company_size", "Ensure this value is greater than or equal to 0."),
    ],
)
def test_bad_input_is_a_400_keyed_by_field(
    api: APIClient, payload: dict[str, Any], field: str, message: str
) -> None:
    response = api.post("/api/v1/contacts", {"email": "ok@example.com", **payload}, format="json")

    assert response.status_code == 400
    assert response.json() == {field: [message]}
    assert not Contact.objects.exists()


def test_every_bad_field_is_reported_at_once(api: APIClient) -> None:
    response = api.post(
        "/api/v1/contacts",
        {"email": "nope", "phone": "12", "country": "ZZ", "attributes": "x"},
        format="json",
    )

    assert response.status_code == 400
    assert sorted(response.json()) == ["attributes", "country", "email", "phone"]


def test_duplicate_email_is_a_field_error(api: APIClient, workspace: Workspace) -> None:
    ContactFactory.create(workspace=workspace, email="ana@example.com")

    response = api.post("/api/v1/contacts", {"email": "ANA@example.com"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"email": ["Another contact in this workspace has this email."]}
    assert Contact.objects.filter(workspace=workspace).count() == 1


def test_duplicate_external_id_is_a_field_error(api: APIClient, workspace: Workspace) -> None:
    ContactFactory.create(workspace=workspace, external_id="crm-1")

    response = api.post(
        "/api/v1/contacts", {"email": "new@example.com", "external_id": "crm-1"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "external_id": ["Another contact in this workspace has this external id."]
    }


def test_the_same_email_may_live_in_two_workspaces(
    api: APIClient, other_workspace: Workspace
) -> None:
    ContactFactory.create(workspace=other_workspace, email="ana@example.com")

    response = api.post("/api/v1/contacts", {"email": "ana@example.com"}, format="json")

    assert response.status_code == 201
    assert Contact.objects.filter(email="ana@example.com").count() == 2


def test_an_account_of_another_workspace_cannot_be_attached(
    api: APIClient, other_workspace: Workspace
) -> None:
    foreign = AccountFactory.create(workspace=other_workspace)

    response = api.post(
        "/api/v1/contacts", {"email": "ana@example.com", "account": foreign.pk}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"account": [f'Invalid pk "{foreign.pk}" - object does not exist.']}


def test_retrieve_update_and_delete(api: APIClient, workspace: Workspace) -> None:
    account = AccountFactory.create(workspace=workspace, name="Acme Corp")
    contact = ContactFactory.create(workspace=workspace, email="ana@example.com")
    url = f"/api/v1/contacts/{contact.pk}"

    assert api.get(url).json()["email"] == "ana@example.com"

    patched = api.patch(
        url,
        {"phone": "+1 312-555-0199", "lifecycle_stage": "mql", "account": account.pk},
        format="json",
    )
    assert patched.status_code == 200, patched.content
    assert (patched.json()["phone"], patched.json()["lifecycle_stage"]) == ("+13125550199", "mql")
    assert patched.json()["account"] == account.pk
    assert patched.json()["email"] == "ana@example.com"  # untouched by a PATCH

    replaced = api.put(url, {"email": "Ana@New.example.com", "first_name": "Ana"}, format="json")
    assert replaced.status_code == 200, replaced.content
    assert replaced.json()["email"] == "ana@new.example.com"

    contact.refresh_from_db()
    assert (contact.email, contact.phone, contact.first_name) == (
        "ana@new.example.com",
        "+13125550199",
        "Ana",
    )

    assert api.delete(url).status_code == 204
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert api.get(url).status_code == 404


def test_update_to_another_contacts_email_is_a_field_error(
    api: APIClient, workspace: Workspace
) -> None:
    ContactFactory.create(workspace=workspace, email="taken@example.com")
    contact = ContactFactory.create(workspace=workspace, email="ana@example.com")

    response = api.patch(
        f"/api/v1/contacts/{contact.pk}", {"email": "Taken@Example.com"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"email": ["Another contact in this workspace has this email."]}
    contact.refresh_from_db()
    assert contact.email == "ana@example.com"


def test_keeping_ones_own_email_is_not_a_duplicate(api: APIClient, workspace: Workspace) -> None:
    contact = ContactFactory.create(workspace=workspace, email="ana@example.com")

    response = api.patch(
        f"/api/v1/contacts/{contact.pk}",
        {"email": "ANA@example.com", "title": "CTO"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["title"] == "CTO"


@pytest.mark.parametrize("pk", ["abc", "99999999999999999999", "0"])
def test_ids_that_cannot_exist_are_404(api: APIClient, pk: str) -> None:
    assert api.get(f"/api/v1/contacts/{pk}").status_code == 404


def test_filters(api: APIClient, workspace: Workspace) -> None:
    account = AccountFactory.create(workspace=workspace)
    ana = ContactFactory.create(
        workspace=workspace, email="ana@example.com", external_id="crm-1", account=account
    )
    bob = ContactFactory.create(workspace=workspace, email="bob@example.com", lifecycle_stage="mql")
    ContactFactory.create(workspace=workspace, email="cy@example.com")

    def ids(query: str) -> list[int]:
        response = api.get(f"/api/v1/contacts?{query}")
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids("email=%20Ana@EXAMPLE.com%20") == [ana.pk]
    assert ids("external_id=crm-1") == [ana.pk]
    assert ids("lifecycle_stage=mql") == [bob.pk]
    assert ids(f"account={account.pk}") == [ana.pk]
    assert ids("email=nobody@example.com") == []
    assert api.get("/api/v1/contacts?lifecycle_stage=hot").status_code == 400
    assert api.get("/api/v1/contacts?account=1.5").status_code == 400


def test_ordering_by_last_seen_pages_through_never_seen_contacts(
    api: APIClient, workspace: Workspace
) -> None:
    # 130 contacts across two pages; a third were never seen (last_seen_at is null), so the
    # cursor has to cross from seen to never-seen rows.
    contacts = Contact.objects.bulk_create(
        Contact(workspace=workspace, email=f"p{n}@example.com") for n in range(130)
    )
    for n, contact in enumerate(contacts):
        if n % 3:
            ContactScore.objects.filter(contact=contact).update(
                last_seen_at=T0 + timedelta(minutes=n % 7)
            )

    newest_first = collect(api, "/api/v1/contacts?ordering=-last_seen_at")
    oldest_first = collect(api, "/api/v1/contacts?ordering=last_seen_at")

    never = datetime(1970, 1, 1, tzinfo=UTC)

    def key(contact: Contact) -> tuple[datetime, int]:
        return (contact.score.last_seen_at or never, contact.pk)

    expected = [c.pk for c in sorted(contacts, key=key, reverse=True)]
    assert [row["id"] for row in newest_first] == expected
    assert [row["id"] for row in oldest_first] == expected[::-1]


def test_default_order_is_newest_first_across_pages(api: APIClient, workspace: Workspace) -> None:
    contacts = Contact.objects.bulk_create(
        Contact(workspace=workspace, email=f"p{n}@example.com") for n in range(105)
    )

    rows = collect(api, "/api/v1/contacts")

    # bulk_create gives every row the same created_at; the id breaks the tie.
    assert [row["id"] for row in rows] == sorted((c.pk for c in contacts), reverse=True)


def test_unknown_ordering_falls_back_to_the_default(api: APIClient, workspace: Workspace) -> None:
    first = ContactFactory.create(workspace=workspace)
    second = ContactFactory.create(workspace=workspace)

    response = api.get("/api/v1/contacts?ordering=email")

    assert [row["id"] for row in response.json()["results"]] == [second.pk, first.pk]


def test_events_route_lists_the_contacts_timeline_newest_first(
    api: APIClient, workspace: Workspace
) -> None:
    contact = ContactFactory.create(workspace=workspace)
    other = ContactFactory.create(workspace=workspace)
    first = EventFactory.create(contact=contact, event_id="e-1", occurred_at=T0, type="page_view")
    third = EventFactory.create(
        contact=contact,
        event_id="e-3",
        occurred_at=T0 + timedelta(hours=2),
        type="form_submitted",
        utm_source="google",
        utm_campaign="spring",
    )
    second = EventFactory.create(
        contact=contact, event_id="e-2", occurred_at=T0 + timedelta(hours=1)
    )
    EventFactory.create(contact=other, event_id="e-other", occurred_at=T0 + timedelta(hours=5))

    response = api.get(f"/api/v1/contacts/{contact.pk}/events")

    assert response.status_code == 200
    body = response.json()
    assert [row["id"] for row in body["results"]] == ["e-3", "e-2", "e-1"]
    assert body["next"] is None
    assert body["results"][0] == {
        "id": "e-3",
        "contact": contact.pk,
        "type": "form_submitted",
        "occurred_at": "2026-01-01T12:00:00Z",
        "received_at": "2026-01-01T10:00:01Z",
        "source": "api",
        "properties": {"path": "/pricing"},
        "utm": {"source": "google", "campaign": "spring"},
    }
    assert {first.pk, second.pk, third.pk} == set(
        Event.objects.filter(contact=contact).values_list("pk", flat=True)
    )


def test_events_route_is_paginated(api: APIClient, workspace: Workspace) -> None:
    contact = ContactFactory.create(workspace=workspace)
    Event.objects.bulk_create(
        Event(
            workspace=workspace,
            contact=contact,
            event_id=f"e-{n:03d}",
            type="page_view",
            occurred_at=T0 + timedelta(minutes=n // 2),  # pairs share a timestamp
            received_at=T0,
        )
        for n in range(150)
    )

    first_page = api.get(f"/api/v1/contacts/{contact.pk}/events").json()
    rows = collect(api, f"/api/v1/contacts/{contact.pk}/events")

    assert len(first_page["results"]) == 100
    assert first_page["next"] is not None
    assert len(rows) == 150
    assert [row["id"] for row in rows] == [f"e-{n:03d}" for n in range(149, -1, -1)]


def test_events_route_ignores_contact_filters(api: APIClient, workspace: Workspace) -> None:
    contact = ContactFactory.create(workspace=workspace, email="ana@example.com")
    EventFactory.create(contact=contact)

    response = api.get(f"/api/v1/contacts/{contact.pk}/events?email=someone@example.com")

    assert response.status_code == 200
    assert len(response.json()["results"]) == 1


def test_a_member_of_two_workspaces_names_the_one_to_write_to(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    user = UserFactory.create(username="two-hats")
    MembershipFactory.create(workspace=workspace, user=user, role="marketer")
    MembershipFactory.create(workspace=other_workspace, user=user, role="marketer")
    rival_account = AccountFactory.create(workspace=other_workspace)
    client = APIClient()
    client.force_login(user)

    unnamed = client.post("/api/v1/contacts", {"email": "ana@example.com"}, format="json")
    named = client.post(
        "/api/v1/contacts",
        {"email": "ana@example.com"},
        format="json",
        HTTP_X_COMO_WORKSPACE="rival",
    )
    mismatched = client.post(
        "/api/v1/contacts",
        {"email": "bob@example.com", "account": rival_account.pk},
        format="json",
        HTTP_X_COMO_WORKSPACE="acme",
    )

    assert unnamed.status_code == 400
    assert unnamed.json() == {
        "workspace": ["You belong to several workspaces; name one in the X-Como-Workspace header."]
    }
    assert named.status_code == 201
    assert named.json()["workspace"] == "rival"
    assert mismatched.status_code == 400
    assert mismatched.json() == {"account": ["This account belongs to another workspace."]}
    assert [row["workspace"] for row in client.get("/api/v1/contacts").json()["results"]] == [
        "rival"
    ]


def test_a_viewer_may_read_but_not_write(workspace: Workspace) -> None:
    user = UserFactory.create(username="looker")
    MembershipFactory.create(workspace=workspace, user=user, role="viewer")
    contact = ContactFactory.create(workspace=workspace)
    client = APIClient()
    client.force_login(user)

    assert client.get(f"/api/v1/contacts/{contact.pk}").status_code == 200
    assert client.post("/api/v1/contacts", {"email": "x@example.com"}).status_code == 403
    assert client.patch(f"/api/v1/contacts/{contact.pk}", {"title": "x"}).status_code == 403
    assert client.delete(f"/api/v1/contacts/{contact.pk}").status_code == 403

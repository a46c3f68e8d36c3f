"""The leads admin as a workspace member (not a superuser) uses it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from como import verticals
from como.leads.admin import TIMELINE_LIMIT
from como.leads.models import Contact, Event
from como.workspaces.models import Workspace
from tests.factories import (
    AccountFactory,
    AnonymousIdFactory,
    ContactFactory,
    EventFactory,
    MembershipFactory,
    UserFactory,
    WorkspaceFactory,
    member_client,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

T0 = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)
# The anonymous-id inline is on every contact form; an empty one still needs its management form.
#: the management forms of the contact page's inlines, as a browser posts them
INLINE = {
    "anonymous_ids-TOTAL_FORMS": "0",
    "anonymous_ids-INITIAL_FORMS": "0",
    "transitions-TOTAL_FORMS": "0",
    "transitions-INITIAL_FORMS": "0",
    "sequence_memberships-TOTAL_FORMS": "0",
    "sequence_memberships-INITIAL_FORMS": "0",
    "vehicle_ownerships-TOTAL_FORMS": "0",
    "vehicle_ownerships-INITIAL_FORMS": "0",
    "committee_member-TOTAL_FORMS": "0",
    "committee_member-INITIAL_FORMS": "0",
    "opportunities-TOTAL_FORMS": "0",
    "opportunities-INITIAL_FORMS": "0",
}


def test_contact_changelist_search_and_stage_filter(workspace: Workspace) -> None:
    client = member_client(workspace)
    ContactFactory.create(
        workspace=workspace,
        email="ana@example.com",
        first_name="Ana",
        last_name="Silva",
        lifecycle_stage="mql",
        last_seen_at=T0,
    )
    ContactFactory.create(workspace=workspace, email="bob@example.com", first_name="Bob")
    url = reverse("admin:leads_contact_changelist")

    page = client.get(url)
    assert page.status_code == 200
    assert page.context["cl"].list_display == [
        "action_checkbox",
        "email",
        "full_name",
        "lifecycle_stage",
        "score_now",  # added by scoring, which takes over this admin
        "last_seen_at",
        "workspace",
    ]
    assert page.context["cl"].result_count == 2
    assert "Ana Silva" in page.content.decode()

    found = client.get(url, {"q": "silva"})
    assert [c.email for c in found.context["cl"].result_list] == ["ana@example.com"]

    mqls = client.get(url, {"lifecycle_stage__exact": "mql"})
    assert [c.email for c in mqls.context["cl"].result_list] == ["ana@example.com"]


def test_contact_page_shows_the_latest_events_and_anonymous_ids(workspace: Workspace) -> None:
    client = member_client(workspace, role="viewer")
    contact = ContactFactory.create(workspace=workspace, email="ana@example.com")
    AnonymousIdFactory.create(contact=contact, value="cookie-7f3a")
    Event.objects.bulk_create(
        Event(
            workspace=workspace,
            contact=contact,
            event_id=f"e-{n:02d}",
            type="page_view",
            occurred_at=T0 + timedelta(minutes=n),
            received_at=T0,
        )
        for n in range(60)
    )

    page = client.get(reverse("admin:leads_contact_change", args=[contact.pk]))

    assert page.status_code == 200
    timeline = page.context["timeline"]
    assert [e.event_id for e in timeline] == [
        f"e-{n:02d}" for n in range(59, 59 - TIMELINE_LIMIT, -1)
    ]
    assert page.context["timeline_total"] == 60
    html = page.content.decode()
    assert "Event timeline — latest 50 of 60" in html
    assert f"?contact__id__exact={contact.pk}" in html
    assert "cookie-7f3a" in html
    # a viewer sees the page read-only
    assert page.context["has_change_permission"] is False


def test_contact_page_without_events(workspace: Workspace) -> None:
    client = member_client(workspace)
    contact = ContactFactory.create(workspace=workspace)

    page = client.get(reverse("admin:leads_contact_change", args=[contact.pk]))

    assert page.context["timeline"] == []
    assert "No events yet." in page.content.decode()


def test_adding_a_contact_goes_through_the_service(workspace: Workspace) -> None:
    client = member_client(workspace)

    response = client.post(
        reverse("admin:leads_contact_add"),
        {
            "workspace": workspace.pk,
            "email": " Ana@Example.COM ",
            "phone": "(312) 555-0123",
            "lifecycle_stage": "lead",
            "country": "us",
            "attributes": "{}",
            **INLINE,
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    contact = Contact.objects.get()
    assert (contact.workspace_id, contact.email, contact.phone, contact.country) == (
        workspace.pk,
        "ana@example.com",
        "+13125550123",
        "US",
    )


def test_admin_form_errors_are_the_services_messages(workspace: Workspace) -> None:
    client = member_client(workspace)
    ContactFactory.create(workspace=workspace, email="ana@example.com")

    response = client.post(
        reverse("admin:leads_contact_add"),
        {
            "workspace": workspace.pk,
            "email": "ANA@example.com",
            "phone": "12",
            "lifecycle_stage": "lead",
            "attributes": "[]",
            **INLINE,
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "email": ["Another contact in this workspace has this email."],
        "phone": ["'12' is not a valid phone number."],
        "attributes": ["Must be a JSON object, not list."],
    }
    assert Contact.objects.count() == 1


def test_changing_a_contact_goes_through_the_service(workspace: Workspace) -> None:
    client = member_client(workspace)
    contact = ContactFactory.create(workspace=workspace, email="ana@example.com")

    response = client.post(
        reverse("admin:leads_contact_change", args=[contact.pk]),
        {
            "email": "ana@example.com",
            "phone": "+1 312 555 0199",
            "lifecycle_stage": "sql",
            "attributes": '{"vip": true}',
            **INLINE,
        },
    )

    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.phone, contact.lifecycle_stage, contact.attributes) == (
        "+13125550199",
        "sql",
        {"vip": True},
    )
    assert contact.workspace_id == workspace.pk


def test_account_page_lists_its_contacts_read_only(workspace: Workspace) -> None:
    client = member_client(workspace)
    account = AccountFactory.create(workspace=workspace, name="Acme Corp")
    ContactFactory.create(workspace=workspace, account=account, email="cto@acme.example")
    ContactFactory.create(workspace=workspace, email="elsewhere@example.com")

    page = client.get(reverse("admin:leads_account_change", args=[account.pk]))

    assert page.status_code == 200
    # Its contacts; a vertical may add inlines of its own (the B2B intent timeline).
    (inline,) = [i for i in page.context["inline_admin_formsets"] if i.opts.model is Contact]
    assert [form.original.email for form in inline] == ["cto@acme.example"]
    assert inline.has_add_permission is False
    assert inline.has_change_permission is False
    assert inline.has_delete_permission is False


def test_events_are_read_only_and_filterable_by_type(workspace: Workspace) -> None:
    client = member_client(workspace, role="owner")
    contact = ContactFactory.create(workspace=workspace)
    view = EventFactory.create(contact=contact, type="page_view")
    EventFactory.create(contact=contact, type="form_submitted")
    url = reverse("admin:leads_event_changelist")

    page = client.get(url)
    assert page.status_code == 200
    assert page.context["cl"].result_count == 2
    assert page.context["has_add_permission"] is False

    page_views = client.get(url, {"type": "page_view"})
    assert [e.pk for e in page_views.context["cl"].result_list] == [view.pk]

    detail = client.get(reverse("admin:leads_event_change", args=[view.pk]))
    assert detail.status_code == 200
    assert detail.context["has_change_permission"] is False
    assert client.post(reverse("admin:leads_event_change", args=[view.pk]), {}).status_code == 403
    assert client.get(reverse("admin:leads_event_add")).status_code == 403
    assert client.get(reverse("admin:leads_event_delete", args=[view.pk])).status_code == 403


def test_contacts_list_most_recently_seen_first_and_never_seen_last(
    workspace: Workspace,
) -> None:
    client = member_client(workspace)
    never = ContactFactory.create(workspace=workspace, email="never@example.com")
    old = ContactFactory.create(workspace=workspace, last_seen_at=T0)
    new = ContactFactory.create(workspace=workspace, last_seen_at=T0 + timedelta(days=1))

    page = client.get(reverse("admin:leads_contact_changelist"))

    assert [c.pk for c in page.context["cl"].result_list] == [new.pk, old.pk, never.pk]


def test_event_type_filter_offers_the_workspaces_vertical_types(workspace: Workspace) -> None:
    client = member_client(workspace)
    EventFactory.create(contact=ContactFactory.create(workspace=workspace), type="custom_ping")

    page = client.get(reverse("admin:leads_event_changelist"))
    (type_filter,) = (f for f in page.context["cl"].filter_specs if f.title == "type")
    offered = [choice["display"] for choice in type_filter.choices(page.context["cl"])][1:]
    custom = client.get(reverse("admin:leads_event_changelist"), {"type": "custom_ping"})

    assert offered == sorted(verticals.get("b2b").event_types)
    assert [e.type for e in custom.context["cl"].result_list] == ["custom_ping"]


def test_workspace_filter_offers_only_the_callers_workspaces(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    user = UserFactory.create(username="two-hats")
    MembershipFactory.create(workspace=workspace, user=user, role="viewer")
    third = WorkspaceFactory.create(slug="third")
    MembershipFactory.create(workspace=third, user=user, role="viewer")
    client = Client()
    client.force_login(user)

    page = client.get(reverse("admin:leads_contact_changelist"))
    (workspace_filter,) = (f for f in page.context["cl"].filter_specs if f.title == "workspace")

    assert sorted(name for _, name in workspace_filter.lookup_choices) == [
        "Workspace acme",
        "Workspace third",
    ]

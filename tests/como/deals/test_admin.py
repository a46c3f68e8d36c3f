"""The deals in the admin: the opportunity's page with its history, and the person's deals on
the contact's page (the leads' contact_inlines hook)."""

from __future__ import annotations

import pytest

from como.deals.services import opportunities_save
from como.leads.models import Contact
from como.workspaces.models import Workspace
from tests.factories import member_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


def test_the_contact_page_lists_the_persons_deals(workspace: Workspace) -> None:
    (outcome,) = opportunities_save(
        workspace=workspace,
        via="api",
        items=[
            {
                "external_id": "SF-0061",
                "name": "Umbrella expansion",
                "contact": {"email": "eve@umbrella.example"},
                "status": "won",
                "stage": "Closed Won",
                "amount": "7250",
                "opened_at": "2026-05-01T10:00:00Z",
                "closed_at": "2026-06-01T10:00:00Z",
            }
        ],
    )
    contact = Contact.objects.get(email="eve@umbrella.example")
    client = member_client(workspace)
    page = client.get(f"/admin/leads/contact/{contact.pk}/change/").content.decode()
    assert "SF-0061" in page
    assert "Umbrella expansion" in page
    detail = client.get(f"/admin/deals/opportunity/{outcome.id}/change/")
    assert detail.status_code == 200
    assert "Closed Won" in detail.content.decode()

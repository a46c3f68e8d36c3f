"""Admin actions posted with ids that are no primary key (the probe after issue 10):
``delete_selected`` with ``_selected_action=abc`` was a 500 on every change list, third-party
ones included (Django filters ``pk__in`` with whatever was posted). The admin site's mixin
(``como/workspaces/admin_changelist.py``) refuses them with a message; nothing changes."""

from __future__ import annotations

import pytest
from django.test import Client

from como.leads.models import Contact
from como.workspaces.models import Workspace
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _superuser_client() -> Client:
    client = Client()
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("selected", [["abc"], ["1", "%00"], ["1.5"], [""]])
def test_an_action_on_ids_that_are_no_primary_key_changes_nothing(
    workspace: Workspace, selected: list[str]
) -> None:
    """``delete_selected`` with ``_selected_action=abc`` was a 500 on every list, the
    third-party ones included; now the list answers with a message and nothing changes."""
    contact = Contact.objects.create(workspace=workspace, email="a@example.com")
    client = _superuser_client()
    pages = ["/admin/leads/contact/", "/admin/auth/user/", "/admin/auth/group/"]
    for page in pages:
        response = client.post(
            page,
            {"action": "delete_selected", "index": "0", "_selected_action": selected},
            follow=True,
        )
        assert response.status_code == 200, (page, response.status_code)
        assert "Those items cannot be selected" in response.content.decode()
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_an_action_on_valid_ids_still_runs(workspace: Workspace) -> None:
    contact = Contact.objects.create(workspace=workspace, email="a@example.com")
    client = _superuser_client()
    response = client.post(
        "/admin/leads/contact/",
        {"action": "delete_selected", "index": "0", "_selected_action": [str(contact.pk)]},
    )
    assert response.status_code == 200
    assert "admin/delete_selected_confirmation.html" in [t.name for t in response.templates]
    assert contact.email.encode() in response.content

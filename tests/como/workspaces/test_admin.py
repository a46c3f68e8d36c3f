"""The workspaces admin: API keys are shown once; members work only in their workspaces."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from como.workspaces.models import ApiKey, Workspace
from como.workspaces.services import membership_add
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

KEY = re.compile(r"como_[A-Za-z0-9_\-]{43}")


def login(**fields: object) -> tuple[Client, object]:
    user = UserFactory.create(**fields)
    client = Client()
    client.force_login(user)
    return client, user


def test_creating_an_api_key_shows_it_once(workspace: Workspace) -> None:
    client, admin_user = login(username="root", is_superuser=True)

    response = client.post(
        reverse("admin:workspaces_apikey_add"),
        {"workspace": workspace.pk, "name": "zapier"},
        follow=True,
    )

    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"] if KEY.search(str(m))]
    assert len(shown) == 1
    secret = KEY.search(shown[0]).group()  # type: ignore[union-attr]
    assert shown[0] == (
        f"API key 'zapier' created. Copy it now, it will not be shown again: {secret}"
    )
    key = ApiKey.objects.get(workspace=workspace, name="zapier")
    assert key.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert key.created_by == admin_user
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/contacts").status_code == 200

    # never again: not on the key's page, not in the list
    change = client.get(reverse("admin:workspaces_apikey_change", args=[key.pk]))
    listing = client.get(reverse("admin:workspaces_apikey_changelist"))
    for page in (change, listing):
        assert page.status_code == 200
        assert secret not in page.content.decode()
        assert list(get_messages(page.wsgi_request)) == []


def test_a_member_cannot_create_a_key_for_another_workspace(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    client, user = login(username="owner-of-acme")
    membership_add(workspace=workspace, user=user, role="owner")

    response = client.post(
        reverse("admin:workspaces_apikey_add"), {"workspace": other_workspace.pk, "name": "x"}
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "workspace": ["Select a valid choice. That choice is not one of the available choices."]
    }
    assert not ApiKey.objects.filter(workspace=other_workspace).exists()


def test_a_marketer_cannot_manage_api_keys(workspace: Workspace) -> None:
    client, user = login(username="marketer-of-acme")
    membership_add(workspace=workspace, user=user, role="marketer")

    response = client.post(
        reverse("admin:workspaces_apikey_add"), {"workspace": workspace.pk, "name": "x"}
    )

    assert response.status_code == 403
    assert not ApiKey.objects.exists()


def test_revoking_keys_from_the_list(workspace: Workspace, key_client: object) -> None:
    client, user = login(username="owner-of-acme")
    membership_add(workspace=workspace, user=user, role="owner")
    api = key_client(workspace)  # type: ignore[operator]
    key = ApiKey.objects.get(workspace=workspace)

    response = client.post(
        reverse("admin:workspaces_apikey_changelist"),
        {"action": "revoke", "_selected_action": [key.pk]},
    )

    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert api.get("/api/v1/contacts").status_code == 401


def test_a_superuser_creates_a_workspace_with_its_agent_identity() -> None:
    client, _ = login(username="root", is_superuser=True)

    response = client.post(
        reverse("admin:workspaces_workspace_add"),
        {
            "name": "Harbour Motors",
            "slug": "harbour",
            "vertical": "automotive",
            "time_zone": "America/New_York",
            "country": "US",
            "postal_address": "1 Dock St, Boston, MA 02110",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    workspace = Workspace.objects.get(slug="harbour")
    assert workspace.agent_user.username == "agent@harbour"


def test_a_duplicate_key_name_is_a_form_error(workspace: Workspace) -> None:
    client, _ = login(username="root", is_superuser=True)
    client.post(reverse("admin:workspaces_apikey_add"), {"workspace": workspace.pk, "name": "CRM"})

    response = client.post(
        reverse("admin:workspaces_apikey_add"), {"workspace": workspace.pk, "name": "crm"}
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "Constraint “api_key_unique_name_per_workspace” is violated."
    ]
    assert ApiKey.objects.filter(workspace=workspace).count() == 1

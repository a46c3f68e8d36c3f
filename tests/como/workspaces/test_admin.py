"""The workspaces admin: API keys are shown once; members work only in their workspaces."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from como.workspaces.admin import NO_SUCH_USER
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
        "This workspace already has an API key with that name."
    ]
    assert ApiKey.objects.filter(workspace=workspace).count() == 1


def _inline_post(workspace: Workspace, member: str, role: str) -> dict[str, object]:
    return {
        "name": workspace.name,
        "vertical": workspace.vertical,
        "time_zone": workspace.time_zone,
        "country": workspace.country,
        "postal_address": workspace.postal_address,
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
        "memberships-0-member": member,
        "memberships-0-role": role,
    }


def test_an_owner_adds_a_member_by_email_on_the_workspace_page(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    client, owner = login(username="olivia")
    membership_add(workspace=workspace, user=owner, role="owner")
    newcomer = UserFactory.create(username="ned", email="Ned@Acme.example")

    response = client.post(
        reverse("admin:workspaces_workspace_change", args=[workspace.pk]),
        _inline_post(workspace, "ned@acme.example", "approver"),
    )

    assert response.status_code == 302, response.context["inline_admin_formsets"]
    assert list(newcomer.memberships.values_list("workspace__slug", "role")) == [
        ("acme", "approver")
    ]
    # the owner of acme has no say over rival
    rival = client.get(reverse("admin:workspaces_workspace_change", args=[other_workspace.pk]))
    assert rival.status_code == 302  # the admin redirects a row the caller may not view


def test_a_marketer_cannot_add_members(workspace: Workspace) -> None:
    client, marketer = login(username="mark")
    membership_add(workspace=workspace, user=marketer, role="marketer")
    UserFactory.create(username="ned")

    page = client.get(reverse("admin:workspaces_membership_add"))

    assert page.status_code == 403
    assert not workspace.memberships.filter(user__username="ned").exists()


def test_the_agent_identity_cannot_be_made_a_member_in_the_admin(workspace: Workspace) -> None:
    client, owner = login(username="olivia")
    membership_add(workspace=workspace, user=owner, role="owner")

    response = client.post(
        reverse("admin:workspaces_workspace_change", args=[workspace.pk]),
        _inline_post(workspace, workspace.agent_user.username, "approver"),
    )

    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][0].formset.errors
    assert errors == [{"__all__": ["An agent identity cannot be given a membership role."]}]
    assert workspace.agent_user.memberships.count() == 0


def test_an_unknown_member_is_a_field_error(workspace: Workspace) -> None:
    client, owner = login(username="olivia")
    membership_add(workspace=workspace, user=owner, role="owner")

    response = client.post(
        reverse("admin:workspaces_workspace_change", args=[workspace.pk]),
        _inline_post(workspace, "nobody@nowhere.example", "viewer"),
    )

    errors = response.context["inline_admin_formsets"][0].formset.errors
    assert errors == [{"member": [NO_SUCH_USER.format(name="nobody@nowhere.example")]}]

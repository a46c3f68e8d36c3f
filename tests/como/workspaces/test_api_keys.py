"""Workspace API keys: ``Authorization: Bearer <key>``, stored only as a digest."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from rest_framework.test import APIClient

from como.workspaces.models import ApiKey, Workspace
from como.workspaces.principal import CallerKind, principal_for_api_key
from como.workspaces.roles import Permission
from como.workspaces.services import api_key_create, api_key_revoke

pytestmark = pytest.mark.django_db


def bearer(value: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=value)
    return client


def test_a_valid_key_authenticates_as_its_workspace(workspace: Workspace) -> None:
    issued = api_key_create(workspace=workspace, name="crm sync")

    response = bearer(f"Bearer {issued.secret}").get("/api/v1/workspaces")

    assert response.status_code == 200
    assert [row["slug"] for row in response.json()["results"]] == ["acme"]
    issued.api_key.refresh_from_db()
    assert issued.api_key.last_used_at is not None


def test_the_keyword_is_case_insensitive(workspace: Workspace) -> None:
    issued = api_key_create(workspace=workspace, name="crm sync")

    assert bearer(f"bearer {issued.secret}").get("/api/v1/workspaces").status_code == 200


@pytest.mark.parametrize(
    ("header", "detail"),
    [
        ("Bearer como_not-a-real-key", "Invalid or revoked API key."),
        ("Bearer", "Invalid Authorization header: expected 'Bearer <key>'."),
        ("Bearer two parts", "Invalid Authorization header: expected 'Bearer <key>'."),
        ("", "Authentication credentials were not provided."),
        ("Basic dXNlcjpwYXNz", "Authentication credentials were not provided."),
    ],
)
def test_wrong_or_missing_keys_are_401(workspace: Workspace, header: str, detail: str) -> None:
    api_key_create(workspace=workspace, name="crm sync")

    response = bearer(header).get("/api/v1/contacts")

    assert response.status_code == 401
    assert response.json() == {"detail": detail}
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_revoked_key_is_401(workspace: Workspace) -> None:
    issued = api_key_create(workspace=workspace, name="crm sync")
    client = bearer(f"Bearer {issued.secret}")
    assert client.get("/api/v1/contacts").status_code == 200

    api_key_revoke(api_key=issued.api_key)

    response = client.get("/api/v1/contacts")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid or revoked API key."}


def test_only_the_digest_is_stored(workspace: Workspace) -> None:
    issued = api_key_create(workspace=workspace, name="crm sync")

    stored = ApiKey.objects.get(pk=issued.api_key.pk)
    assert issued.secret.startswith("como_")
    assert len(issued.secret) == len("como_") + 43  # 32 random bytes, URL-safe base64
    assert stored.digest == hashlib.sha256(issued.secret.encode()).hexdigest()
    assert stored.prefix == issued.secret[:11]
    row = ApiKey.objects.filter(pk=stored.pk).values().get()
    assert not any(issued.secret in str(value) for value in row.values())


def test_two_keys_are_different(workspace: Workspace) -> None:
    first = api_key_create(workspace=workspace, name="one")
    second = api_key_create(workspace=workspace, name="two")

    assert first.secret != second.secret
    assert first.api_key.digest != second.api_key.digest


def test_a_key_may_read_and_write_data_but_never_approve(workspace: Workspace) -> None:
    principal = principal_for_api_key(api_key_create(workspace=workspace, name="k").api_key)

    assert principal.kind is CallerKind.API_KEY
    assert principal.workspace_ids == {workspace.pk}
    assert principal.can(Permission.VIEW, workspace.pk)
    assert principal.can(Permission.EDIT_DATA, workspace.pk)
    assert not principal.can(Permission.APPROVE, workspace.pk)
    assert not principal.can(Permission.MANAGE_API_KEYS, workspace.pk)


def test_a_key_writes_only_to_its_own_workspace(
    workspace: Workspace, other_workspace: Workspace, key_client: Any
) -> None:
    response = key_client(workspace).post(
        "/api/v1/contacts",
        {"email": "ana@example.com"},
        format="json",
        HTTP_X_COMO_WORKSPACE=other_workspace.slug,
    )

    assert response.status_code == 404
    assert response.json() == {"detail": "No workspace 'rival' you may write to."}

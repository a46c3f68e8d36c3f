"""An account's owner through the API: set and cleared by username, members of the account's
workspace only, and a stranger answered exactly like another workspace's user."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from como.leads import services
from como.leads.models import Account
from como.leads.services import OWNER_NOT_A_MEMBER
from como.workspaces.api_base import WORKSPACE_HEADER
from como.workspaces.models import Workspace
from tests.factories import AccountFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


def _member(workspace: Workspace, username: str, role: str = "sales") -> Any:
    user = UserFactory.create(username=username)
    MembershipFactory.create(workspace=workspace, user=user, role=role)
    return user


def test_create_with_an_owner_by_username(api: APIClient, workspace: Workspace) -> None:
    dana = _member(workspace, "dana")

    response = api.post("/api/v1/accounts", {"name": "Acme", "owner": "dana"}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["owner"] == "dana"
    assert Account.objects.get(pk=response.json()["id"]).owner_id == dana.pk


def test_patch_sets_then_null_clears_the_owner(api: APIClient, workspace: Workspace) -> None:
    dana = _member(workspace, "dana", role="viewer")  # any role makes a member
    account = AccountFactory.create(workspace=workspace, name="Acme")
    url = f"/api/v1/accounts/{account.pk}"

    set_ = api.patch(url, {"owner": "dana"}, format="json")
    account.refresh_from_db()
    assert set_.status_code == 200, set_.content
    assert set_.json()["owner"] == "dana"
    assert account.owner_id == dana.pk
    assert api.get(url).json()["owner"] == "dana"

    untouched = api.patch(url, {"industry": "Robotics"}, format="json")
    assert untouched.json()["owner"] == "dana"

    cleared = api.patch(url, {"owner": None}, format="json")
    account.refresh_from_db()
    assert cleared.status_code == 200, cleared.content
    assert cleared.json()["owner"] is None
    assert account.owner_id is None


def test_list_shows_owners_and_null(api: APIClient, workspace: Workspace) -> None:
    dana = _member(workspace, "dana")
    AccountFactory.create(workspace=workspace, name="Owned", owner=dana)
    AccountFactory.create(workspace=workspace, name="Unowned")

    body = api.get("/api/v1/accounts?ordering=name").json()

    assert [(row["name"], row["owner"]) for row in body["results"]] == [
        ("Owned", "dana"),
        ("Unowned", None),
    ]


def test_another_workspaces_user_and_an_unknown_username_get_the_same_400(
    api: APIClient, workspace: Workspace, other_workspace: Workspace
) -> None:
    _member(other_workspace, "rival-rep")
    account = AccountFactory.create(workspace=workspace, name="Acme")
    url = f"/api/v1/accounts/{account.pk}"

    foreign = api.patch(url, {"owner": "rival-rep"}, format="json")
    unknown = api.patch(url, {"owner": "nobody-at-all"}, format="json")
    created = api.post("/api/v1/accounts", {"name": "New", "owner": "rival-rep"}, format="json")

    expected = {"owner": [OWNER_NOT_A_MEMBER]}
    assert (foreign.status_code, foreign.json()) == (400, expected)
    assert (unknown.status_code, unknown.json()) == (400, expected)
    assert (created.status_code, created.json()) == (400, expected)
    assert OWNER_NOT_A_MEMBER == "The owner must be a member of this workspace."
    account.refresh_from_db()
    assert account.owner_id is None
    assert list(Account.objects.values_list("name", flat=True)) == ["Acme"]


@pytest.mark.parametrize("value", [7, ["dana"], {"username": "dana"}, True])
def test_an_owner_that_is_not_a_string_is_a_400(
    api: APIClient, workspace: Workspace, value: Any
) -> None:
    _member(workspace, "dana")

    response = api.post("/api/v1/accounts", {"name": "Acme", "owner": value}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "owner": ["Give the owner's username as a string (or null for no owner)."]
    }


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", OWNER_NOT_A_MEMBER),
        ("x" * 500, OWNER_NOT_A_MEMBER),
        ("da\x00na", "Null characters are not allowed."),  # the API's parser refuses it
    ],
)
def test_odd_usernames_are_not_members(
    api: APIClient, workspace: Workspace, value: str, message: str
) -> None:
    response = api.post("/api/v1/accounts", {"name": "Acme", "owner": value}, format="json")

    assert response.status_code == 400
    assert response.json() == {"owner": [message]}


def test_a_member_of_two_workspaces_picks_owners_in_the_one_written_to(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    both = _member(workspace, "both", role="owner")
    MembershipFactory.create(workspace=other_workspace, user=both, role="owner")
    _member(workspace, "acme-rep")
    rival_rep = _member(other_workspace, "rival-rep")
    client = APIClient()
    client.force_login(both)
    header = {WORKSPACE_HEADER: other_workspace.slug}

    wrong = client.post(
        "/api/v1/accounts", {"name": "X", "owner": "acme-rep"}, format="json", headers=header
    )
    right = client.post(
        "/api/v1/accounts", {"name": "X", "owner": "rival-rep"}, format="json", headers=header
    )

    assert (wrong.status_code, wrong.json()) == (400, {"owner": [OWNER_NOT_A_MEMBER]})
    assert right.status_code == 201, right.content
    made = Account.objects.get(pk=right.json()["id"])
    assert (made.workspace_id, made.owner_id) == (other_workspace.pk, rival_rep.pk)


def test_the_service_refuses_a_non_member_whoever_calls_it(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    rival_rep = _member(other_workspace, "rival-rep")
    account = AccountFactory.create(workspace=workspace, name="Acme")

    with pytest.raises(ValidationError) as raised:
        services.account_update(account=account, owner=rival_rep)

    assert raised.value.message_dict == {"owner": [OWNER_NOT_A_MEMBER]}
    account.refresh_from_db()
    assert account.owner_id is None

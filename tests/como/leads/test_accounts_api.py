"""Accounts through the API: domain normalisation, uniqueness, filters."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from como.leads.models import Account, Contact
from como.workspaces.models import Workspace
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_create_normalises_the_domain(api: APIClient, workspace: Workspace) -> None:
    response = api.post(
        "/api/v1/accounts",
        {
            "domain": "https://www.Acme-Robotics.com/about",
            "name": "Acme Robotics",
            "employee_count": 420,
            "annual_revenue": "12500000.00",
            "country": "de",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["domain"] == "acme-robotics.com"
    assert body["country"] == "DE"
    assert body["workspace"] == "acme"
    assert body["annual_revenue"] == "12500000.00"
    assert Account.objects.get(pk=body["id"]).workspace_id == workspace.pk


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({"domain": "not a domain"}, {"domain": ["'not a domain' is not a domain name."]}),
        ({"domain": "localhost"}, {"domain": ["'localhost' is not a domain name."]}),
        (
            {"name": "", "domain": ""},
            {"non_field_errors": ["An account needs a name or a domain."]},
        ),
        (
            {"name": "X", "country": "EU"},
            {"country": ["'EU' is not an ISO 3166-1 alpha-2 country code."]},
        ),
        (
            {"name": "X", "attributes": 3},
            {"attributes": ["Attributes must be a JSON object, not int."]},
        ),
        (
            {"name": "X", "employee_count": "many"},
            {"employee_count": ["A valid integer is required."]},
        ),
    ],
)
def test_bad_input_is_a_400_keyed_by_field(
    api: APIClient, payload: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    response = api.post("/api/v1/accounts", payload, format="json")

    assert response.status_code == 400
    assert response.json() == errors
    assert not Account.objects.exists()


def test_duplicate_domain_is_a_field_error(api: APIClient, workspace: Workspace) -> None:
    AccountFactory.create(workspace=workspace, domain="acme.com")

    response = api.post("/api/v1/accounts", {"domain": "WWW.ACME.COM"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"domain": ["Another account in this workspace has this domain."]}


def test_the_same_domain_may_live_in_two_workspaces(
    api: APIClient, other_workspace: Workspace
) -> None:
    AccountFactory.create(workspace=other_workspace, domain="acme.com")

    assert api.post("/api/v1/accounts", {"domain": "acme.com"}, format="json").status_code == 201


def test_update_and_delete_keeps_the_contacts(api: APIClient, workspace: Workspace) -> None:
    account = AccountFactory.create(workspace=workspace, domain="acme.com", name="Acme")
    contact = ContactFactory.create(workspace=workspace, account=account)
    url = f"/api/v1/accounts/{account.pk}"

    patched = api.patch(url, {"domain": "http://Acme.io", "industry": "Robotics"}, format="json")
    assert patched.status_code == 200, patched.content
    assert (patched.json()["domain"], patched.json()["industry"]) == ("acme.io", "Robotics")
    assert patched.json()["name"] == "Acme"

    assert api.delete(url).status_code == 204
    assert not Account.objects.filter(pk=account.pk).exists()
    contact.refresh_from_db()
    assert contact.account is None
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_filter_by_domain_is_normalised(api: APIClient, workspace: Workspace) -> None:
    acme = AccountFactory.create(workspace=workspace, domain="acme.com")
    AccountFactory.create(workspace=workspace, domain="globex.com")

    def ids(query: str) -> list[int]:
        response = api.get(f"/api/v1/accounts?{query}")
        assert response.status_code == 200
        return [row["id"] for row in response.json()["results"]]

    assert ids("domain=https://www.ACME.com/") == [acme.pk]
    assert ids("domain=acme.com") == [acme.pk]
    assert ids("domain=nonsense") == []
    assert len(ids("")) == 2

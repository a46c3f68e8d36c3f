"""End to end: an owner set through the accounts API is who the MQL handoff agent proposes."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from como.leads.models import Contact
from como.workspaces.models import Workspace
from tests.como.agents.handoff_setup import (
    contacts,
    handoff_actions,
    person,
    policy,
    promote,
    rep_of,
    territory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


def test_the_owner_set_through_the_api_takes_the_accounts_mqls(
    api: APIClient, workspace: Workspace
) -> None:
    olga, ana = person(workspace, "olga"), person(workspace, "ana")
    territory(workspace, "Everyone", [ana], is_default=True)  # the round robin's pick
    policy(workspace, handoff_routing="account_owner")
    made = api.post("/api/v1/accounts", {"name": "Acme", "owner": olga.username}, format="json")
    assert made.status_code == 201, made.content
    assert made.json()["owner"] == "olga-acme"
    account_id = made.json()["id"]
    first, second = contacts(workspace, 2)
    Contact.objects.filter(pk__in=[first.pk, second.pk]).update(account_id=account_id)

    promote(workspace, [first])
    cleared = api.patch(f"/api/v1/accounts/{account_id}", {"owner": None}, format="json")
    promote(workspace, [second])

    owned, unowned = handoff_actions(workspace)
    assert owned.target_id == str(first.pk)
    assert (rep_of(owned), owned.payload["route"]["via"]) == (olga.pk, "account_owner")
    assert "Hand to olga-acme, owner of the account Acme." in owned.rationale.splitlines()
    assert cleared.status_code == 200
    assert cleared.json()["owner"] is None
    assert unowned.target_id == str(second.pk)
    assert (rep_of(unowned), unowned.payload["route"]["via"]) == (ana.pk, "round_robin")

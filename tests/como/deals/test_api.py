"""``POST/GET /api/v1/opportunities``: a batch upserted by external id, stage history only on
a move, field errors naming the item, good items kept, contacts moved, workspace-scoped."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from como.deals.models import Opportunity, OpportunityTransition
from como.leads.models import Account, Contact, LifecycleStage, LifecycleTransition
from como.leads.services import account_create, contact_create
from como.workspaces.models import Workspace

pytestmark = pytest.mark.django_db
URL = "/api/v1/opportunities"


def deal(external_id: str = "OPP-1", **overrides: Any) -> dict[str, Any]:
    return {
        "external_id": external_id,
        "name": "Acme platform",
        "contact": {"email": "ana@acme.example"},
        "account": {"domain": "acme.example", "name": "Acme"},
        "amount": "48000.00",
        "currency": "usd",
        "status": "open",
        "stage": "Negotiation/Review",
        "opened_at": "2026-10-01T09:00:00Z",
        "source": "Web",
        **overrides,
    }


def post(api: APIClient, *items: dict[str, Any]) -> Any:
    return api.post(URL, {"opportunities": list(items)}, format="json")


def test_a_new_deal_is_created_with_history_and_moves_its_contact(
    api: APIClient, workspace: Workspace
) -> None:
    contact = contact_create(workspace=workspace, email="ana@acme.example", lifecycle_stage="sql")
    response = post(api, deal())
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["created"], body["updated"], body["unchanged"], body["rejected"]) == (1, 0, 0, 0)
    opportunity = Opportunity.objects.get(workspace=workspace, external_id="OPP-1")
    assert opportunity.contact_id == contact.pk
    assert opportunity.account == Account.objects.get(workspace=workspace, domain="acme.example")
    assert (opportunity.amount, opportunity.currency) == (Decimal("48000.00"), "USD")
    assert (opportunity.status, opportunity.stage_name, opportunity.closed_at) == (
        "open",
        "Negotiation/Review",
        None,
    )
    history = list(opportunity.transitions.values_list("from_status", "to_status", "to_stage_name"))
    assert history == [("", "open", "Negotiation/Review")]
    contact.refresh_from_db()
    assert contact.lifecycle_stage == LifecycleStage.OPPORTUNITY
    move = LifecycleTransition.objects.get(contact=contact, to_stage="opportunity")
    assert (move.from_stage, move.at.isoformat()) == ("sql", "2026-10-01T09:00:00+00:00")


def test_a_resend_is_idempotent_and_a_stage_move_appends_one_transition(
    api: APIClient, workspace: Workspace
) -> None:
    assert post(api, deal()).status_code == 200
    again = post(api, deal()).json()
    assert (again["created"], again["unchanged"]) == (0, 1)
    assert OpportunityTransition.objects.count() == 1
    won = deal(status="won", stage="Closed Won", closed_at="2026-11-15T16:30:00Z", amount="50000")
    body = post(api, won).json()
    assert body["updated"] == 1
    assert post(api, won).json()["unchanged"] == 1
    opportunity = Opportunity.objects.get(external_id="OPP-1")
    assert (opportunity.status, opportunity.amount) == ("won", Decimal("50000.00"))
    history = list(
        opportunity.transitions.order_by("at").values_list(
            "from_status", "to_status", "from_stage_name", "to_stage_name", "at"
        )
    )
    assert [row[:4] for row in history] == [
        ("", "open", "", "Negotiation/Review"),
        ("open", "won", "Negotiation/Review", "Closed Won"),
    ]
    assert history[1][4].isoformat() == "2026-11-15T16:30:00+00:00"
    contact = Contact.objects.get(email="ana@acme.example")
    assert contact.lifecycle_stage == LifecycleStage.CUSTOMER
    stages = list(
        LifecycleTransition.objects.filter(contact=contact)
        .order_by("at")
        .values_list("from_stage", "to_stage")
    )
    assert stages == [("subscriber", "opportunity"), ("opportunity", "customer")]


def test_bad_items_are_named_by_index_and_the_good_ones_kept(
    api: APIClient, workspace: Workspace
) -> None:
    response = post(
        api,
        deal("OK-1"),
        deal("BAD-1", currency="XYZ", amount="-3"),
        deal("BAD-2", status="won"),
        "not an object",  # type: ignore[arg-type]
        deal("OK-1", name="the same id again"),
        deal("BAD-3", contact=None, account=None, opened_at="2026-10-01"),
        deal("OK-2", status="lost", closed_at="2026-10-20T00:00:00Z", contact=None),
        None,  # type: ignore[arg-type]
    )
    assert response.status_code == 400
    body = response.json()
    assert (body["created"], body["rejected"]) == (2, 6)
    errors = {result["index"]: result.get("errors") for result in body["results"]}
    assert set(errors[1]) == {"currency", "amount"}
    assert errors[2] == {"closed_at": ["A won or lost opportunity needs the instant it closed."]}
    assert errors[3] == errors[7] == {"detail": ["Not an object."]}
    assert errors[4] == {"external_id": ["Repeats item 0 of this batch."]}
    assert set(errors[5]) == {"opened_at"}
    assert [r["status"] for r in body["results"]] == [
        "created",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "created",
        "rejected",
    ]
    assert sorted(Opportunity.objects.values_list("external_id", flat=True)) == ["OK-1", "OK-2"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"opportunities": []},
        {"opportunities": "x"},
        {"opportunities": [{}] * 501},
        [1, 2],
    ],
)
def test_a_malformed_batch_is_a_400(api: APIClient, body: Any) -> None:
    assert api.post(URL, body, format="json").status_code == 400


def test_accounts_are_matched_by_name_without_case_and_contacts_created(
    api: APIClient, workspace: Workspace
) -> None:
    account = account_create(workspace=workspace, name="Globex Corporation")
    item = deal(
        "G-1", account={"name": "GLOBEX corporation"}, contact={"email": "New@Globex.example"}
    )
    assert post(api, item).status_code == 200
    opportunity = Opportunity.objects.get(external_id="G-1")
    assert opportunity.account_id == account.pk
    assert opportunity.contact is not None
    assert opportunity.contact.email == "new@globex.example"


def test_list_and_detail_are_workspace_scoped(
    api: APIClient,
    other_workspace: Workspace,
    key_client: Callable[[Workspace], APIClient],
) -> None:
    post(api, deal())
    listed = api.get(URL).json()["results"]
    assert [row["external_id"] for row in listed] == ["OPP-1"]
    detail = api.get(f"{URL}/{listed[0]['id']}").json()
    assert [t["to_status"] for t in detail["transitions"]] == ["open"]
    other = key_client(other_workspace)
    assert other.get(URL).json()["results"] == []
    assert other.get(f"{URL}/{listed[0]['id']}").status_code == 404
    assert api.get(URL, {"status": "won"}).json()["results"] == []


def test_a_rejected_item_takes_back_the_contact_it_made(
    api: APIClient, workspace: Workspace
) -> None:
    # Item 0 makes a new contact, then its account cannot be made: the savepoint takes the
    # contact back, and item 1, naming the same person, makes them again.
    response = post(
        api,
        deal("X-1", contact={"email": "new@zeta.example"}, account={"domain": "not a domain!"}),
        deal("X-2", contact={"email": "new@zeta.example"}, account={"name": "Zeta"}),
    )
    assert response.status_code == 400
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["rejected", "created"]
    assert set(results[0]["errors"]) == {"account"}
    opportunity = Opportunity.objects.get(external_id="X-2")
    assert opportunity.contact == Contact.objects.get(workspace=workspace, email="new@zeta.example")

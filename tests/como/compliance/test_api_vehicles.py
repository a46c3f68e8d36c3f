"""``POST /api/v1/compliance/check`` with a vehicle: inline (validated field by field) or an
inventory vehicle of the caller's workspace by id, read by the automotive checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from como.workspaces.models import Workspace
from tests.factories import WorkspaceFactory
from tests.verticals.automotive.inventory.factories import rooftop_make, vehicle_make

URL = "/api/v1/compliance/check"
FEES = "auto.price.fees_excluded"
#: $18,995 and a $499 doc fee every buyer pays: $19,494 is the price an ad may print.
VEHICLE = {
    "vin": "1HGCM82633A004352",
    "year": 2024,
    "make": "Honda",
    "model": "Accord",
    "trim": "EX",
    "condition": "new",
    "price": "18995.00",
    "msrp": "21000",
    "status": "available",
    "dealer_fees": [{"name": "Doc fee", "amount": "499.00", "mandatory": True}],
}
DRIP = "New 2024 Honda Accord EX, only $18,995! Stop by Lakeside Honda today."
CLEAN = "New 2024 Honda Accord EX, only $19,494! Stop by Lakeside Honda today."


@pytest.fixture
def dealer(db: Any) -> Workspace:
    return WorkspaceFactory.create(slug="lakeside", vertical="automotive")


@pytest.fixture
def dealer_api(dealer: Workspace, key_client: Callable[[Workspace], APIClient]) -> APIClient:
    return key_client(dealer)


def social(text: str, **more: Any) -> dict[str, Any]:
    return {
        "channel": "paid_social",
        "fields": {"primary_text": text, "headline": "2024 Honda Accord EX"},
        **more,
    }


def rules(response: Any) -> list[tuple[str, str]]:
    assert response.status_code == 200, response.content
    return sorted((f["rule"], f["severity"]) for f in response.json()["findings"])


def test_a_price_without_the_mandatory_fee_blocks(dealer_api: APIClient) -> None:
    response = dealer_api.post(URL, social(DRIP, vehicle=VEHICLE), format="json")

    assert rules(response) == [(FEES, "block")]
    assert response.json()["blocking"] is True
    finding = response.json()["findings"][0]
    assert finding["evidence"]["mandatory_charges"] == {"Doc fee": 499.0}


def test_the_price_with_the_fee_passes(dealer_api: APIClient) -> None:
    response = dealer_api.post(URL, social(CLEAN, vehicle=VEHICLE), format="json")

    assert rules(response) == []
    assert "auto.price" in response.json()["checked"]


def test_an_optional_fee_is_not_added_to_the_price(dealer_api: APIClient) -> None:
    optional = {**VEHICLE, "dealer_fees": [{"name": "Nitrogen", "amount": 499, "mandatory": False}]}

    response = dealer_api.post(URL, social(DRIP, vehicle=optional), format="json")

    assert rules(response) == []


def test_a_vehicle_of_the_inventory_by_id(dealer: Workspace, dealer_api: APIClient) -> None:
    vehicle = vehicle_make(
        rooftop_make(dealer),
        year=2024,
        condition="new",
        price="18995.00",
        dealer_charges=[{"name": "Doc fee", "amount": "499.00"}],
    )

    drip = dealer_api.post(URL, social(DRIP, vehicle_id=vehicle.pk), format="json")
    clean = dealer_api.post(URL, social(CLEAN, vehicle_id=vehicle.pk), format="json")

    assert rules(drip) == [(FEES, "block")]
    assert drip.json()["findings"][0]["evidence"]["mandatory_charges"] == {"Doc fee": 499.0}
    assert rules(clean) == []


def test_another_workspaces_vehicle_is_answered_like_a_missing_one(
    dealer: Workspace, dealer_api: APIClient, other_workspace: Workspace
) -> None:
    foreign = vehicle_make(rooftop_make(other_workspace), price="18995.00")
    missing = foreign.pk + 1000

    theirs = dealer_api.post(URL, social(DRIP, vehicle_id=foreign.pk), format="json")
    nobody = dealer_api.post(URL, social(DRIP, vehicle_id=missing), format="json")

    assert theirs.status_code == nobody.status_code == 400
    assert theirs.json() == {"vehicle_id": [f"No vehicle {foreign.pk} in workspace 'lakeside'."]}
    assert nobody.json() == {"vehicle_id": [f"No vehicle {missing} in workspace 'lakeside'."]}


def test_a_workspace_without_inventory_has_no_vehicle_ids(api: APIClient) -> None:
    response = api.post(URL, social(DRIP, vehicle_id=1), format="json")

    assert response.status_code == 400
    assert response.json() == {"vehicle_id": ["No vehicle 1 in workspace 'acme'."]}


def test_vehicle_and_vehicle_id_together_are_refused(dealer_api: APIClient) -> None:
    response = dealer_api.post(URL, social(DRIP, vehicle=VEHICLE, vehicle_id=1), format="json")

    assert response.status_code == 400
    assert response.json() == {
        "vehicle_id": ["Give the vehicle inline or its vehicle_id, not both."]
    }


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"price": "cheap"}, {"price": ["A valid number is required."]}),
        ({"price": "-1"}, {"price": ["Ensure this value is greater than or equal to 0."]}),
        ({"msrp": "1e40"}, {"msrp": ["Ensure that there are no more than 12 digits in total."]}),
        (
            {"vin": "1HGCM82633A00435O"},
            {"vin": ["A VIN is 17 letters and digits, without I, O or Q."]},
        ),
        ({"year": 1700}, {"year": ["Ensure this value is greater than or equal to 1886."]}),
        ({"condition": "mint"}, {"condition": ['"mint" is not a valid choice.']}),
        ({"status": "gone"}, {"status": ['"gone" is not a valid choice.']}),
        ({"certified": "maybe"}, {"certified": ["Must be a valid boolean."]}),
        (
            {"sold_at": "2026-01-01T10:00:00"},
            {"sold_at": ["Give a timezone: end with Z or an offset like +01:00."]},
        ),
        (
            {"dealer_fees": [{"name": "Doc fee", "amount": "lots"}]},
            {"dealer_fees": {"0": {"amount": ["A valid number is required."]}}},
        ),
        (
            {"dealer_fees": {"name": "Doc"}},
            {"dealer_fees": ['Expected a list of items but got type "dict".']},
        ),
        (
            {"rebates": [{"amount": "500"}]},
            {"rebates": {"0": {"name": ["This field is required."]}}},
        ),
        (
            {"licence_plate": "X" * 16},
            {"licence_plate": ["Ensure this field has no more than 15 characters."]},
        ),
    ],
)
def test_an_inline_vehicle_is_validated_field_by_field(
    dealer_api: APIClient, change: dict[str, Any], errors: dict[str, Any]
) -> None:
    response = dealer_api.post(URL, social(DRIP, vehicle={**VEHICLE, **change}), format="json")

    assert response.status_code == 400
    assert response.json() == {"vehicle": errors}


def test_a_sold_vehicle_given_inline_blocks(dealer_api: APIClient) -> None:
    sold = {**VEHICLE, "status": "sold", "sold_at": "2026-03-01T12:00:00Z"}

    response = dealer_api.post(URL, social(CLEAN, vehicle=sold), format="json")

    assert rules(response) == [("auto.sold.advertised", "block")]
    assert response.json()["findings"][0]["evidence"]["sold_at"] == "2026-03-01T12:00:00+00:00"

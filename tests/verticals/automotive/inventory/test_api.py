"""The inventory API: rooftops (list, create, read, PATCH) and vehicles (filtered cursor list,
detail with history), scoped to the caller's workspace, refusing bad input field by field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from como.workspaces.models import Workspace
from tests.factories import member_api_client
from verticals.automotive.inventory.models import Rooftop, Vehicle, VehicleChange

from .factories import VINS, rooftop_make, vehicle_make

BODY = {
    "name": "Lakeside Toyota",
    "dealer_id": "D-200",
    "store_code": "LKT",
    "street": "2 Lake Rd",
    "city": "Madison",
    "region": "WI",
    "postal_code": "53703",
    "time_zone": "America/Chicago",
    "brands": ["Toyota"],
    "vdp_url_template": "https://lakeside.example/toyota/{stock_number}",
}


@pytest.fixture
def rooftop(workspace: Workspace) -> Rooftop:
    return rooftop_make(workspace)


def test_a_rooftop_is_created_in_the_callers_workspace(
    api: APIClient, workspace: Workspace, other_workspace: Workspace
) -> None:
    response = api.post("/api/v1/rooftops", {**BODY, "workspace": other_workspace.pk})

    assert response.status_code == 201, response.content
    created = Rooftop.objects.get(pk=response.json()["id"])
    assert created.workspace_id == workspace.pk
    assert response.json() | {"id": 0, "created_at": "", "updated_at": ""} == {
        **BODY,
        "id": 0,
        "workspace": "acme",
        "country": "US",
        "created_at": "",
        "updated_at": "",
    }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"time_zone": "Central"}, "time_zone"),
        ({"time_zone": ""}, "time_zone"),
        ({"country": "us"}, "country"),
        ({"vdp_url_template": "javascript:alert(1)//{vin}"}, "vdp_url_template"),
        ({"vdp_url_template": "https://x.example/{cost}"}, "vdp_url_template"),
        ({"vdp_url_template": "https://x.example/{vin"}, "vdp_url_template"),
        ({"brands": ["Toyota", "TOYOTA"]}, "brands"),
        ({"brands": ["x" * 65]}, "brands"),
        ({"brands": "Toyota"}, "brands"),
        ({"name": "x" * 201}, "name"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_rooftop_fields_are_400_with_the_field(
    api: APIClient, changes: dict[str, Any], field: str
) -> None:
    response = api.post("/api/v1/rooftops", {**BODY, **changes}, format="json")

    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]


def test_codes_are_unique_within_a_workspace_only(
    api: APIClient,
    rooftop: Rooftop,
    other_workspace: Workspace,
    key_client: Callable[[Workspace], APIClient],
) -> None:
    taken = {**BODY, "store_code": rooftop.store_code, "dealer_id": rooftop.dealer_id}

    refused = api.post("/api/v1/rooftops", taken, format="json")
    elsewhere = key_client(other_workspace).post("/api/v1/rooftops", taken, format="json")

    assert refused.status_code == 400
    assert sorted(refused.json()) == ["dealer_id", "store_code"]
    assert elsewhere.status_code == 201, elsewhere.content


def test_patch_changes_the_given_fields_and_checks_them(
    api: APIClient, workspace: Workspace, rooftop: Rooftop
) -> None:
    other = rooftop_make(workspace, name="Other", store_code="OTH", dealer_id="D-3")
    url = f"/api/v1/rooftops/{rooftop.pk}"

    renamed = api.patch(url, {"name": "Lakeside Honda East", "brands": []}, format="json")
    clash = api.patch(url, {"store_code": other.store_code}, format="json")
    put = api.put(url, BODY, format="json")

    assert renamed.status_code == 200, renamed.content
    rooftop.refresh_from_db()
    assert (rooftop.name, rooftop.brands, rooftop.store_code) == ("Lakeside Honda East", [], "LKH")
    assert clash.status_code == 400
    assert list(clash.json()) == ["store_code"]
    assert put.status_code == 405


def test_a_viewer_reads_rooftops_but_cannot_write_them(
    workspace: Workspace, rooftop: Rooftop
) -> None:
    viewer = member_api_client(workspace, "viewer")

    assert viewer.get("/api/v1/rooftops").json()["results"][0]["id"] == rooftop.pk
    assert viewer.post("/api/v1/rooftops", BODY, format="json").status_code == 403
    assert viewer.patch(f"/api/v1/rooftops/{rooftop.pk}", {"name": "x"}).status_code == 403


@pytest.fixture
def fleet(workspace: Workspace, rooftop: Rooftop) -> dict[str, Vehicle]:
    east = rooftop_make(workspace, name="East", store_code="E", dealer_id="D-E")
    return {
        "used": vehicle_make(rooftop),
        "new": vehicle_make(rooftop, vin=VINS[1], stock_number="N1", condition="new"),
        "sold": vehicle_make(rooftop, vin=VINS[2], stock_number="S1", status="sold"),
        "east": vehicle_make(east, vin=VINS[3], stock_number="A100", condition="cpo"),
    }


def _listed(api: APIClient, query: str) -> list[int]:
    response = api.get(f"/api/v1/vehicles{query}")
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_vehicles_are_filtered_by_each_parameter(
    api: APIClient, rooftop: Rooftop, fleet: dict[str, Vehicle]
) -> None:
    ids = {name: v.pk for name, v in fleet.items()}

    assert _listed(api, "") == sorted(ids.values(), reverse=True)
    assert set(_listed(api, f"?rooftop={rooftop.pk}")) == {ids["used"], ids["new"], ids["sold"]}
    assert _listed(api, "?status=sold") == [ids["sold"]]
    assert _listed(api, "?condition=cpo") == [ids["east"]]
    assert _listed(api, f"?vin={VINS[1].lower()}") == [ids["new"]]
    assert set(_listed(api, "?stock_number=A100")) == {ids["used"], ids["east"]}
    assert _listed(api, f"?stock_number=A100&rooftop={rooftop.pk}") == [ids["used"]]


def test_another_workspaces_vehicles_are_never_listed_or_shown(
    workspace: Workspace,
    other_workspace: Workspace,
    key_client: Callable[[Workspace], APIClient],
    fleet: dict[str, Vehicle],
) -> None:
    theirs = vehicle_make(rooftop_make(other_workspace), vin=VINS[0])
    api = key_client(workspace)

    assert theirs.pk not in _listed(api, "")
    assert _listed(api, f"?rooftop={theirs.rooftop_id}") == []
    assert api.get(f"/api/v1/vehicles/{theirs.pk}").status_code == 404


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?status=gone", "status"),
        ("?condition=mint", "condition"),
        ("?rooftop=abc", "rooftop"),
        ("?rooftop=0", "rooftop"),
        ("?rooftop=99999999999999999999", "rooftop"),
        ("?vin=1HGCM82633A00435", "vin"),
        ("?vin=1HGCM82633A00435O", "vin"),
        (f"?stock_number={'9' * 65}", "stock_number"),
        ("?cursor=bm9wZQ", "cursor"),
        ("?cursor=cD1hYmM%3D", "cursor"),  # p=abc: not an id
    ],
)
def test_bad_filters_and_cursors_are_400_with_the_field(
    api: APIClient, fleet: dict[str, Vehicle], query: str, field: str
) -> None:
    response = api.get(f"/api/v1/vehicles{query}")

    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]


def test_the_list_pages_by_cursor_and_keeps_its_filters(
    api: APIClient, workspace: Workspace, rooftop: Rooftop
) -> None:
    Vehicle.objects.bulk_create(
        Vehicle(
            workspace=workspace,
            rooftop=rooftop,
            vin=f"1HGCM82633A{n:06d}",
            stock_number=f"P{n}",
            condition="used",
        )
        for n in range(105)
    )

    first = api.get("/api/v1/vehicles?condition=used").json()
    second = api.get(first["next"]).json()

    assert len(first["results"]) == 100
    assert len(second["results"]) == 5
    assert second["next"] is None
    seen = [r["id"] for r in first["results"] + second["results"]]
    assert seen == sorted(Vehicle.objects.values_list("pk", flat=True), reverse=True)


def test_a_vehicle_shows_its_history_newest_first_and_never_its_cost(
    api: APIClient, rooftop: Rooftop
) -> None:
    charges = [{"name": "Doc", "amount": "199.00"}]
    vehicle = vehicle_make(rooftop, cost="7123.45", dealer_charges=charges)
    created = VehicleChange.objects.create(
        workspace_id=vehicle.workspace_id, vehicle=vehicle, kind="created"
    )
    repriced = VehicleChange.objects.create(
        workspace_id=vehicle.workspace_id,
        vehicle=vehicle,
        kind="changed",
        changes={"price": ["8999.00", "8499.00"], "cost": ["7000.00", "7123.45"]},
    )

    response = api.get(f"/api/v1/vehicles/{vehicle.pk}")
    listed = api.get("/api/v1/vehicles")

    assert response.status_code == 200
    body = response.json()
    assert [h["id"] for h in body["history"]] == [repriced.pk, created.pk]
    assert body["history"][0]["changes"] == {"price": ["8999.00", "8499.00"]}
    assert body["dealer_charges"] == [{"name": "Doc", "amount": "199.00"}]
    for answer in (response, listed):
        assert "cost" not in answer.content.decode()
        assert "7123.45" not in answer.content.decode()
        assert "7000.00" not in answer.content.decode()


def test_vehicles_cannot_be_written_through_the_api(
    api: APIClient, fleet: dict[str, Vehicle]
) -> None:
    vehicle = fleet["used"]

    assert api.post("/api/v1/vehicles", {"vin": VINS[3]}).status_code == 405
    assert api.patch(f"/api/v1/vehicles/{vehicle.pk}", {"price": "1"}).status_code == 405
    assert api.delete(f"/api/v1/vehicles/{vehicle.pk}").status_code == 405

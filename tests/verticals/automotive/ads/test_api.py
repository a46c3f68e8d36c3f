"""The inventory-ads API: a vehicle's ads, its creative previewed (exact text, with unsaved
edits), the field-keyed 400s, another workspace's vehicle a 404, and the new action kinds in
the actions list (issue 13, item 7)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from rest_framework.test import APIClient

from como.agents.services import ActionDraft, action_propose
from como.workspaces.models import Workspace
from tests.factories import member_api_client
from verticals.automotive.ads import kinds
from verticals.automotive.ads.creative.editing import creative_template_save
from verticals.automotive.ads.models import VehicleAd
from verticals.automotive.inventory.models import Vehicle

from .editor_support import civic, dealer_rooftop, dealer_workspace, placed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

CHANGED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
PRIMARY = (
    "Used 2021 Honda Civic, 23,456 mi. $19,080 incl. dealer fees, + tax, title, license. "
    "VIN 1HGCM82633A004352"
)
VDP = "https://lakeside.example/inventory/1HGCM82633A004352"


@pytest.fixture
def dealer() -> Workspace:
    workspace = dealer_workspace()
    placed(workspace)
    return workspace


@pytest.fixture
def vehicle(dealer: Workspace) -> Vehicle:
    return civic(dealer_rooftop(dealer))


@pytest.fixture
def viewer(dealer: Workspace) -> APIClient:
    return member_api_client(dealer, "viewer")


def test_the_vehicles_ads_are_listed_by_channel(viewer: APIClient, vehicle: Vehicle) -> None:
    for channel, state, external in (
        ("paid_search", "paused", "customers/1/adGroupAds/77~9"),
        ("paid_social", "live", "23851"),
    ):
        VehicleAd.objects.create(
            workspace_id=vehicle.workspace_id,
            vehicle=vehicle,
            channel=channel,
            state=state,
            external_id=external,
            changed_at=CHANGED,
        )

    response = viewer.get(f"/api/v1/vehicles/{vehicle.pk}/ads")

    assert response.status_code == 200, response.content
    assert [{k: v for k, v in row.items() if k != "id"} for row in response.json()] == [
        {
            "channel": "paid_search",
            "state": "paused",
            "external_id": "customers/1/adGroupAds/77~9",
            "action": None,
            "changed_at": "2026-03-02T09:30:00Z",
            "live_since": None,
            "error": "",
        },
        {
            "channel": "paid_social",
            "state": "live",
            "external_id": "23851",
            "action": None,
            "changed_at": "2026-03-02T09:30:00Z",
            "live_since": None,
            "error": "",
        },
    ]


def test_the_meta_preview_is_the_exact_creative_and_payload_with_its_findings(
    viewer: APIClient, vehicle: Vehicle
) -> None:
    response = viewer.post(
        f"/api/v1/vehicles/{vehicle.pk}/preview", {"channel": "paid_social"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json() == {
        "kind": "meta_vehicle_ad",
        "channel": "paid_social",
        "fields": {
            "primary_text": PRIMARY,
            "headline": "2021 Honda Civic",
            "description": "$19,080",
            "link": VDP,
        },
        "payload": {
            "adset_id": "2385",
            "name": "como vehicle 1HGCM82633A004352",
            "status": "ACTIVE",
            "primary_text": PRIMARY,
            "headline": "2021 Honda Civic",
            "description": "$19,080",
            "link": VDP,
            "call_to_action": "LEARN_MORE",
            "page_id": "1001",
        },
        "findings": [],
        "blocked": False,
    }


def test_the_search_preview_by_kind_renders_every_headline(
    viewer: APIClient, vehicle: Vehicle
) -> None:
    response = viewer.post(
        f"/api/v1/vehicles/{vehicle.pk}/preview", {"kind": "google_rsa"}, format="json"
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["fields"] == {
        "headlines": [
            "2021 Honda Civic",
            "Used Honda Civic",
            "At Lakeside Honda",
            "$19,080 Plus Tax & Tags",
            "Stock #A100",
        ],
        "descriptions": [
            "2021 Honda Civic EX, Blue. VIN 1HGCM82633A004352.",
            "$19,080 incl. dealer fees, plus tax, title & license. Lakeside Honda",
        ],
        "final_url": VDP,
        "path1": "Honda",
        "path2": "Civic",
    }
    assert body["payload"]["ad_group"] == "customers/5550001111/adGroups/77"
    assert body["findings"] == []
    assert body["blocked"] is False


def test_unsaved_edits_render_over_the_saved_template(
    viewer: APIClient, dealer: Workspace, vehicle: Vehicle
) -> None:
    creative_template_save(
        workspace=dealer,
        kind="meta_vehicle_ad",
        fields={"description": "Only {{ vehicle.advertised_price_text }}"},
    )
    headline = "{{ vehicle.name }} {{ vehicle.trim }} at {{ rooftop.name }}, see it today"

    response = viewer.post(
        f"/api/v1/vehicles/{vehicle.pk}/preview",
        {"channel": "paid_social", "fields": {"headline": headline, "link": ""}},
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["fields"]["headline"] == "2021 Honda Civic EX at Lakeside Honda, see it today"
    assert body["fields"]["description"] == "Only $19,080"
    assert body["fields"]["link"] == VDP  # emptied: the default
    assert [f["message"] for f in body["findings"]] == [
        "headline: 51 characters; Meta recommends at most 40 and truncates longer text in most "
        "placements.",
    ]
    assert body["blocked"] is False
    # A preview saves nothing.
    assert templates_saved(dealer) == {"description": "Only {{ vehicle.advertised_price_text }}"}


def templates_saved(workspace: Workspace) -> dict[str, Any]:
    from verticals.automotive.ads.models import CreativeTemplate

    return CreativeTemplate.objects.get(workspace=workspace, kind="meta_vehicle_ad").fields


def test_a_template_error_is_a_blocking_render_finding_not_a_400(
    viewer: APIClient, vehicle: Vehicle
) -> None:
    response = viewer.post(
        f"/api/v1/vehicles/{vehicle.pk}/preview",
        {"kind": "meta_vehicle_ad", "fields": {"headline": "ok\n{{ vehicle.nope }"}},
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["blocked"] is True
    assert body["fields"] == {}
    assert body["findings"] == [
        {
            "rule": "creative.render",
            "severity": "block",
            "message": "headline: Line 2: unexpected '}'",
            "citation": "",
            "fix_hint": "Fix the template in the admin (Creative templates).",
            "evidence": {"field": "headline"},
        }
    ]


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"channel": ["Give a channel or a kind (one of them)."]}),
        (
            {"channel": "paid_social", "kind": "google_rsa"},
            {"channel": ["Give a channel or a kind (one of them)."]},
        ),
        ({"channel": "fax"}, {"channel": ['"fax" is not a valid choice.']}),
        ({"kind": "banner"}, {"kind": ['"banner" is not a valid choice.']}),
        (
            {"channel": "paid_search", "fields": {"headline": "x"}},
            {"fields": {"headline": ["Not a field of this creative."]}},
        ),
        (
            {"channel": "paid_search", "fields": {"path1": 5}},
            {"fields": {"path1": ["Must be text."]}},
        ),
        (
            {"channel": "paid_search", "fields": {"path1": "a\x1eb"}},
            {"fields": {"path1": ["Control character U+001E is not allowed."]}},
        ),
        (
            {"channel": "paid_search", "fields": ["x"]},
            {"fields": ['Expected a dictionary of items but got type "list".']},
        ),
    ],
    ids=[
        "neither",
        "both",
        "bad channel",
        "bad kind",
        "unknown field",
        "not text",
        "separator",
        "not an object",
    ],
)
def test_bad_input_is_a_400_naming_the_field(
    viewer: APIClient, vehicle: Vehicle, body: dict[str, Any], errors: dict[str, Any]
) -> None:
    response = viewer.post(f"/api/v1/vehicles/{vehicle.pk}/preview", body, format="json")

    assert response.status_code == 400
    assert response.json() == errors


def test_another_workspaces_vehicle_is_a_404(vehicle: Vehicle) -> None:
    other = dealer_workspace(slug="rival", name="Rival Motors")
    outsider = member_api_client(other, "owner")

    ads = outsider.get(f"/api/v1/vehicles/{vehicle.pk}/ads")
    preview = outsider.post(
        f"/api/v1/vehicles/{vehicle.pk}/preview", {"channel": "paid_social"}, format="json"
    )

    assert ads.status_code == 404
    assert preview.status_code == 404
    assert "Civic" not in ads.content.decode() + preview.content.decode()


def test_the_inventory_ads_action_kinds_are_listed_with_the_actions(
    viewer: APIClient, dealer: Workspace, vehicle: Vehicle
) -> None:
    proposed = action_propose(
        workspace=dealer,
        proposer=dealer.agent_user,
        draft=ActionDraft(
            agent=kinds.AGENT,
            kind=kinds.LAUNCH,
            channel="paid_social",
            idempotency_key=f"{kinds.LAUNCH}:test",
            rationale="1 new vehicle at Lakeside Honda",
            payload={"vehicle_ids": [vehicle.pk]},
        ),
    ).action

    response = viewer.get("/api/v1/actions")

    assert response.status_code == 200, response.content
    listed = [row for row in response.json()["results"] if row["id"] == proposed.pk]
    assert len(listed) == 1
    assert listed[0]["kind"] == "vehicle_ads_launch"
    assert listed[0]["agent"] == "inventory_ads"
    assert listed[0]["payload"] == {"vehicle_ids": [vehicle.pk]}

"""``social_catalog_update``: a real-time Meta catalog item update through the Catalog Batch API
(``POST /{catalog_id}/items_batch``), built and sent through the sandbox."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

import pytest

from como.channels.ads import social
from como.channels.base import adapter_for_kind
from como.channels.errors import PayloadInvalid
from como.channels.models import ChannelAccount
from como.workspaces.models import Workspace
from tests.factories import WorkspaceFactory

from .ads_support import Action, recorded


@pytest.fixture
def workspace(db: Any) -> Workspace:
    return WorkspaceFactory.create(slug="catalog")


@pytest.fixture
def account(workspace: Workspace) -> ChannelAccount:
    return ChannelAccount.objects.create(
        workspace=workspace,
        channel="paid_social",
        account_id="act_1010",
        sender="2020",
        credentials={"access_token": "EAAB-token"},
    )


def items(n: int, availability: str = "NOT_AVAILABLE") -> list[dict[str, str]]:
    return [{"id": f"VIN{i:014d}", "availability": availability} for i in range(n)]


def test_the_kind_belongs_to_paid_social() -> None:
    assert adapter_for_kind(social.CATALOG) is social.adapter


def test_the_request_is_the_documented_shape() -> None:
    built = social.build_catalog_update(
        {"catalog_id": "777", "item_type": "VEHICLE", "items": items(2)}
    )
    assert built["path"] == "777/items_batch"
    form = dict(built["form"])
    assert form["item_type"] == "VEHICLE"
    assert form["allow_upsert"] == "false"
    assert json.loads(form["requests"]) == [
        {
            "method": "UPDATE",
            "data": {"vehicle_id": "VIN00000000000000", "availability": "NOT_AVAILABLE"},
        },
        {
            "method": "UPDATE",
            "data": {"vehicle_id": "VIN00000000000001", "availability": "NOT_AVAILABLE"},
        },
    ]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"catalog_id": "x7", "items": items(1)}, "catalog_id"),
        ({"catalog_id": "7", "items": []}, "items"),
        ({"catalog_id": "7", "items": items(social.CATALOG_BATCH_MAX + 1)}, "items"),
        ({"catalog_id": "7", "items": items(1, "SOLD")}, "items[0].availability"),
        ({"catalog_id": "7", "items": [{"id": "", "availability": "PENDING"}]}, "items[0].id"),
        (
            {"catalog_id": "7", "items": [{"id": "x" * 101, "availability": "PENDING"}]},
            "items[0].id",
        ),
        ({"catalog_id": "7", "item_type": "HOTEL", "items": items(1)}, "item_type"),
    ],
)
def test_what_meta_would_refuse_is_refused(payload: dict[str, Any], field: str) -> None:
    with pytest.raises(PayloadInvalid) as refused:
        social.build_catalog_update(payload)
    assert field in refused.value.errors


def test_5000_items_is_one_call() -> None:
    built = social.build_catalog_update({"catalog_id": "7", "items": items(5_000)})
    assert len(json.loads(dict(built["form"])["requests"])) == 5_000


def test_sent_through_the_sandbox_once_per_key(
    workspace: Workspace, account: ChannelAccount
) -> None:
    action = Action(workspace, social.CATALOG, {"catalog_id": "777", "items": items(3)})
    first = social.adapter.execute(action, "pause-1:catalog")
    again = social.adapter.execute(action, "pause-1:catalog")
    assert first == again
    assert first["items"] == 3
    assert first["external_id"].isdigit()
    (request,) = recorded(workspace, "paid_social")
    assert request.url == "https://graph.facebook.com/v25.0/777/items_batch"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = parse_qs(request.body)
    assert form["item_type"] == ["VEHICLE"]
    assert len(json.loads(form["requests"][0])) == 3


def test_preflight_reports_a_bad_payload(workspace: Workspace, account: ChannelAccount) -> None:
    from django.utils import timezone

    action = Action(workspace, social.CATALOG, {"catalog_id": "777", "items": items(1, "GONE")})
    report = social.adapter.preflight(action, at=timezone.now())
    assert report.blocking
    ok = Action(workspace, social.CATALOG, {"catalog_id": "777", "items": items(1)})
    assert not social.adapter.preflight(ok, at=timezone.now()).blocking

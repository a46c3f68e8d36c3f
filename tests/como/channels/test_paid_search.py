"""Paid search (Google Ads responsive search ads): the exact mutate requests, Google's limits
with field paths, the preflight report, idempotency, and the HTTP transport against a local
server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from como.channels.ads.search import adapter
from como.channels.base import adapter_for_kind, adapter_get
from como.channels.errors import ChannelRejected, PayloadInvalid
from como.channels.models import ChannelAccount, SandboxRequest, TransportKind
from como.workspaces.models import Workspace

from .ads_support import Action, PlatformServer, recorded
from .sandbox_support import recorded_secret

pytestmark = pytest.mark.django_db
AT = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture
def account(workspace: Workspace) -> ChannelAccount:
    return ChannelAccount.objects.create(
        workspace=workspace,
        channel="paid_search",
        account_id="123-456-7890",
        credentials={
            "developer_token": "dev-tok",
            "access_token": "ya29.token",
            "login_customer_id": "999-000-1111",
        },
    )


def headlines(n: int, width: int = 10) -> list[str]:
    return [f"H{i:02d}".ljust(width, "x") for i in range(n)]


def descriptions(n: int, width: int = 40) -> list[str]:
    return [f"D{i}".ljust(width, "y") for i in range(n)]


def payload(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "ad_group": 555,
        "headlines": ["Spring sale on SUVs", "0% APR for 60 months", "Test drive today"],
        "descriptions": ["Visit our showroom this weekend.", "Over 300 vehicles in stock."],
        "final_urls": ["https://dealer.example.com/suvs"],
        "path1": "suvs",
        "path2": "spring",
    }
    return base | changes


def test_registered_by_key_and_kinds() -> None:
    assert adapter_get("paid_search") is adapter
    assert adapter_for_kind("search_ad_create") is adapter
    assert adapter_for_kind("search_ad_pause") is adapter


def test_create_records_the_exact_mutate_request(
    workspace: Workspace, account: ChannelAccount
) -> None:
    result = adapter.execute(Action(workspace, "search_ad_create", payload()), "act-1")

    [request] = recorded(workspace, "paid_search")
    assert request.method == "POST"
    assert request.url == (
        "https://googleads.googleapis.com/v22/customers/1234567890/adGroupAds:mutate"
    )
    assert request.headers == {
        "Authorization": recorded_secret("Bearer ya29.token"),
        "developer-token": recorded_secret("dev-tok"),
        "login-customer-id": "9990001111",
        "Content-Type": "application/json",
    }
    assert json.loads(request.body) == {
        "operations": [
            {
                "create": {
                    "adGroup": "customers/1234567890/adGroups/555",
                    "status": "ENABLED",
                    "ad": {
                        "finalUrls": ["https://dealer.example.com/suvs"],
                        "responsiveSearchAd": {
                            "headlines": [
                                {"text": "Spring sale on SUVs"},
                                {"text": "0% APR for 60 months"},
                                {"text": "Test drive today"},
                            ],
                            "descriptions": [
                                {"text": "Visit our showroom this weekend."},
                                {"text": "Over 300 vehicles in stock."},
                            ],
                            "path1": "suvs",
                            "path2": "spring",
                        },
                    },
                }
            }
        ]
    }
    assert result["sandbox"] is True
    assert result["external_id"].startswith("customers/1234567890/adGroupAds/555~")
    assert result["external_id"] == request.response["body"]["results"][0]["resourceName"]


def test_same_key_is_one_request_and_the_same_external_id(
    workspace: Workspace, account: ChannelAccount
) -> None:
    action = Action(workspace, "search_ad_create", payload())
    first = adapter.execute(action, "act-1")
    again = adapter.execute(action, "act-1")
    other = adapter.execute(action, "act-2")
    assert first == again
    assert other["external_id"] != first["external_id"]
    assert SandboxRequest.objects.filter(workspace=workspace, channel="paid_search").count() == 2


def test_resource_name_ad_group_and_paused_status_without_an_account(
    workspace: Workspace,
) -> None:
    action = Action(
        workspace,
        "search_ad_create",
        payload(ad_group="customers/42/adGroups/7", status="PAUSED", path1="", path2=""),
    )
    adapter.execute(action, "k")
    [request] = recorded(workspace, "paid_search")
    assert request.url == "https://googleads.googleapis.com/v22/customers/42/adGroupAds:mutate"
    create = json.loads(request.body)["operations"][0]["create"]
    assert create["adGroup"] == "customers/42/adGroups/7"
    assert create["status"] == "PAUSED"
    assert "path1" not in create["ad"]["responsiveSearchAd"]
    assert "login-customer-id" not in request.headers


def test_pause_is_an_update_with_a_status_mask(
    workspace: Workspace, account: ChannelAccount
) -> None:
    result = adapter.execute(
        Action(workspace, "search_ad_pause", {"ad_group": 555, "ad_id": 777}), "pause-1"
    )
    [request] = recorded(workspace, "paid_search")
    assert request.url.endswith("/v22/customers/1234567890/adGroupAds:mutate")
    assert json.loads(request.body) == {
        "operations": [
            {
                "update": {
                    "resourceName": "customers/1234567890/adGroupAds/555~777",
                    "status": "PAUSED",
                },
                "updateMask": "status",
            }
        ]
    }
    assert result["external_id"] == "customers/1234567890/adGroupAds/555~777"


@pytest.mark.parametrize(
    ("count", "error"),
    [
        (2, "Give 3 to 15 items (2 given)."),
        (3, None),
        (15, None),
        (16, "Give 3 to 15 items (16 given)."),
    ],
)
def test_headline_count(count: int, error: str | None) -> None:
    from como.channels.ads.search import build_create

    given = payload(ad_group="customers/1/adGroups/2", headlines=headlines(count))
    if error is None:
        body = build_create(given, None)["body"]
        assert (
            len(body["operations"][0]["create"]["ad"]["responsiveSearchAd"]["headlines"]) == count
        )
    else:
        with pytest.raises(PayloadInvalid) as raised:
            build_create(given, None)
        assert raised.value.errors == {"headlines": error}


@pytest.mark.parametrize(
    ("count", "error"),
    [
        (1, "Give 2 to 4 items (1 given)."),
        (2, None),
        (4, None),
        (5, "Give 2 to 4 items (5 given)."),
    ],
)
def test_description_count(count: int, error: str | None) -> None:
    from como.channels.ads.search import build_create

    given = payload(ad_group="customers/1/adGroups/2", descriptions=descriptions(count))
    if error is None:
        build_create(given, None)
    else:
        with pytest.raises(PayloadInvalid) as raised:
            build_create(given, None)
        assert raised.value.errors == {"descriptions": error}


def test_lengths_30_vs_31_and_90_vs_91_name_the_item() -> None:
    from como.channels.ads.search import build_create

    ok = payload(
        ad_group="customers/1/adGroups/2",
        headlines=["a" * 30, "b" * 30, "c" * 30],
        descriptions=["d" * 90, "e" * 90],
        path1="p" * 15,
        path2="q" * 15,
    )
    build_create(ok, None)

    bad = payload(
        ad_group="customers/1/adGroups/2",
        headlines=["a" * 30, "b" * 30, "c" * 30, "d" * 31],
        descriptions=["d" * 90, "e" * 91],
        path1="p" * 16,
        final_urls=["http://dealer.example.com"],
    )
    with pytest.raises(PayloadInvalid) as raised:
        build_create(bad, None)
    assert raised.value.errors == {
        "headlines[3]": "At most 30 characters (31 given).",
        "descriptions[1]": "At most 90 characters (91 given).",
        "path1": "At most 15 characters (16 given).",
        "final_urls[0]": "Must be an https:// URL.",
    }


def test_wide_characters_count_twice() -> None:
    from como.channels.ads.search import build_create

    given = payload(ad_group="customers/1/adGroups/2", headlines=["日" * 15, "本" * 16, "abc"])
    with pytest.raises(PayloadInvalid) as raised:
        build_create(given, None)
    assert raised.value.errors == {"headlines[1]": "At most 30 characters (32 given)."}


def test_preflight_turns_limits_into_blocking_findings(
    workspace: Workspace, account: ChannelAccount
) -> None:
    action = Action(workspace, "search_ad_create", payload(headlines=["x" * 31, "ok", "fine"]))
    report = adapter.preflight(action, at=AT)
    own = [f for f in report.findings if f.rule == "paid_search.payload"]
    assert [(f.severity, f.evidence, f.message) for f in own] == [
        ("block", {"field": "headlines[0]"}, "headlines[0]: At most 30 characters (31 given).")
    ]
    assert report.blocking[0] is own[0]


def test_preflight_of_a_valid_ad_has_no_payload_findings(
    workspace: Workspace, account: ChannelAccount
) -> None:
    report = adapter.preflight(Action(workspace, "search_ad_create", payload()), at=AT)
    assert not [f for f in report.findings if f.rule.startswith("paid_search.")]


def test_execute_refuses_an_invalid_payload_and_sends_nothing(
    workspace: Workspace, account: ChannelAccount
) -> None:
    with pytest.raises(PayloadInvalid):
        adapter.execute(Action(workspace, "search_ad_create", payload(headlines=["a"])), "k")
    assert recorded(workspace, "paid_search") == []


def test_ad_group_of_another_customer_is_refused(
    workspace: Workspace, account: ChannelAccount
) -> None:
    with pytest.raises(PayloadInvalid) as raised:
        adapter.execute(
            Action(workspace, "search_ad_create", payload(ad_group="customers/42/adGroups/7")),
            "k",
        )
    assert raised.value.errors == {"ad_group": "Belongs to customer 42, not 1234567890."}


# --- the real HTTP transport against a local server ------------------------------------------


@pytest.fixture
def google() -> Iterator[tuple[PlatformServer, str]]:
    server = PlatformServer(
        answer={"results": [{"resourceName": "customers/1234567890/adGroupAds/555~31337"}]}
    )
    for url in server.serve():
        yield server, url


def test_http_transport_sends_the_same_request(
    workspace: Workspace, account: ChannelAccount, google: tuple[PlatformServer, str]
) -> None:
    server, url = google
    account.transport = TransportKind.HTTP
    account.base_url = url
    account.settings = {"api_version": "v21"}
    account.save()

    result = adapter.execute(Action(workspace, "search_ad_create", payload()), "act-9")

    [received] = server.requests
    assert received.path == "/v21/customers/1234567890/adGroupAds:mutate"
    assert received.headers["developer-token"] == "dev-tok"
    assert received.headers["login-customer-id"] == "9990001111"
    assert received.headers["authorization"] == "Bearer ya29.token"
    assert json.loads(received.body)["operations"][0]["create"]["adGroup"] == (
        "customers/1234567890/adGroups/555"
    )
    assert result == {
        "external_id": "customers/1234567890/adGroupAds/555~31337",
        "sandbox": False,
        "idempotency_key": "act-9",
    }
    assert recorded(workspace, "paid_search") == []


def test_http_4xx_is_a_rejection(
    workspace: Workspace, account: ChannelAccount, google: tuple[PlatformServer, str]
) -> None:
    server, url = google
    server.status = 400
    account.transport = TransportKind.HTTP
    account.base_url = url
    account.save()
    with pytest.raises(ChannelRejected):
        adapter.execute(Action(workspace, "search_ad_create", payload()), "act-9")


def test_no_metrics_without_an_import(workspace: Workspace) -> None:
    assert adapter.sync_metrics(workspace_id=workspace.pk, day=date(2026, 3, 1)) == []

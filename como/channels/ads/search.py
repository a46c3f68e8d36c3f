"""Paid search: Google Ads responsive search ads, created and paused through the Google Ads API
(REST, ``adGroupAds:mutate``).

Payload of ``search_ad_create``::

    {"ad_group": "customers/1234567890/adGroups/555" or 555,
     "headlines": [3 to 15 texts of ≤ 30], "descriptions": [2 to 4 texts of ≤ 90],
     "final_urls": ["https://…"], "path1": "≤ 15", "path2": "≤ 15",
     "status": "ENABLED" | "PAUSED", "campaign_id": como's campaign id (metrics)}

``search_ad_pause``: ``{"ad_group_ad": "customers/…/adGroupAds/555~777"}`` or
``{"ad_group": 555, "ad_id": 777}``.

Limits from Google Ads Help, "About responsive search ads" and "Character limits for ads"
(wide CJK characters count twice). The channel account holds the customer id
(``account_id``), ``credentials.developer_token``, ``credentials.access_token`` and optionally
``credentials.login_customer_id`` (the manager account); ``settings.api_version`` overrides
the API version. Google Ads has no request idempotency key: the action's claim keeps a create
from being sent twice, and the sandbox dedupes by key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from ..base import ActionLike, register_adapter
from ..models import ChannelAccount
from ..transports import OutboundRequest
from . import common

KEY = "paid_search"
CREATE = "search_ad_create"
PAUSE = "search_ad_pause"
API_BASE = "https://googleads.googleapis.com"
API_VERSION = "22"
CITATION = "Google Ads Help: About responsive search ads; Character limits for ads"

HEADLINES = (3, 15)
HEADLINE_WIDTH = 30
DESCRIPTIONS = (2, 4)
DESCRIPTION_WIDTH = 90
PATH_WIDTH = 15
STATUSES = ("ENABLED", "PAUSED")

_AD_GROUP = re.compile(r"^customers/(\d+)/adGroups/(\d+)$")
_AD_GROUP_AD = re.compile(r"^customers/(\d+)/adGroupAds/(\d+)~(\d+)$")


def _customer_id(account: ChannelAccount | None) -> str:
    return (account.account_id if account is not None else "").replace("-", "").strip()


def _ad_group(limits: common.Limits, value: Any, customer: str) -> tuple[str, str]:
    """(customer id, resource name) of the ad group, from a resource name or a bare id."""
    if isinstance(value, str) and (match := _AD_GROUP.match(value.strip())):
        if customer and match.group(1) != customer:
            limits.add("ad_group", f"Belongs to customer {match.group(1)}, not {customer}.")
        return match.group(1), value.strip()
    group = limits.identifier("ad_group", value)
    if not customer:
        limits.add(
            "ad_group",
            "Give customers/{customer id}/adGroups/{id}, or set the customer id on the "
            "channel account.",
        )
    return customer, f"customers/{customer}/adGroups/{group}"


def _copy(
    limits: common.Limits, payload: Mapping[str, Any], *, urls_required: bool = True
) -> tuple[list[str], list[str], list[str], str, str]:
    """The ad's copy (headlines, descriptions, final URLs, display paths), whatever account
    or ad group it goes to."""
    headlines = limits.texts(
        "headlines",
        payload.get("headlines"),
        least=HEADLINES[0],
        most=HEADLINES[1],
        max_width=HEADLINE_WIDTH,
    )
    descriptions = limits.texts(
        "descriptions",
        payload.get("descriptions"),
        least=DESCRIPTIONS[0],
        most=DESCRIPTIONS[1],
        max_width=DESCRIPTION_WIDTH,
    )
    urls = payload.get("final_urls")
    if urls_required and (not isinstance(urls, list) or not urls):
        limits.add("final_urls", "Give at least one https:// URL.")
    if not isinstance(urls, list):
        urls = []
    final_urls = [limits.https_url(f"final_urls[{i}]", url) for i, url in enumerate(urls)]
    path1 = limits.text("path1", payload.get("path1"), max_width=PATH_WIDTH, required=False)
    path2 = limits.text("path2", payload.get("path2"), max_width=PATH_WIDTH, required=False)
    if path2 and not path1:
        limits.add("path2", "Needs path1.")
    return headlines, descriptions, final_urls, path1, path2


def copy_limits(payload: Mapping[str, Any]) -> None:
    """What Google would refuse in the copy alone (no ad group, no customer; final URLs only
    when given): PayloadInvalid names every field."""
    limits = common.Limits()
    _copy(limits, payload, urls_required=False)
    limits.raise_if_any()


def _create_checked(
    payload: Mapping[str, Any], account: ChannelAccount | None
) -> tuple[common.Limits, tuple[Any, ...]]:
    """What :func:`build_create` checks, in its order: the errors, and the values it sends."""
    limits = common.Limits()
    customer, ad_group = _ad_group(limits, payload.get("ad_group"), _customer_id(account))
    copy = _copy(limits, payload)
    status = limits.choice("status", payload.get("status"), STATUSES, "ENABLED")
    return limits, (customer, ad_group, *copy, status)


def check_create(payload: Mapping[str, Any], account: ChannelAccount | None) -> None:
    """:func:`build_create`'s PayloadInvalid, without assembling the request (judging a
    creative needs only what Google would refuse)."""
    _create_checked(payload, account)[0].raise_if_any()


def build_create(payload: Mapping[str, Any], account: ChannelAccount | None) -> dict[str, Any]:
    """The mutate body; PayloadInvalid names every field past Google's limits."""
    limits, checked = _create_checked(payload, account)
    customer, ad_group, headlines, descriptions, final_urls, path1, path2, status = checked
    limits.raise_if_any()
    rsa: dict[str, Any] = {
        "headlines": [{"text": text} for text in headlines],
        "descriptions": [{"text": text} for text in descriptions],
    }
    if path1:
        rsa["path1"] = path1
    if path2:
        rsa["path2"] = path2
    return {
        "customer": customer,
        "body": {
            "operations": [
                {
                    "create": {
                        "adGroup": ad_group,
                        "status": status,
                        "ad": {"finalUrls": final_urls, "responsiveSearchAd": rsa},
                    }
                }
            ]
        },
    }


def build_pause(payload: Mapping[str, Any], account: ChannelAccount | None) -> dict[str, Any]:
    limits = common.Limits()
    customer = _customer_id(account)
    name = payload.get("ad_group_ad")
    if isinstance(name, str) and (match := _AD_GROUP_AD.match(name.strip())):
        if customer and match.group(1) != customer:
            limits.add("ad_group_ad", f"Belongs to customer {match.group(1)}, not {customer}.")
        customer, resource = match.group(1), name.strip()
    elif name:
        limits.add("ad_group_ad", "Give customers/{customer id}/adGroupAds/{ad group}~{ad}.")
        resource = ""
    else:
        group = limits.identifier("ad_group", payload.get("ad_group"))
        ad = limits.identifier("ad_id", payload.get("ad_id"))
        if not customer:
            limits.add("ad_group_ad", "Set the customer id on the channel account.")
        resource = f"customers/{customer}/adGroupAds/{group}~{ad}"
    limits.raise_if_any()
    return {
        "customer": customer,
        "body": {
            "operations": [
                {"update": {"resourceName": resource, "status": "PAUSED"}, "updateMask": "status"}
            ]
        },
    }


def _simulate(request: OutboundRequest) -> tuple[int, Mapping[str, Any]]:
    operation = json.loads(request.body)["operations"][0]
    if "create" in operation:
        group = operation["create"]["adGroup"]
        customer, group_id = group.split("/")[1], group.split("/")[3]
        ad_id = common.simulated_id(request.idempotency_key)
        name = f"customers/{customer}/adGroupAds/{group_id}~{ad_id}"
    else:
        name = operation["update"]["resourceName"]
    return 200, {"results": [{"resourceName": name}]}


class PaidSearchAdapter(common.BuiltAdAdapter):
    key = KEY
    citation = CITATION
    builders = {CREATE: build_create, PAUSE: build_pause}
    drafted = CREATE

    def ad_fields(self, payload: Mapping[str, Any]) -> dict[str, str]:
        urls = payload.get("final_urls")
        return {
            "headlines": common.joined_lines(payload.get("headlines")),
            "descriptions": common.joined_lines(payload.get("descriptions")),
            "final_url": str(urls[0]) if isinstance(urls, list) and urls else "",
        }

    def execute(self, action: ActionLike, idempotency_key: str) -> Mapping[str, Any]:
        account = common.account_for(action, KEY)
        built = self.build(action, account)
        version = common.setting(account, "api_version", API_VERSION).lstrip("v")
        headers = {
            "Authorization": f"Bearer {common.credential(account, 'access_token')}",
            "developer-token": common.credential(account, "developer_token"),
            "Content-Type": "application/json",
        }
        manager = common.credential(account, "login_customer_id").replace("-", "")
        if manager:
            headers["login-customer-id"] = manager
        request = OutboundRequest(
            workspace_id=action.workspace_id,
            channel=KEY,
            idempotency_key=idempotency_key,
            method="POST",
            url=f"{common.base_url(account, API_BASE)}/v{version}/customers/"
            f"{built['customer']}/adGroupAds:mutate",
            headers=headers,
            body=common.json_body(built["body"]),
        )
        response = common.send(account, request, _simulate)
        answer = common.answer_of(response)
        results = answer.get("results") or [{}]
        return {
            "external_id": results[0].get("resourceName", ""),
            "sandbox": response.sandbox,
            "idempotency_key": idempotency_key,
        }


adapter = register_adapter(PaidSearchAdapter())


LIMITS = common.PlatformLimits(
    KEY,
    build_create,
    PaidSearchAdapter().ad_fields,
    CITATION,
    copy=copy_limits,
    check=check_create,
)

"""LinkedIn: single-image Sponsored Content through the versioned Marketing API (``/rest``).

A creative and its post are created in one call, ``POST
/rest/adAccounts/{id}/creatives?action=createInline`` (the "Creatives API", inline content),
so one action is one request under one idempotency key. Pausing is a Rest.li partial update of
the creative's ``intendedStatus``.

Payloads:

- ``linkedin_ad_create``: ``{"campaign": 123 or "urn:li:sponsoredCampaign:123",
  "commentary": introductory text, "headline": …, "description"?: …, "landing_page": https,
  "image"?: "urn:li:image:…", "organization"?: id (default: the account's sender),
  "status"?: "ACTIVE"|"PAUSED"|"DRAFT", "name"?: …, "campaign_id"?: como's}``;
- ``linkedin_ad_pause``: ``{"creative": 456 or "urn:li:sponsoredCreative:456"}``.

Limits from LinkedIn's ads guide, single image ads: introductory text ≤ 600 characters,
headline ≤ 200, description ≤ 300. The channel account holds ``account_id`` (the ad account),
``sender`` (the organization id), ``credentials.access_token`` and optionally
``settings.api_version`` (``YYYYMM``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from ..base import ActionLike, register_adapter
from ..models import ChannelAccount
from ..transports import OutboundRequest
from . import common

KEY = "linkedin"
CREATE = "linkedin_ad_create"
PAUSE = "linkedin_ad_pause"
API_BASE = "https://api.linkedin.com"
API_VERSION = "202510"
CITATION = "LinkedIn Ads Guide: single image ads specs; Marketing API Creatives API"

COMMENTARY_MAX = 600
HEADLINE_MAX = 200
DESCRIPTION_MAX = 300
STATUSES = ("ACTIVE", "PAUSED", "DRAFT")


def _urn_id(limits: common.Limits, path: str, value: Any, kind: str) -> str:
    prefix = f"urn:li:{kind}:"
    if isinstance(value, str) and value.startswith(prefix):
        value = value.removeprefix(prefix)
    return limits.identifier(path, value)


def _ad_account(account: ChannelAccount | None, limits: common.Limits) -> str:
    return common.ad_account_id(
        account,
        limits,
        prefix="urn:li:sponsoredAccount:",
        missing="Set the LinkedIn ad account id on the channel account.",
    )


def _copy(
    limits: common.Limits, payload: Mapping[str, Any], *, landing_required: bool = True
) -> tuple[str, str, str, str]:
    """The ad's copy (commentary, headline, description, landing page), whatever ad account,
    campaign or organization it goes to."""
    commentary = limits.characters(payload, "commentary", max_width=COMMENTARY_MAX)
    headline = limits.characters(payload, "headline", max_width=HEADLINE_MAX)
    description = limits.characters(
        payload, "description", max_width=DESCRIPTION_MAX, required=False
    )
    landing = limits.https_url(
        "landing_page", payload.get("landing_page"), required=landing_required
    )
    return commentary, headline, description, landing


def copy_limits(payload: Mapping[str, Any]) -> None:
    """What LinkedIn would refuse in the copy alone (no ad account, campaign or organization;
    the landing page only when given): PayloadInvalid names every field."""
    limits = common.Limits()
    _copy(limits, payload, landing_required=False)
    limits.raise_if_any()


def build_create(payload: Mapping[str, Any], account: ChannelAccount | None) -> dict[str, Any]:
    limits = common.Limits()
    ad_account = _ad_account(account, limits)
    campaign = _urn_id(limits, "campaign", payload.get("campaign"), "sponsoredCampaign")
    commentary, headline, description, landing = _copy(limits, payload)
    organization = _urn_id(
        limits,
        "organization",
        payload.get("organization") or (account.sender if account is not None else ""),
        "organization",
    )
    status = limits.choice("status", payload.get("status"), STATUSES, "ACTIVE")
    image = payload.get("image")
    if image is not None and not (isinstance(image, str) and image.startswith("urn:li:image:")):
        limits.add("image", "Give an uploaded image's URN (urn:li:image:…).")
    limits.raise_if_any()
    article: dict[str, Any] = {"source": landing, "title": headline}
    if description:
        article["description"] = description
    if image:
        article["thumbnail"] = image
    creative: dict[str, Any] = {
        "inlineContent": {
            "post": {
                "adContext": {
                    "dscAdAccount": f"urn:li:sponsoredAccount:{ad_account}",
                    "dscStatus": "ACTIVE",
                },
                "author": f"urn:li:organization:{organization}",
                "commentary": commentary,
                "visibility": "PUBLIC",
                "lifecycleState": "PUBLISHED",
                "isReshareDisabledByAuthor": False,
                "content": {"article": article},
            }
        },
        "campaign": f"urn:li:sponsoredCampaign:{campaign}",
        "intendedStatus": status,
    }
    if isinstance(payload.get("name"), str) and payload["name"]:
        creative["name"] = payload["name"]
    return {
        "path": f"/rest/adAccounts/{ad_account}/creatives?action=createInline",
        "headers": {},
        "body": {"creative": creative},
    }


def build_pause(payload: Mapping[str, Any], account: ChannelAccount | None) -> dict[str, Any]:
    limits = common.Limits()
    ad_account = _ad_account(account, limits)
    creative = _urn_id(limits, "creative", payload.get("creative"), "sponsoredCreative")
    limits.raise_if_any()
    urn = quote(f"urn:li:sponsoredCreative:{creative}", safe="")
    return {
        "path": f"/rest/adAccounts/{ad_account}/creatives/{urn}",
        "headers": {"X-RestLi-Method": "PARTIAL_UPDATE"},
        "body": {"patch": {"$set": {"intendedStatus": "PAUSED"}}},
        "creative": f"urn:li:sponsoredCreative:{creative}",
    }


def _simulate(request: OutboundRequest) -> tuple[int, Mapping[str, Any]]:
    if "action=createInline" in request.url:
        number = common.simulated_id(request.idempotency_key, 9)
        return 200, {"value": {"creative": f"urn:li:sponsoredCreative:{number}"}}
    json.loads(request.body)  # a partial update must at least be JSON
    return 204, {}


class LinkedInAdapter(common.BuiltAdAdapter):
    key = KEY
    citation = CITATION
    builders = {CREATE: build_create, PAUSE: build_pause}
    drafted = CREATE

    def ad_fields(self, payload: Mapping[str, Any]) -> dict[str, str]:
        return {
            "primary_text": str(payload.get("commentary") or ""),
            "headline": str(payload.get("headline") or ""),
            "description": str(payload.get("description") or ""),
            "final_url": str(payload.get("landing_page") or ""),
        }

    def execute(self, action: ActionLike, idempotency_key: str) -> Mapping[str, Any]:
        account = common.account_for(action, KEY)
        built = self.build(action, account)
        request = OutboundRequest(
            workspace_id=action.workspace_id,
            channel=KEY,
            idempotency_key=idempotency_key,
            method="POST",
            url=common.base_url(account, API_BASE) + built["path"],
            headers={
                "Authorization": f"Bearer {common.credential(account, 'access_token')}",
                "LinkedIn-Version": common.setting(account, "api_version", API_VERSION),
                "X-Restli-Protocol-Version": "2.0.0",
                "Content-Type": "application/json",
                **built["headers"],
            },
            body=common.json_body(built["body"]),
        )
        response = common.send(account, request, _simulate)
        answer = common.answer_of(response)
        if action.kind == CREATE:
            value = answer.get("value") or {}
            external = str(value.get("creative") or response.headers.get("x-restli-id", ""))
        else:
            external = built["creative"]
        return {
            "external_id": external,
            "sandbox": response.sandbox,
            "idempotency_key": idempotency_key,
        }


adapter = register_adapter(LinkedInAdapter())


LIMITS = common.PlatformLimits(
    KEY, build_create, LinkedInAdapter().ad_fields, CITATION, copy=copy_limits
)

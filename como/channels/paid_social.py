"""Paid social: Meta (Facebook and Instagram) ads and customer-list audiences through the
Marketing API (Graph API, form-encoded POSTs as Meta documents them).

Payloads:

- ``social_ad_create``: ``{"adset_id": …, "name"?: …, "status"?: "ACTIVE"|"PAUSED",
  "creative_id": …}`` to use an existing creative, or instead of ``creative_id`` the copy
  ``{"primary_text", "headline", "description"?, "link", "image_hash"?, "call_to_action"?,
  "page_id"?}``, sent as ``object_story_spec.link_data``; ``campaign_id`` is como's.
- ``social_ad_pause``: ``{"ad_id": …}``.
- ``social_audience_upload``: ``{"audience_id": …, "contact_ids": [...]}``. People who opted
  out of ads (consent revoked on ``ads``, or suppressed on ``ads`` or everywhere) are left out:
  CCPA's right to opt out of sale and sharing. The result counts them.

Text limits, chosen from Meta's Ads Guide (facebook.com/business/ads-guide, image ads): the
guide *recommends* primary text ≤ 125, headline ≤ 40 and description ≤ 30 characters (longer
text is truncated in most placements), which we report as warnings; we *block* beyond 2,200
characters of primary text (Instagram's caption limit, the strictest placement an ad set may
use) and 255 of headline or description.

The channel account holds ``account_id`` (the ad account, with or without ``act_``),
``sender`` (the Facebook Page the ad speaks as), ``credentials.access_token``, and optionally
``settings.api_version``. The Graph API has no idempotency key for these calls; the action's
claim keeps a create from being sent twice and the sandbox dedupes by key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qs, urlencode

from django.utils import timezone

from como.compliance.drafts import Recipient
from como.compliance.findings import Finding, Report, Severity
from como.compliance.recipients import recipients_for
from como.leads.models import Contact

from . import ads_common as common
from .base import ActionLike, MetricRow, register_adapter
from .errors import PayloadInvalid
from .models import ChannelAccount
from .transports import OutboundRequest

KEY = "paid_social"
CREATE = "social_ad_create"
PAUSE = "social_ad_pause"
AUDIENCE = "social_audience_upload"
API_BASE = "https://graph.facebook.com"
API_VERSION = "v25.0"
CITATION = "Meta Ads Guide (facebook.com/business/ads-guide); Marketing API reference"
AUDIENCE_CITATION = "Cal. Civ. Code §1798.120 (CCPA right to opt out of sale/sharing)"

PRIMARY_TEXT_MAX = 2_200
HEADLINE_MAX = 255
DESCRIPTION_MAX = 255
RECOMMENDED = {"primary_text": 125, "headline": 40, "description": 30}
STATUSES = ("ACTIVE", "PAUSED")
CALLS_TO_ACTION = (
    "LEARN_MORE",
    "SHOP_NOW",
    "SIGN_UP",
    "CONTACT_US",
    "GET_QUOTE",
    "BOOK_TRAVEL",
    "APPLY_NOW",
    "DOWNLOAD",
    "GET_OFFER",
    "SUBSCRIBE",
)
#: Meta takes at most 10,000 people per request; more go in one session of several batches.
BATCH_SIZE = 10_000
#: Meta's multi-key customer-list schema: each value normalised, then SHA-256 hashed.
AUDIENCE_SCHEMA = ["EMAIL", "PHONE"]


# --- ads -------------------------------------------------------------------------------------


def _ad_account(account: ChannelAccount | None, limits: common.Limits) -> str:
    value = (account.account_id if account is not None else "").strip().removeprefix("act_")
    if not value.isdigit():
        limits.add("ad_account", "Set the ad account id (act_…) on the channel account.")
    return value


def build_create(payload: Mapping[str, Any], account: ChannelAccount | None) -> dict[str, Any]:
    limits = common.Limits()
    ad_account = _ad_account(account, limits)
    adset = limits.identifier("adset_id", payload.get("adset_id"))
    status = limits.choice("status", payload.get("status"), STATUSES, "ACTIVE")
    name = limits.text("name", payload.get("name"), max_width=400, required=False, wide=False)
    creative: dict[str, Any]
    if payload.get("creative_id"):
        creative = {"creative_id": limits.identifier("creative_id", payload.get("creative_id"))}
    else:
        message = limits.text(
            "primary_text", payload.get("primary_text"), max_width=PRIMARY_TEXT_MAX, wide=False
        )
        headline = limits.text(
            "headline", payload.get("headline"), max_width=HEADLINE_MAX, wide=False
        )
        description = limits.text(
            "description",
            payload.get("description"),
            max_width=DESCRIPTION_MAX,
            required=False,
            wide=False,
        )
        link = limits.https_url("link", payload.get("link"))
        page = str(payload.get("page_id") or (account.sender if account is not None else ""))
        if not page.isdigit():
            limits.add("page_id", "Give the Facebook Page id (or set it as the account's sender).")
        cta = limits.choice(
            "call_to_action", payload.get("call_to_action"), CALLS_TO_ACTION, "LEARN_MORE"
        )
        link_data: dict[str, Any] = {"message": message, "link": link, "name": headline}
        if description:
            link_data["description"] = description
        if payload.get("image_hash"):
            link_data["image_hash"] = str(payload["image_hash"])
        link_data["call_to_action"] = {"type": cta, "value": {"link": link}}
        creative = {"object_story_spec": {"page_id": page, "link_data": link_data}}
    limits.raise_if_any()
    return {
        "path": f"act_{ad_account}/ads",
        "form": [
            ("name", name or f"como {payload.get('campaign_id') or ''}".strip()),
            ("adset_id", adset),
            ("creative", common.json_body(creative)),
            ("status", status),
        ],
    }


def build_pause(payload: Mapping[str, Any]) -> dict[str, Any]:
    limits = common.Limits()
    ad = limits.identifier("ad_id", payload.get("ad_id"))
    limits.raise_if_any()
    return {"path": ad, "form": [("status", "PAUSED")]}


def recommended_length_findings(payload: Mapping[str, Any]) -> list[Finding]:
    """Text Meta would truncate: allowed, but the approver should know."""
    findings = []
    for field, limit in RECOMMENDED.items():
        value = payload.get(field)
        if isinstance(value, str) and len(value) > limit:
            findings.append(
                Finding(
                    rule=f"{KEY}.payload.recommended",
                    severity=Severity.WARN,
                    message=f"{field}: {len(value)} characters; Meta recommends at most {limit} "
                    "and truncates longer text in most placements.",
                    citation=CITATION,
                    fix="Shorten it, or accept the truncation.",
                    evidence={"field": field},
                )
            )
    return findings


# --- audiences -------------------------------------------------------------------------------


def normalized_email(email: str) -> str:
    """Meta: trim leading and trailing whitespace, lowercase."""
    return email.strip().lower()


def normalized_phone(phone: str) -> str:
    """Meta: digits only, with the country code, no leading zeros (E.164 without the +)."""
    return "".join(ch for ch in phone if ch.isdigit()).lstrip("0")


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest() if value else ""


def opted_out_of_ads(recipient: Recipient) -> bool:
    return recipient.consent("ads").revoked or recipient.is_suppressed("ads")


@dataclass_like := None  # placeholder removed below

"""Paid social: Meta (Facebook and Instagram) ads and customer-list audiences through the
Marketing API (Graph API, form-encoded POSTs as Meta documents them).

Payloads:

- ``social_ad_create``: ``{"adset_id": …, "name"?: …, "status"?: "ACTIVE"|"PAUSED",
  "creative_id": …}`` to use an existing creative, or instead of ``creative_id`` the copy
  ``{"primary_text", "headline", "description"?, "link", "image_hash"?, "call_to_action"?,
  "page_id"?}``, sent as ``object_story_spec.link_data``; ``campaign_id`` is como's.
- ``social_ad_pause``: ``{"ad_id": …}``.
- ``social_catalog_update``: ``{"catalog_id": …, "item_type": "VEHICLE", "items": [{"id": …,
  "availability": "NOT_AVAILABLE"}, …]}`` (≤ 5,000 items): a real-time update of catalog items
  through the Catalog Batch API (``POST /{catalog_id}/items_batch`` with ``item_type`` and
  ``requests``, each ``{"method": "UPDATE", "data": {…}}``), so a change reaches the catalog now
  rather than at its next scheduled feed fetch (Meta fetches a feed at most hourly).
- ``social_audience_upload``: ``{"audience_id": …, "contact_ids": [...]}``. People who opted
  out of ads (consent revoked on ``ads``, or suppressed on ``ads`` or everywhere) are left out:
  CCPA's right to opt out of sale and sharing. The result counts them.
- ``social_audience_remove``: the same payload; the people are taken out of the audience with
  ``DELETE /{audience_id}/users`` and the same hashed ``payload`` (Marketing API, Custom
  Audiences: "Remove users"), in sessions of 10,000 like the upload. Nobody is left out for
  having opted out of ads: removing them is what the opt-out asks.

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

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qs, urlencode

from django.utils import timezone

from como.compliance.drafts import Recipient
from como.compliance.findings import Finding, Report, Severity

from ..base import ActionLike, MetricRow, register_adapter
from ..errors import PayloadInvalid
from ..models import ChannelAccount, TransportKind
from ..transports import OutboundRequest
from . import common
from .social_audiences import AUDIENCE_SCHEMA, BATCH_SIZE, audience_for, audience_rows
from .social_catalog import CATALOG_BATCH_MAX, build_catalog_update

#: Names other modules read here, kept where they were before the audiences and the catalog
#: moved into modules of their own.
__all__ = ["CATALOG_BATCH_MAX", "audience_for", "build_catalog_update", "build_create"]

KEY = "paid_social"
CREATE = "social_ad_create"
PAUSE = "social_ad_pause"
AUDIENCE = "social_audience_upload"
AUDIENCE_REMOVE = "social_audience_remove"
CATALOG = "social_catalog_update"
API_BASE = "https://graph.facebook.com"
API_VERSION = "v25.0"
CITATION = "Meta Ads Guide (facebook.com/business/ads-guide); Marketing API reference"

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


# --- ads -------------------------------------------------------------------------------------


def _ad_account(account: ChannelAccount | None, limits: common.Limits) -> str:
    return common.ad_account_id(
        account,
        limits,
        prefix="act_",
        missing="Set the ad account id (act_…) on the channel account.",
    )


def _copy(
    limits: common.Limits, payload: Mapping[str, Any], *, link_required: bool = True
) -> tuple[str, str, str, str, str]:
    """The ad's copy (primary text, headline, description, link, call to action), whatever
    ad account, ad set or Page it goes to."""
    message = limits.characters(payload, "primary_text", max_width=PRIMARY_TEXT_MAX)
    headline = limits.characters(payload, "headline", max_width=HEADLINE_MAX)
    description = limits.characters(
        payload, "description", max_width=DESCRIPTION_MAX, required=False
    )
    link = limits.https_url("link", payload.get("link"), required=link_required)
    cta = limits.choice(
        "call_to_action", payload.get("call_to_action"), CALLS_TO_ACTION, "LEARN_MORE"
    )
    return message, headline, description, link, cta


def copy_limits(payload: Mapping[str, Any]) -> None:
    """What Meta would refuse in the copy alone (no ad account, ad set or Page; the link only
    when given): PayloadInvalid names every field."""
    limits = common.Limits()
    _copy(limits, payload, link_required=False)
    limits.raise_if_any()


def _create_checked(
    payload: Mapping[str, Any], account: ChannelAccount | None
) -> tuple[common.Limits, tuple[Any, ...]]:
    """What :func:`build_create` checks, in its order: the errors, and the values it sends."""
    limits = common.Limits()
    ad_account = _ad_account(account, limits)
    adset = limits.identifier("adset_id", payload.get("adset_id"))
    status = limits.choice("status", payload.get("status"), STATUSES, "ACTIVE")
    name = limits.characters(payload, "name", max_width=400, required=False)
    if payload.get("creative_id"):
        creative_id = limits.identifier("creative_id", payload.get("creative_id"))
        return limits, (ad_account, adset, status, name, creative_id, None, "")
    copy = _copy(limits, payload)
    page = str(payload.get("page_id") or (account.sender if account is not None else ""))
    if not page.isdigit():
        limits.add("page_id", "Give the Facebook Page id (or set it as the account's sender).")
    return limits, (ad_account, adset, status, name, "", copy, page)


def check_create(payload: Mapping[str, Any], account: ChannelAccount | None) -> None:
    """:func:`build_create`'s PayloadInvalid, without assembling the request (judging a
    creative needs only what Meta would refuse)."""
    _create_checked(payload, account)[0].raise_if_any()


def build_create(payload: Mapping[str, Any], account: ChannelAccount | None) -> dict[str, Any]:
    limits, (ad_account, adset, status, name, creative_id, copy, page) = _create_checked(
        payload, account
    )
    limits.raise_if_any()
    creative: dict[str, Any]
    if copy is None:
        creative = {"creative_id": creative_id}
    else:
        message, headline, description, link, cta = copy
        link_data: dict[str, Any] = {"message": message, "link": link, "name": headline}
        if description:
            link_data["description"] = description
        if payload.get("image_hash"):
            link_data["image_hash"] = str(payload["image_hash"])
        link_data["call_to_action"] = {"type": cta, "value": {"link": link}}
        creative = {"object_story_spec": {"page_id": page, "link_data": link_data}}
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


def ad_fields(payload: Mapping[str, Any]) -> dict[str, str]:
    """The create payload's text as the compliance engine reads it."""
    fields = {n: str(payload.get(n) or "") for n in ("primary_text", "headline", "description")}
    fields["final_url"] = str(payload.get("link") or "")
    return fields


LIMITS = common.PlatformLimits(
    KEY,
    build_create,
    ad_fields,
    CITATION,
    recommended_length_findings,
    copy=copy_limits,
    check=check_create,
)


# --- the adapter -----------------------------------------------------------------------------


def _simulate(request: OutboundRequest) -> tuple[int, Mapping[str, Any]]:
    form = parse_qs(request.body)
    if request.url.endswith("/users"):
        payload = json.loads(form["payload"][0])
        session = json.loads(form["session"][0]) if "session" in form else {}
        return 200, {
            "audience_id": request.url.rsplit("/", 2)[-2],
            "session_id": str(session.get("session_id", common.simulated_id(request.url))),
            "num_received": len(payload["data"]),
            "num_invalid_entries": 0,
            "invalid_entry_samples": {},
        }
    if request.url.endswith("/ads"):
        return 200, {"id": common.simulated_id(request.idempotency_key, 15)}
    if request.url.endswith("/items_batch"):
        return 200, {
            "handles": [common.simulated_id(request.idempotency_key, 15)],
            "validation_status": [],
        }
    return 200, {"success": True}


class PaidSocialAdapter(common.CitingAdapter):
    key = KEY
    citation = CITATION
    kinds = frozenset({CREATE, PAUSE, AUDIENCE, AUDIENCE_REMOVE, CATALOG})

    def preflight(self, action: ActionLike, *, at: datetime) -> Report:
        invalid: PayloadInvalid | None = None
        payload = action.payload if isinstance(action.payload, Mapping) else {}
        fields: dict[str, str] = {}
        extra: list[Finding] = []
        members: list[Recipient] = []
        try:
            if action.kind == AUDIENCE:
                # The audience as it will be uploaded: the CCPA check sees no one opted out.
                members = audience_for(payload, workspace_id=action.workspace_id, at=at).members
            elif action.kind == AUDIENCE_REMOVE:
                # Nothing new is shared: the payload only has to name the workspace's people.
                audience_for(payload, workspace_id=action.workspace_id, at=at, removal=True)
            elif action.kind == CREATE:
                build_create(common.payload_of(action), common.account_for(action, KEY))
            elif action.kind == CATALOG:
                build_catalog_update(common.payload_of(action))
            else:
                build_pause(common.payload_of(action))
        except PayloadInvalid as error:
            invalid = error
        if action.kind == CREATE:
            fields = ad_fields(payload)
            extra = recommended_length_findings(payload)
        return self.report(
            action, at=at, fields=fields, invalid=invalid, extra=extra, audience=members
        )

    def _request(
        self,
        action: ActionLike,
        account: ChannelAccount | None,
        key: str,
        path: str,
        form: list[tuple[str, str]],
        method: str = "POST",
    ) -> OutboundRequest:
        version = common.setting(account, "api_version", API_VERSION)
        return OutboundRequest(
            workspace_id=action.workspace_id,
            channel=KEY,
            idempotency_key=key,
            method=method,
            url=f"{common.base_url(account, API_BASE)}/{version}/{path}",
            headers={
                "Authorization": f"Bearer {common.credential(account, 'access_token')}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
            body=urlencode(form),
        )

    def execute(self, action: ActionLike, idempotency_key: str) -> Mapping[str, Any]:
        account = common.account_for(action, KEY)
        payload = common.payload_of(action)
        if action.kind in (AUDIENCE, AUDIENCE_REMOVE):
            return self._users(action, account, payload, idempotency_key)
        if action.kind == CREATE:
            built = build_create(payload, account)
        elif action.kind == PAUSE:
            built = build_pause(payload)
        elif action.kind == CATALOG:
            built = build_catalog_update(payload, account)
        else:
            raise PayloadInvalid({"kind": f"{KEY} does not handle {action.kind!r}."})
        request = self._request(action, account, idempotency_key, built["path"], built["form"])
        response = common.send(account, request, _simulate)
        answer = common.answer_of(response)
        if action.kind == CATALOG:
            # The batch's handle: /{catalog_id}/check_batch_request_status reports on it.
            handles = answer.get("handles") or [""]
            return {
                "external_id": str(handles[0]),
                "items": len(payload.get("items") or ()),
                "validation_status": answer.get("validation_status") or [],
                "sandbox": response.sandbox,
                "idempotency_key": idempotency_key,
            }
        external = str(answer.get("id") or (payload.get("ad_id") if action.kind == PAUSE else ""))
        return {
            "external_id": external,
            "sandbox": response.sandbox,
            "idempotency_key": idempotency_key,
        }

    def _users(
        self,
        action: ActionLike,
        account: ChannelAccount | None,
        payload: Mapping[str, Any],
        idempotency_key: str,
    ) -> Mapping[str, Any]:
        """Add (POST) or remove (DELETE) the people on ``/{audience_id}/users``."""
        removal = action.kind == AUDIENCE_REMOVE
        # Consent is read again now: someone may have opted out since the proposal.
        audience = audience_for(
            payload, workspace_id=action.workspace_id, at=timezone.now(), removal=removal
        )
        rows = audience_rows(audience.members)
        # Nobody left to add: nothing to send (Meta rejects an empty upload).
        batches = [rows[i : i + BATCH_SIZE] for i in range(0, len(rows), BATCH_SIZE)]
        session_id = int(common.simulated_id(idempotency_key, 15))
        received = 0
        sandbox = account is None or account.transport != TransportKind.HTTP
        for seq, batch in enumerate(batches, start=1):
            form = [("payload", common.json_body({"schema": AUDIENCE_SCHEMA, "data": batch}))]
            key = idempotency_key
            if len(batches) > 1:
                key = f"{idempotency_key}:{seq}"
                session = {
                    "session_id": session_id,
                    "batch_seq": seq,
                    "last_batch_flag": seq == len(batches),
                    "estimated_num_total": len(rows),
                }
                form.append(("session", common.json_body(session)))
            path = f"{audience.audience_id}/users"
            method = "DELETE" if removal else "POST"
            request = self._request(action, account, key, path, form, method)
            response = common.send(account, request, _simulate)
            received += int(common.answer_of(response).get("num_received", len(batch)))
        return {
            "external_id": audience.audience_id,
            ("removed" if removal else "uploaded"): len(rows),
            "received": received,
            "excluded_opted_out": audience.opted_out,
            "excluded_without_identifier": audience.without_identifier,
            "batches": len(batches),
            "sandbox": sandbox,
            "idempotency_key": idempotency_key,
        }

    def sync_metrics(self, *, workspace_id: int, day: date) -> list[MetricRow]:
        # Ad numbers come from imported platform reports (como.campaigns.services.metrics_import).
        return []


adapter = register_adapter(PaidSocialAdapter())

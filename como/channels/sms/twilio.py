"""Twilio's Messages API as como speaks it: the request exactly as Twilio documents it, what the
sandbox answers in its place, and a text sent and logged once per idempotency key.

``POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json`` with a form body (``To``,
``From`` or ``MessagingServiceSid``, ``Body``, ``StatusCallback``) and HTTP Basic auth
``AccountSid:AuthToken``.

Twilio's Messages API documents no idempotency key for a request (``I-Twilio-Idempotency-Token``
is a header Twilio sends on *its* webhooks), so none is sent: once-only rests on como's message
log. A key already logged sends nothing more; the one gap is a crash after Twilio accepted the
message and before its row is written (one HTTP response long), after which the retry sends the
text a second time. The sandbox, which records requests by key, repeats nothing.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.urls import reverse
from django.utils import timezone

from ..errors import ChannelRejected
from ..models import ChannelAccount, Direction, Message, MessageStatus
from ..public import public_url
from ..selectors import message_for_key
from ..services import message_record
from ..transports import (
    OutboundRequest,
    TransportResponse,
    transport_for,
)

CHANNEL = "sms"
TWILIO_API = "https://api.twilio.com"
API_VERSION = "2010-04-01"
#: Without a configured account the sandbox still needs an Account SID and a From number:
#: Twilio's documented test values.
SANDBOX_ACCOUNT_SID = "AC" + "0" * 32
SANDBOX_FROM = "+15005550006"
#: Twilio refuses a longer Body (error 21617).
MAX_BODY = 1600


def status_callback_url(account: ChannelAccount) -> str:
    return public_url(reverse("channels-sms-status", kwargs={"account_id": account.pk}))


def twilio_message_request(
    *,
    workspace_id: int,
    account: ChannelAccount | None,
    to: str,
    body: str,
    idempotency_key: str,
    sender: str = "",
) -> OutboundRequest:
    """The Create Message request. ``sender`` overrides the account's From (a reply goes out
    from the number that was texted); an ``MG…`` sender is a Messaging Service."""
    account_sid = (account.account_id if account else "") or SANDBOX_ACCOUNT_SID
    token = str((account.credentials or {}).get("auth_token", "")) if account else ""
    base = ((account.base_url if account else "") or TWILIO_API).rstrip("/")
    origin = sender or (account.sender if account else "") or SANDBOX_FROM
    fields = [("To", to)]
    fields.append(("MessagingServiceSid", origin) if origin.startswith("MG") else ("From", origin))
    fields.append(("Body", body))
    if account is not None and account.pk is not None:
        fields.append(("StatusCallback", status_callback_url(account)))
    credentials = base64.b64encode(f"{account_sid}:{token}".encode()).decode("ascii")
    return OutboundRequest(
        workspace_id=workspace_id,
        channel=CHANNEL,
        idempotency_key=idempotency_key,
        method="POST",
        url=f"{base}/{API_VERSION}/Accounts/{account_sid}/Messages.json",
        headers={
            "Authorization": f"Basic {credentials}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        },
        body=urlencode(fields),
    )


def twilio_sid(workspace_id: int, idempotency_key: str) -> str:
    """The sandbox's Message SID: "SM" and 32 hex digits, the same for the same key."""
    digest = hashlib.sha256(f"{workspace_id}:{idempotency_key}".encode()).hexdigest()
    return "SM" + digest[:32]


def _twilio_error(code: int, message: str) -> tuple[int, dict[str, Any]]:
    return 400, {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": 400,
    }


def twilio_simulate(request: OutboundRequest) -> tuple[int, Mapping[str, Any]]:
    """What Twilio answers to a Create Message request, including its validation errors."""
    form = dict(parse_qsl(request.body, keep_blank_values=True))
    to, body = form.get("To", ""), form.get("Body", "")
    if not to:
        return _twilio_error(21604, "A 'To' phone number is required.")
    if not to.startswith("+") or not to[1:].isdigit():
        return _twilio_error(21211, f"Invalid 'To' Phone Number: {to}")
    if not body:
        return _twilio_error(21602, "Message body is required.")
    if len(body) > MAX_BODY:
        return _twilio_error(
            21617, "The concatenated message body exceeds the 1600 character limit."
        )
    account_sid = request.url.split("/Accounts/", 1)[1].split("/", 1)[0]
    sid = twilio_sid(request.workspace_id, request.idempotency_key)
    service = form.get("MessagingServiceSid")
    now = format_datetime(timezone.now(), usegmt=True)
    uri = f"/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}.json"
    return 201, {
        "sid": sid,
        "account_sid": account_sid,
        "to": to,
        "from": form.get("From"),
        "messaging_service_sid": service,
        "body": body,
        # Through a Messaging Service Twilio first "accepts" and picks the number later.
        "status": "accepted" if service else "queued",
        "num_segments": str(-(-len(body) // 153) if len(body) > 160 else 1),
        "num_media": "0",
        "direction": "outbound-api",
        "api_version": API_VERSION,
        "price": None,
        "price_unit": "USD",
        "error_code": None,
        "error_message": None,
        "date_created": now,
        "date_updated": now,
        "date_sent": None,
        "uri": uri,
        "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
    }


def twilio_answer(response: TransportResponse) -> dict[str, Any]:
    """The created message (both transports have raised for a non-2xx answer already)."""
    status = response.status
    try:
        answer = response.json()
    except json.JSONDecodeError:
        answer = None
    if not isinstance(answer, dict) or not isinstance(answer.get("sid"), str):
        raise ChannelRejected(f"{CHANNEL}: HTTP {status} without a message sid")
    return answer


def sms_deliver(
    *,
    workspace_id: int,
    account: ChannelAccount | None,
    to: str,
    body: str,
    idempotency_key: str,
    purpose: str,
    contact_id: int | None = None,
    action_id: int | None = None,
    campaign_id: int | None = None,
    sender: str = "",
) -> Message:
    """Send one text and log it, once per key: a key already logged sends nothing more.

    A crash between Twilio accepting the text and the log being written (the window is one
    HTTP response) leaves the key unlogged, and the retry sends it again: Twilio has no
    request idempotency to catch that. The sandbox answers a repeated key with its first
    answer."""
    existing = message_for_key(workspace_id, idempotency_key)
    if existing is not None:
        return existing
    request = twilio_message_request(
        workspace_id=workspace_id,
        account=account,
        to=to,
        body=body,
        idempotency_key=idempotency_key,
        sender=sender,
    )
    answer = twilio_answer(transport_for(account, twilio_simulate).send(request))
    form = dict(parse_qsl(request.body))
    return message_record(
        workspace_id=workspace_id,
        idempotency_key=idempotency_key,
        channel=CHANNEL,
        direction=Direction.OUTBOUND,
        purpose=purpose,
        contact_id=contact_id,
        action_id=action_id,
        campaign_id=campaign_id,
        to=to,
        sender=form.get("From") or form.get("MessagingServiceSid", ""),
        body=body,
        provider_id=answer["sid"],
        status=MessageStatus.SENT,
        sent_at=timezone.now(),
    )

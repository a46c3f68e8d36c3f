"""The email provider's event webhook: ``POST /hooks/email/<workspace slug | account id>/events``.

Signed in the Standard Webhooks scheme (:mod:`..signatures`) with the workspace's email channel
account's ``webhook_secret`` (``whsec_…``); an account without a usable one
(:mod:`..account_secrets`) refuses every delivery with 403. A delivery is applied once: its
``webhook-id`` is recorded in :class:`~como.channels.models.WebhookReceipt` in the same
transaction as its effect, so a replay (or the provider's retry) answers 200 and changes nothing.

Events, ``{"type": …, "data": {"message_id" | "email_id": <the Message-ID>, "email": …}}``:

- ``email.delivered``: the message's ``delivered_at``;
- ``email.bounced``: its ``bounced_at``, and the address is suppressed for email (a bounce whose
  ``data.bounce.type`` says transient/soft is acknowledged and ignored: the mailbox exists);
- ``email.complained``: a spam complaint revokes the contact's email consent at once.
Other types are acknowledged and ignored, so the provider does not retry them.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from como import jsonsafe
from como.consent.models import SuppressionReason
from como.consent.services import consent_revoke, suppress
from como.leads.models import Contact
from como.leads.normalize import normalize_email
from como.workspaces.column_limits import column_max_length, refuse_longer

from ..account_secrets import webhook_secret
from ..models import ChannelAccount, Message, MessageStatus, WebhookReceipt
from ..reactions import message_reported
from ..services import message_stamp, webhook_receipt_claim
from ..signatures import SignatureInvalid, standard_verify

logger = logging.getLogger(__name__)

CHANNEL = "email"
SOURCE = "email"
_SOFT_BOUNCES = frozenset({"transient", "soft", "temporary"})
WEBHOOK_ID = "webhook-id"
#: The receipt's key is ``<account id>:<webhook-id>``; an id that would not fit is refused.
MAX_WEBHOOK_ID = column_max_length(WebhookReceipt, "delivery_id") - 21


def _account(ref: str) -> ChannelAccount | None:
    accounts = ChannelAccount.objects.select_related("workspace").filter(channel=CHANNEL)
    if ref.isascii() and ref.isdigit():
        return accounts.filter(pk=int(ref)).first()
    return accounts.filter(workspace__slug=ref).first()


def _message(workspace_id: int, data: dict[str, Any]) -> Message | None:
    value = data.get("message_id") or data.get("email_id")
    if not isinstance(value, str) or not value.strip():
        return None
    bare = value.strip().strip("<>")
    return (
        Message.objects.filter(workspace_id=workspace_id, channel=CHANNEL)
        .filter(Q(provider_id=bare) | Q(provider_id=f"<{bare}>"))
        .select_related("contact")
        .first()
    )


def _address(data: dict[str, Any], message: Message | None) -> str:
    value = data.get("email") or data.get("to")
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, str) and "@" in value:
        return value.strip()
    return message.to if message is not None else ""


@transaction.atomic
def email_event_apply(*, account: ChannelAccount, webhook_id: str, event: dict[str, Any]) -> str:
    """Apply one verified delivery once; return what happened (for the response)."""
    refuse_longer({WEBHOOK_ID: webhook_id}, {WEBHOOK_ID: MAX_WEBHOOK_ID})
    workspace_id = account.workspace_id
    if not webhook_receipt_claim(
        source=SOURCE, delivery_id=f"{account.pk}:{webhook_id}", workspace_id=workspace_id
    ):
        return "duplicate"
    kind = event["type"]
    data = event["data"]
    now = timezone.now()
    message = _message(workspace_id, data)
    if kind == "email.delivered":
        if message is None:
            return "unknown message"
        message_stamp(message=message, stamp="delivered_at", at=now)
        Message.objects.filter(pk=message.pk, status=MessageStatus.SENT).update(
            status=MessageStatus.DELIVERED
        )
        return "delivered"
    if kind == "email.bounced":
        bounce = data.get("bounce")
        if isinstance(bounce, dict) and str(bounce.get("type", "")).lower() in _SOFT_BOUNCES:
            return "ignored (soft bounce)"
        if message is not None:
            first = message_stamp(
                message=message, stamp="bounced_at", at=now, status=MessageStatus.BOUNCED
            )
            if first:
                message_reported(message, "email_bounced", now)
        address = _address(data, message)
        if address:
            _suppress_bounced(workspace_id, address)
        return "bounced"
    if kind == "email.complained":
        address = _address(data, message)
        contact = message.contact if message is not None else None
        normalized = _normalized(address) if address else ""
        if contact is None and normalized:
            contact = Contact.objects.filter(workspace_id=workspace_id, email=normalized).first()
        if contact is not None:
            consent_revoke(
                contact=contact,
                channel=CHANNEL,
                source="complaint",
                reason=SuppressionReason.BOUNCED,
                at=now,
            )
        elif address:
            _suppress_bounced(workspace_id, address)
        return "complained"
    return "ignored"


def _suppress_bounced(workspace_id: int, address: str) -> None:
    # A bounce, or a complaint from no known contact: the address gets no more email.
    suppress(
        workspace_id=workspace_id,
        addresses=[address],
        channel=CHANNEL,
        reason=SuppressionReason.BOUNCED,
    )


def _normalized(address: str) -> str:
    # Stored addresses are normalised (IDNA domains included); one that is not an address
    # matches nobody.
    try:
        return normalize_email(address)
    except ValidationError:
        return ""


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status)


@csrf_exempt
@require_POST
def email_events(request: HttpRequest, ref: str) -> JsonResponse:
    account = _account(ref)
    if account is None:
        return _error("Not found.", 404)
    secret = webhook_secret(account, logger)
    if secret is None:
        # 403, not 5xx: nothing the provider retries will help until someone sets a usable
        # secret, and the log says which account needs one.
        return _error("This account accepts no deliveries until its webhook secret is set.", 403)
    body = request.body
    try:
        webhook_id = standard_verify(secret, headers=request.headers, body=body)
    except SignatureInvalid as error:
        return _error(str(error), error.status)
    try:
        event = jsonsafe.loads(body)
    except jsonsafe.JSONSyntaxError as error:
        return _error(f"The body is not JSON: {jsonsafe.printable(str(error))}", 400)
    if found := jsonsafe.problems(event):
        return JsonResponse(found, status=400)
    if not (
        isinstance(event, dict)
        and isinstance(event.get("type"), str)
        and isinstance(event.get("data"), dict)
    ):
        return _error('Expected {"type": "...", "data": {...}}.', 400)
    try:
        status = email_event_apply(account=account, webhook_id=webhook_id, event=event)
    except ValidationError as error:
        return JsonResponse(error.message_dict, status=400)
    return JsonResponse({"status": status})


urlpatterns = [
    path("<str:ref>/events", email_events, name="email-webhook-events"),
]

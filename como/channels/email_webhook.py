"""The email provider's event webhook: ``POST /hooks/email/<workspace slug | account id>/events``.

Signed in the Standard Webhooks scheme (:mod:`.signatures`) with the workspace's email channel
account's ``webhook_secret`` (``whsec_…``). A delivery is applied once: its ``webhook-id`` is
recorded in :class:`~como.channels.models.WebhookReceipt` in the same transaction as its
effect, so a replay (or the provider's retry) answers 200 and changes nothing.

Events, ``{"type": …, "data": {"message_id" | "email_id": <the Message-ID>, "email": …}}``:

- ``email.delivered``: the message's ``delivered_at``;
- ``email.bounced``: its ``bounced_at``, and the address is suppressed for email (a bounce whose
  ``data.bounce.type`` says transient/soft is acknowledged and ignored: the mailbox exists);
- ``email.complained``: a spam complaint revokes the contact's email consent at once.
Other types are acknowledged and ignored, so the provider does not retry them.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
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

from .models import ChannelAccount, Message, MessageStatus, WebhookReceipt
from .reactions import message_reported
from .signatures import SignatureInvalid, standard_verify

CHANNEL = "email"
SOURCE = "email"
_SOFT_BOUNCES = frozenset({"transient", "soft", "temporary"})


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
    workspace_id = account.workspace_id
    try:
        with transaction.atomic():
            WebhookReceipt.objects.create(
                source=SOURCE, delivery_id=f"{account.pk}:{webhook_id}", workspace_id=workspace_id
            )
    except IntegrityError:
        return "duplicate"
    kind = event["type"]
    data = event["data"]
    now = timezone.now()
    message = _message(workspace_id, data)
    if kind == "email.delivered":
        if message is None:
            return "unknown message"
        Message.objects.filter(pk=message.pk, delivered_at__isnull=True).update(delivered_at=now)
        Message.objects.filter(pk=message.pk, status=MessageStatus.SENT).update(
            status=MessageStatus.DELIVERED
        )
        return "delivered"
    if kind == "email.bounced":
        bounce = data.get("bounce")
        if isinstance(bounce, dict) and str(bounce.get("type", "")).lower() in _SOFT_BOUNCES:
            return "ignored (soft bounce)"
        if message is not None:
            first = Message.objects.filter(pk=message.pk, bounced_at__isnull=True).update(
                bounced_at=now, status=MessageStatus.BOUNCED
            )
            if first:
                message_reported(message, "email_bounced", now)
        address = _address(data, message)
        if address:
            suppress(
                workspace_id=workspace_id,
                addresses=[address],
                channel=CHANNEL,
                reason=SuppressionReason.BOUNCED,
            )
        return "bounced"
    if kind == "email.complained":
        address = _address(data, message)
        contact = message.contact if message is not None else None
        if contact is None and address:
            contact = Contact.objects.filter(
                workspace_id=workspace_id, email__iexact=address
            ).first()
        if contact is not None:
            consent_revoke(
                contact=contact,
                channel=CHANNEL,
                source="complaint",
                reason=SuppressionReason.BOUNCED,
                at=now,
            )
        elif address:
            suppress(
                workspace_id=workspace_id,
                addresses=[address],
                channel=CHANNEL,
                reason=SuppressionReason.BOUNCED,
            )
        return "complained"
    return "ignored"


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status)


@csrf_exempt
@require_POST
def email_events(request: HttpRequest, ref: str) -> JsonResponse:
    account = _account(ref)
    if account is None or not account.webhook_secret:
        return _error("Not found.", 404)
    body = request.body
    try:
        webhook_id = standard_verify(account.webhook_secret, headers=request.headers, body=body)
    except SignatureInvalid as error:
        return _error(str(error), error.status)
    except ValueError as error:  # the stored secret is not whsec_<base64>
        return _error(f"The channel account's webhook secret is unusable: {error}", 500)
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
    status = email_event_apply(account=account, webhook_id=webhook_id, event=event)
    return JsonResponse({"status": status})


urlpatterns = [
    path("<str:ref>/events", email_events, name="email-webhook-events"),
]

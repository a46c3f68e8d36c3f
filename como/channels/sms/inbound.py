"""What a text sent to us does: STOP revokes at once, HELP is answered, START re-subscribes
only someone who had given written consent before. Status callbacks update the message log.

Every delivery is applied once: its ``MessageSid`` is claimed in
:class:`~como.channels.models.WebhookReceipt` in the transaction that applies it, so a replay
(or Twilio's own retry) finds it and changes nothing. The claim is keyed by the channel account
the request was signed for: a sid is no secret, and another workspace signing with its own
token must not be able to claim (and so burn) a delivery meant for this one.

Replies go through the same Twilio-shaped send as marketing texts, logged under a key derived
from the inbound ``MessageSid``: at most one reply per message received, whatever happens to
the webhook.

START, by choice: TCPA marketing needs *prior express written consent* — an agreement to
specific wording, with its evidence. A bare keyword carries neither, so START grants nothing on
its own. It re-subscribes only a number whose contact's sms consent on record was an express
written grant that the person themself later revoked by text (STOP); the new grant cites that
original wording. An erasure, an admin suppression or a bounce is never lifted by a keyword,
and an unknown number stays suppressed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from como.consent.hashing import suppression_digest
from como.consent.models import ConsentAction, ConsentRecord, Suppression, SuppressionReason
from como.consent.services import consent_grant, consent_revoke, suppress, suppression_lift
from como.consent.state import Basis
from como.leads.models import Contact
from como.leads.normalize import normalize_phone
from como.workspaces.column_limits import column_max_length, refuse_longer
from como.workspaces.models import Workspace

from ..errors import ChannelRejected, TransientError
from ..models import (
    ChannelAccount,
    Direction,
    Message,
    MessagePurpose,
    MessageStatus,
)
from ..services import message_record, webhook_receipt_claim
from ..tasks import send_sms_reply
from .keywords import Keyword, keyword_of
from .twilio import CHANNEL, sms_deliver

logger = logging.getLogger(__name__)

RECEIPT_SOURCE = "twilio"
KEYWORD_SOURCE = "sms_keyword"
#: Twilio: "Attempt to send to unsubscribed recipient" (the person texted STOP to Twilio).
UNSUBSCRIBED_ERROR = "21610"
#: The longest a Twilio parameter we store may be; a longer one is refused (400), never cut.
#: Ids and addresses by the columns they fill; a status and an error code are short words
#: (``undelivered``, ``21610``), kept short so the receipt key (account:sid:status) fits.
#: A text is at most 1,600 characters (Twilio's limit for a concatenated message).
TWILIO_LIMITS = {
    "MessageSid": column_max_length(Message, "provider_id"),
    "SmsSid": column_max_length(Message, "provider_id"),
    "MessageStatus": 32,
    "SmsStatus": 32,
    "ErrorCode": 32,
    "From": column_max_length(Message, "sender"),
    "To": column_max_length(Message, "to"),
    "Body": 1600,
}


@dataclass(frozen=True, slots=True)
class Reply:
    body: str
    purpose: str


def webhook_claim(account: ChannelAccount, delivery: str) -> bool:
    """Record a delivery to ``account``; False when it was recorded already (a replay). Call
    inside the transaction that applies it, so a failure leaves it unclaimed for the retry."""
    return webhook_receipt_claim(
        source=RECEIPT_SOURCE,
        delivery_id=f"{account.pk}:{delivery}",
        workspace_id=account.workspace_id,
    )


def _e164(number: str) -> str:
    try:
        return normalize_phone(number)
    except ValidationError:
        return number.strip()


def _lock_number(workspace_id: int, phone: str) -> None:
    """A transaction-scoped lock on one number of one workspace."""
    key = int(suppression_digest(workspace_id, phone)[:15], 16)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _suppressed_on_sms(workspace_id: int, phone: str) -> bool:
    return Suppression.objects.filter(
        workspace_id=workspace_id,
        digest=suppression_digest(workspace_id, phone),
        channel__in=[CHANNEL, "*"],
    ).exists()


def _had_written_consent(contacts: list[Contact]) -> bool:
    """Some contact's sms ledger holds an express written grant (START may restore it)."""
    return ConsentRecord.objects.filter(
        contact__in=contacts,
        channel=CHANNEL,
        action=ConsentAction.GRANT,
        basis=Basis.EXPRESS_WRITTEN,
    ).exists()


def help_text(workspace: Workspace, account: ChannelAccount) -> str:
    contact_info = str((account.settings or {}).get("help_contact", "")) or workspace.postal_address
    text = f"{workspace.name}: marketing texts from {workspace.name}. Reply STOP to opt out."
    return f"{text} Help: {contact_info}" if contact_info else text


def _opt_out(
    workspace: Workspace, phone: str, contacts: list[Contact], wording: str
) -> Reply | None:
    # Two STOPs from one number arriving together: the second waits for the first to commit
    # and then finds the number suppressed, so it confirms nothing.
    _lock_number(workspace.pk, phone)
    already = _suppressed_on_sms(workspace.pk, phone)
    for contact in contacts:
        consent_revoke(
            contact=contact,
            channel=CHANNEL,
            source=KEYWORD_SOURCE,
            reason=SuppressionReason.STOP,
            wording=wording,
        )
    if not contacts:
        # Nobody on file has the number (consent_revoke suppressed it for those who do): it
        # stays suppressed if the person is imported later.
        suppress(
            workspace_id=workspace.pk,
            addresses=[phone],
            channel=CHANNEL,
            reason=SuppressionReason.STOP,
        )
    if already:
        return None  # one confirmation per opt-out, not one per STOP
    text = f"{workspace.name}: You are unsubscribed and will receive no more messages."
    if _had_written_consent(contacts):
        text += " Reply START to resubscribe."
    return Reply(text, MessagePurpose.CONFIRMATION)


def _opt_in(
    workspace: Workspace, phone: str, contacts: list[Contact], wording: str
) -> Reply | None:
    digest = suppression_digest(workspace.pk, phone)
    blocked = Suppression.objects.filter(
        Q(channel__in=[CHANNEL, "*"]) & ~Q(reason=SuppressionReason.STOP),
        workspace_id=workspace.pk,
        digest=digest,
    ).exists()
    if blocked or not contacts:
        return None
    restored = 0
    for contact in contacts:
        latest = (
            ConsentRecord.objects.filter(contact=contact, channel=CHANNEL)
            .order_by("-at", "-id")
            .first()
        )
        if (
            latest is None
            or latest.action != ConsentAction.REVOKE
            or latest.source != KEYWORD_SOURCE
        ):
            continue
        grant = (
            ConsentRecord.objects.filter(
                contact=contact,
                channel=CHANNEL,
                action=ConsentAction.GRANT,
                basis=Basis.EXPRESS_WRITTEN,
            )
            .order_by("-at", "-id")
            .first()
        )
        if grant is None:
            continue
        consent_grant(
            contact=contact,
            channel=CHANNEL,
            basis=Basis.EXPRESS_WRITTEN,
            source=KEYWORD_SOURCE,
            jurisdiction=grant.jurisdiction,
            wording=f"{wording.strip()} (re-subscribing to: {grant.wording})",
        )
        restored += 1
    if not restored:
        return None
    # The suppression STOP added is what blocks sends; only a STOP's suppression is lifted.
    suppression_lift(
        workspace_id=workspace.pk, address=phone, channel=CHANNEL, reason=SuppressionReason.STOP
    )
    return Reply(
        f"{workspace.name}: You are resubscribed. Reply STOP to opt out.",
        MessagePurpose.CONFIRMATION,
    )


def sms_inbound_receive(*, account: ChannelAccount, params: Mapping[str, str]) -> Message | None:
    """Apply one inbound text (Twilio's webhook parameters). Returns the reply sent, if any."""
    refuse_longer(params, TWILIO_LIMITS)
    sid = params.get("MessageSid") or params.get("SmsSid") or ""
    if not sid:
        raise ValueError("MessageSid is missing")
    workspace = account.workspace
    text = params.get("Body", "")
    phone = _e164(params.get("From", ""))
    with transaction.atomic():
        if not webhook_claim(account, sid):
            return None
        contacts = list(Contact.objects.filter(workspace=workspace, phone=phone).order_by("pk"))
        message_record(
            workspace_id=workspace.pk,
            idempotency_key=f"sms-in:{sid}",
            channel=CHANNEL,
            direction=Direction.INBOUND,
            purpose=MessagePurpose.REPLY,
            contact=contacts[0] if contacts else None,
            to=params.get("To", ""),
            sender=phone,
            body=text,
            provider_id=sid,
            status=MessageStatus.RECEIVED,
            sent_at=None,
        )
        keyword = keyword_of(text)
        reply: Reply | None = None
        if keyword is Keyword.STOP:
            reply = _opt_out(workspace, phone, contacts, text)
        elif keyword is Keyword.HELP:
            reply = Reply(help_text(workspace, account), MessagePurpose.HELP)
        elif keyword is Keyword.START:
            reply = _opt_in(workspace, phone, contacts, text)
    if reply is None or not phone:
        return None
    # After the commit: the opt-out stands even if the reply cannot be sent right now.
    delivery: dict[str, Any] = {
        "to": phone,
        "body": reply.body,
        "idempotency_key": f"sms-reply:{sid}",
        "purpose": reply.purpose,
        "contact_id": contacts[0].pk if contacts else None,
        "sender": params.get("To", ""),
    }
    try:
        return sms_deliver(workspace_id=workspace.pk, account=account, **delivery)
    except TransientError:
        # The provider is down or slow: a task retries with backoff, under the same key.
        logger.warning("sms: the reply to %s is retried later", sid, exc_info=True)
        send_sms_reply.apply_async(kwargs={"account_id": account.pk, **delivery}, countdown=5)
        return None
    except ChannelRejected:
        logger.exception("sms: the reply to %s was refused", sid)
        return None


def sms_status_receive(*, account: ChannelAccount, params: Mapping[str, str]) -> bool:
    """Apply a status callback to the message it is about; False when it changed nothing."""
    refuse_longer(params, TWILIO_LIMITS)
    sid = params.get("MessageSid") or params.get("SmsSid") or ""
    status = params.get("MessageStatus") or params.get("SmsStatus") or ""
    if not sid or not status:
        raise ValueError("MessageSid and MessageStatus are required")
    workspace_id = account.workspace_id
    now = timezone.now()
    with transaction.atomic():
        # Twilio calls back once per status of a message: the pair is the delivery.
        if not webhook_claim(account, f"{sid}:{status}"):
            return False
        messages = Message.objects.filter(
            workspace_id=workspace_id, provider_id=sid, direction=Direction.OUTBOUND
        )
        error = params.get("ErrorCode", "")
        if status == "delivered":
            changed = messages.filter(delivered_at__isnull=True).update(
                delivered_at=now, status=MessageStatus.DELIVERED
            )
        elif status in {"undelivered", "failed"}:
            changed = messages.filter(bounced_at__isnull=True).update(
                bounced_at=now,
                status=MessageStatus.BOUNCED if status == "undelivered" else MessageStatus.FAILED,
                error=f"Twilio {status}" + (f", error {error}" if error else ""),
            )
            if error == UNSUBSCRIBED_ERROR:
                to = messages.values_list("to", flat=True).first()
                if to:
                    suppress(
                        workspace_id=workspace_id,
                        addresses=[to],
                        channel=CHANNEL,
                        reason=SuppressionReason.STOP,
                    )
        else:
            changed = 0  # queued, sending, sent, read…: nothing the log keeps
    return changed > 0

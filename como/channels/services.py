"""The channels' writes: the message log and the provider deliveries already applied.

Each one is safe to repeat, because sends are retried and providers redeliver: a key already
logged returns its row, a moment already recorded stays the first one, a delivery already
claimed is not applied again. Reads of the log are in :mod:`.selectors`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Message, MessageStatus, WebhookReceipt

#: How much of a failure's text the log keeps.
ERROR_MAX = 2000
#: The moments the log records once each, as the provider or the recipient reports them.
STAMPS = frozenset({"delivered_at", "opened_at", "clicked_at", "bounced_at"})


def message_record(*, workspace_id: int, idempotency_key: str, **fields: Any) -> Message:
    """Create the message row for this key, or return the one already there (a retried send)."""
    try:
        with transaction.atomic():
            return Message.objects.create(
                workspace_id=workspace_id, idempotency_key=idempotency_key, **fields
            )
    except IntegrityError:
        return Message.objects.get(workspace_id=workspace_id, idempotency_key=idempotency_key)


def messages_import(*, workspace_id: int, messages: Sequence[Message]) -> int:
    """Add sends made before como (a history carried over from another tool, the demo's) to
    the log, each under its own idempotency key; a key already logged is left as it is, so
    importing twice adds nothing. Returns how many rows are new."""
    for message in messages:
        if message.workspace_id != workspace_id:
            raise ValueError(f"{message.idempotency_key} belongs to another workspace.")
    logged = set(
        Message.objects.filter(
            workspace_id=workspace_id,
            idempotency_key__in=[message.idempotency_key for message in messages],
        ).values_list("idempotency_key", flat=True)
    )
    new = [message for message in messages if message.idempotency_key not in logged]
    before = Message.objects.filter(workspace_id=workspace_id).count()
    # A concurrent import of the same key: the constraint keeps one, the count says so.
    Message.objects.bulk_create(new, batch_size=2_000, ignore_conflicts=True)
    return Message.objects.filter(workspace_id=workspace_id).count() - before


def message_send_failed(*, message: Message, error: Exception, final: bool) -> None:
    """Log why a send failed. A final failure (the provider refused) also marks the message
    failed; a transient one leaves its status for the retry."""
    fields: dict[str, Any] = {"error": str(error)[:ERROR_MAX]}
    if final:
        fields["status"] = MessageStatus.FAILED
    Message.objects.filter(pk=message.pk).update(**fields)


def message_sent(*, message: Message) -> None:
    """Mark ``message`` sent now, once: when another worker recorded its own send first, that
    time stays and ``message`` is refreshed to it."""
    sent_at = timezone.now()
    if Message.objects.filter(pk=message.pk, sent_at__isnull=True).update(
        sent_at=sent_at, status=MessageStatus.SENT, error=""
    ):
        message.sent_at = sent_at
    else:
        message.refresh_from_db()


def message_stamp(*, message: Message, stamp: str, at: datetime, **fields: Any) -> bool:
    """Record the first time ``stamp`` (``delivered_at``, ``opened_at``, ``clicked_at``,
    ``bounced_at``) happened to ``message``, with ``fields`` (a status); False, writing nothing,
    when it was recorded before."""
    if stamp not in STAMPS:
        raise ValueError(f"{stamp!r} is not one of {sorted(STAMPS)}")
    first = Message.objects.filter(pk=message.pk, **{f"{stamp}__isnull": True})
    return bool(first.update(**{stamp: at}, **fields))


def webhook_receipt_claim(*, source: str, delivery_id: str, workspace_id: int) -> bool:
    """Record that a provider's delivery is being applied; False when it was already (a replay
    or a retry). Call inside the transaction that applies it, so a failure there leaves the
    delivery unclaimed for the provider's retry."""
    try:
        with transaction.atomic():
            WebhookReceipt.objects.create(
                source=source, delivery_id=delivery_id, workspace_id=workspace_id
            )
    except IntegrityError:
        return False
    return True


def webhook_receipts_purge(*, source: str, before: datetime) -> int:
    """Forget ``source``'s receipts recorded before ``before`` (their deliveries' timestamps
    are past any tolerance, so a replay is refused before its receipt is looked up)."""
    deleted, _ = WebhookReceipt.objects.filter(source=source, received_at__lt=before).delete()
    return deleted

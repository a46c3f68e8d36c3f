"""Thin Celery wrappers of the channels (tasks take ids and plain values, and are idempotent)."""

from __future__ import annotations

from celery import shared_task

from .errors import TransientError
from .models import ChannelAccount


@shared_task(
    name="como.channels.send_sms_reply",
    autoretry_for=(TransientError,),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def send_sms_reply(
    account_id: int,
    to: str,
    body: str,
    idempotency_key: str,
    purpose: str,
    contact_id: int | None = None,
    sender: str = "",
) -> str:
    """Send an opt-out confirmation or HELP reply the webhook could not send at once. The key
    is the inbound message's, so however often this runs, at most one reply goes out."""
    from .sms.twilio import sms_deliver

    account = ChannelAccount.objects.get(pk=account_id)
    return sms_deliver(
        workspace_id=account.workspace_id,
        account=account,
        to=to,
        body=body,
        idempotency_key=idempotency_key,
        purpose=purpose,
        contact_id=contact_id,
        sender=sender,
    ).provider_id

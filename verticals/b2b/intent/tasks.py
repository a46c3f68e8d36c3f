"""Intent data's Celery tasks: thin wrappers over the services."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from como.channels.services import webhook_receipts_purge
from como.task_policy import RETRY_ON_DATABASE_ERRORS

from .services import intent_accounts_link

LINK_TASK = "verticals.b2b.intent_link_accounts"
PURGE_TASK = "verticals.b2b.intent_purge_receipts"
#: Far beyond the 5-minute tolerance: a delivery this old is refused by its timestamp.
RECEIPTS_KEPT = timedelta(days=1)


@shared_task(name=LINK_TASK, **RETRY_ON_DATABASE_ERRORS)
def intent_link_accounts() -> int:
    """Link every workspace's unlinked signals to accounts that have appeared since."""
    return intent_accounts_link()


@shared_task(name=PURGE_TASK, **RETRY_ON_DATABASE_ERRORS)
def intent_purge_receipts() -> int:
    """Forget the webhook's delivery ids once their timestamps are past the tolerance."""
    from .webhook import RECEIPT_SOURCE  # the webhook module builds the API views

    return webhook_receipts_purge(source=RECEIPT_SOURCE, before=timezone.now() - RECEIPTS_KEPT)

"""Intent data's Celery tasks: thin wrappers over the services."""

from __future__ import annotations

from celery import shared_task

from como.task_policy import RETRY_ON_DATABASE_ERRORS

from .services import intent_accounts_link

LINK_TASK = "verticals.b2b.intent_link_accounts"


@shared_task(name=LINK_TASK, **RETRY_ON_DATABASE_ERRORS)
def intent_link_accounts() -> int:
    """Link every workspace's unlinked signals to accounts that have appeared since."""
    return intent_accounts_link()

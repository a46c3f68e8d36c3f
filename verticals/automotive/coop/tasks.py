"""Celery: warn before a co-op claim window closes (scheduled by the vertical's ready())."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from como.task_policy import RETRY_ON_DATABASE_ERRORS

from .services import coop_claim_window_warnings

TASK = "verticals.automotive.coop_claim_window_warnings"


@shared_task(name=TASK, **RETRY_ON_DATABASE_ERRORS)
def claim_window_warnings() -> int:
    """Notify members of every campaign whose claim window closes soon, once per window;
    the windows warned of (safe to run twice: a warned window is marked in the same
    transaction as its notifications)."""
    return coop_claim_window_warnings(today=timezone.localdate())

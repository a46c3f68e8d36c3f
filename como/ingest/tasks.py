"""Celery tasks of the ingest pipeline: thin wrappers that take ids and call a service."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from .services import contacts_record_activity


@shared_task(
    name="como.ingest.record_activity",
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def record_activity(contact_ids: list[int]) -> int:
    """Recompute the contacts' first/last-seen times from their events (idempotent)."""
    return contacts_record_activity(contact_ids=contact_ids)

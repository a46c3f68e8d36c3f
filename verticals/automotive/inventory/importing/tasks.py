"""Celery: import a source's feed (fetched over HTTPS or SFTP), by id."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from como.task_policy import RETRY_ON_DATABASE_ERRORS

from ..models import InventorySource
from .services import inventory_import, inventory_import_fetch_failed

TASK_NAME = "verticals.automotive.import_inventory_source"


@shared_task(name=TASK_NAME, **RETRY_ON_DATABASE_ERRORS)
def import_source(source_id: int) -> int | None:
    """Fetch the source's file and import it; the import's id. A fetch that is refused or
    fails is recorded as a failed import (the schedule tries again), never raised."""
    # Imported here: the fetchers are their own part and land separately.
    from ..fetch import FetchFailed, FetchRefused, fetch_source

    source = (
        InventorySource.objects.select_related("rooftop", "workspace").filter(pk=source_id).first()
    )
    if source is None or not source.enabled:
        return None
    try:
        file_name, data = fetch_source(source)
    except (FetchRefused, FetchFailed) as error:
        return inventory_import_fetch_failed(source=source, reason=str(error)).pk
    InventorySource.objects.filter(pk=source.pk).update(last_fetched_at=timezone.now())
    return inventory_import(
        rooftop=source.rooftop, data=data, file_name=file_name, full=source.full, source=source
    ).pk

"""Writes of rooftops and sources (imports write through ``importing.services``)."""

from __future__ import annotations

from typing import Any

from celery import current_app
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from como.workspaces.models import Workspace

from .fetch.schedule import source_schedule_delete, source_schedule_sync
from .models import InventorySource, Rooftop, SourceKind

#: The Celery task that fetches and imports one source (``importing.tasks``), sent by name so
#: the admin's "fetch now" does not import the pipeline.
IMPORT_SOURCE_TASK = "verticals.automotive.import_inventory_source"

#: Sources como fetches itself; an upload has nothing to fetch.
FETCHABLE = frozenset({SourceKind.HTTPS, SourceKind.SFTP, SourceKind.FILE})


def _save(rooftop: Rooftop) -> Rooftop:
    rooftop.full_clean()
    try:
        with transaction.atomic():
            rooftop.save()
    except IntegrityError:  # a concurrent write took the code between the check and the save
        rooftop.full_clean()
        raise
    return rooftop


def rooftop_create(*, workspace: Workspace, fields: dict[str, Any]) -> Rooftop:
    """A new rooftop of ``workspace``; ValidationError keyed by field when it cannot be."""
    return _save(Rooftop(workspace=workspace, **fields))


def rooftop_update(*, rooftop: Rooftop, fields: dict[str, Any]) -> Rooftop:
    for name, value in fields.items():
        setattr(rooftop, name, value)
    return _save(rooftop)


def inventory_source_save(*, source: InventorySource) -> InventorySource:
    """Check and save ``source`` (new or changed) and bring its beat schedule in line with it,
    in one transaction: a source is never saved with a stale schedule (or one without its
    source). ValidationError keyed by field when it cannot be saved."""
    source.full_clean()
    with transaction.atomic():
        source.save()
        source_schedule_sync(source=source)
    return source


def inventory_source_delete(*, source: InventorySource) -> None:
    """Delete ``source`` and its beat schedule (its imports keep their rows, source unset)."""
    workspace_id, source_id = source.workspace_id, source.pk
    with transaction.atomic():
        source.delete()
        source_schedule_delete(workspace_id=workspace_id, source_id=source_id)


def inventory_source_fetch_now(*, source: InventorySource) -> None:
    """Queue a fetch and import of ``source`` (after the caller's transaction commits)."""
    if source.kind not in FETCHABLE:
        raise ValidationError(
            {"kind": "An uploaded source has nothing to fetch: upload the file instead."}
        )
    if not source.enabled:
        raise ValidationError({"enabled": "The source is disabled."})
    source_id = source.pk
    transaction.on_commit(lambda: current_app.send_task(IMPORT_SOURCE_TASK, args=[source_id]))

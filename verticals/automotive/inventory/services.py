"""Writes of rooftops and sources (imports write through ``importing.services``)."""

from __future__ import annotations

from typing import Any

from celery import current_app
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from como.workspaces.models import Workspace

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

"""Writes of inventory imports: the one way a feed gets into a rooftop.

The API's upload, the admin, ``manage.py import_inventory`` and the scheduled fetch of a source
all call :func:`inventory_import`; the pipeline is :mod:`.pipeline`, the SQL :mod:`.diff`.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.utils import timezone

from ..fetch.https import shown
from ..formats.base import FORMATS
from ..models import ImportStatus, InventoryImport, InventorySource, Rooftop
from . import pipeline
from .settings import max_bytes

logger = logging.getLogger(__name__)

_FILE_NAME_MAX = InventoryImport._meta.get_field("file_name").max_length or 255


def inventory_import(
    *,
    rooftop: Rooftop,
    data: bytes,
    file_name: str,
    full: bool,
    format_key: str | None = None,
    source: InventorySource | None = None,
    user: Any = None,
    on_progress: pipeline.Progress | None = None,
) -> InventoryImport:
    """Import ``data`` into ``rooftop`` and return the import with its report.

    Bad rows are reported (row, field, message) and never stop the good ones; a file that
    cannot be read at all is a ``failed`` import, not an exception. ``full``: the file lists
    the rooftop's whole inventory, so available vehicles missing from it are removed (or held
    for approval, :mod:`.guard`). ``format_key``: a registered format, else the file is
    recognised; ``source``'s saved mapping is used. ``on_progress(rows)`` is called as rows
    are read. An unexpected error marks the import failed and is raised."""
    record = InventoryImport.objects.create(
        workspace_id=rooftop.workspace_id,
        rooftop=rooftop,
        source=source,
        full=full,
        format_key=format_key or (source.format_key if source else ""),
        file_name=file_name[-_FILE_NAME_MAX:],
        created_by=user if getattr(user, "pk", None) else None,
    )
    try:
        pipeline.run(
            record,
            data,
            mapping=(source.mapping or None) if source is not None else None,
            on_progress=on_progress,
        )
    except Exception as error:
        logger.exception("inventory import %s failed", record.pk)
        inventory_import_fail(record=record, message=f"The import failed: {type(error).__name__}.")
        raise
    return record


def inventory_import_upload(
    *,
    rooftop: Rooftop,
    upload: File[Any] | None = None,
    content: str | None = None,
    file_name: str = "",
    full: bool,
    format_key: str | None = None,
    user: Any = None,
) -> InventoryImport:
    """Import a file a person handed over (the API's upload, the admin's "Upload a feed"):
    ``upload``, or ``content`` (a feed's text), checked first. An unknown ``format_key`` or a
    file over ``COMO_INVENTORY_MAX_BYTES`` is a field-keyed ValidationError, raised before
    anything is read or recorded, so both doors refuse alike."""
    errors: dict[str, list[str]] = {}
    format_key = format_key or None
    if format_key is not None and format_key not in FORMATS:
        errors["format"] = [f"Unknown format; known: {', '.join(FORMATS.keys())}."]
    if upload is not None and upload.size is not None and upload.size > max_bytes():
        errors["file"] = [f"Larger than {max_bytes()} bytes."]
    if errors:
        raise ValidationError(errors)
    if upload is not None:
        data = upload.read()
        file_name = file_name or upload.name or ""
    else:
        data = (content or "").encode("utf-8", "replace")
    return inventory_import(
        rooftop=rooftop,
        data=data,
        file_name=file_name,
        full=full,
        format_key=format_key,
        user=user,
    )


def inventory_import_fail(*, record: InventoryImport, message: str) -> InventoryImport:
    """Record that ``record`` failed (a fetch refused, an unexpected error)."""
    record.status = ImportStatus.FAILED
    record.message = message
    record.finished_at = timezone.now()
    InventoryImport.objects.filter(pk=record.pk).update(
        status=record.status, message=message, finished_at=record.finished_at
    )
    return record


def inventory_import_fetch_failed(*, source: InventorySource, reason: str) -> InventoryImport:
    """Record a fetch of ``source`` that was refused or failed as a failed import. The file
    name is the source's path, or its URL without user, password, query or fragment (a feed
    URL's token must not reach the report, the admin or the API)."""
    name = source.path if source.path and not source.url else shown(source.url or "")
    record = InventoryImport.objects.create(
        workspace_id=source.workspace_id,
        rooftop_id=source.rooftop_id,
        source=source,
        full=source.full,
        format_key=source.format_key,
        file_name=name[-_FILE_NAME_MAX:],
    )
    return inventory_import_fail(record=record, message=f"Fetching the feed failed: {reason}")

"""Writes to the parts catalog: a CSV imported in one go (insert or update by SKU)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from como.workspaces.models import Workspace

from ..inventory.formats.base import RowError
from .models import PartsItem
from .rows import PartsRow, read

_WRITTEN = ("name", "category", "price", "url", "make", "model", "year_from", "year_to")


@dataclass
class PartsImport:
    """What an import did: counts, and every bad row (row, field, message)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def rejected_rows(self) -> int:
        return len({error.row for error in self.errors if error.row})


def parts_import(*, workspace: Workspace, data: bytes) -> PartsImport:
    """Read ``data`` (a catalog CSV, :mod:`.rows`) and write its good rows."""
    rows, errors = read(data)
    report = parts_rows_write(workspace=workspace, rows=rows)
    report.errors = errors
    return report


@transaction.atomic
def parts_rows_write(*, workspace: Workspace, rows: list[PartsRow]) -> PartsImport:
    """Insert or update each row's item by SKU (an item not in the file stays as it was: a
    partial file is a correction, not the whole catalog). Locks the rows of the SKUs named
    (``SELECT … FOR UPDATE``); a concurrent import of a new SKU meets the unique constraint's
    ``ON CONFLICT`` and updates instead."""
    report = PartsImport()
    if not rows:
        return report
    existing = {
        item.sku: item
        for item in PartsItem.objects.select_for_update().filter(
            workspace=workspace, sku__in=[row.sku for row in rows]
        )
    }
    items = []
    for row in rows:
        item = PartsItem(workspace=workspace, sku=row.sku, active=True)
        for name in _WRITTEN:
            setattr(item, name, getattr(row, name))
        before = existing.get(row.sku)
        if before is None:
            report.created += 1
        elif all(getattr(before, n) == getattr(item, n) for n in _WRITTEN) and before.active:
            report.unchanged += 1
            continue
        else:
            report.updated += 1
        items.append(item)
    PartsItem.objects.bulk_create(
        items,
        update_conflicts=True,
        unique_fields=["workspace", "sku"],
        update_fields=[*_WRITTEN, "active", "updated_at"],
    )
    return report

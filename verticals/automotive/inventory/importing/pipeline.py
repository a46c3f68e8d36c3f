"""One import: parse → validate per row → stage with COPY → set-based diff → apply → report.

Parsing and validation run outside any transaction (progress is committed as it goes, so the
admin shows it while a large file runs); the writes then run in one transaction holding the
workspace's inventory lock. Each phase's seconds go into the report.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction
from django.utils import timezone

from como.rawsql import raw_cursor
from como.registry import NotRegistered

from ..formats.base import FORMATS, FeedRow, RowError, recognise
from ..models import ImportStatus, InventoryImport
from ..rows import VehicleData, validate_rows
from ..vdp import VEHICLE_PLACEHOLDERS, vdp_url_fill
from . import diff
from .guard import holds, removal_hold_share, removals_propose
from .locks import lock_workspace_inventory
from .reactions import InventoryDiff, inventory_changed_on_commit
from .settings import max_bytes
from .statistics import statistics_refresh_on_commit

#: The import's ``progress`` is saved every this many rows.
PROGRESS_EVERY = 2_000
KINDS = ("created", "changed", "sold", "returned", "unchanged")

Progress = Callable[[int], object]


@dataclass
class Parsed:
    vehicles: list[VehicleData] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    #: A rejected row's VIN and stock number as written: a full feed does not remove them.
    kept_vins: set[str] = field(default_factory=set)
    kept_stock_numbers: set[str] = field(default_factory=set)

    @property
    def file_failed(self) -> bool:
        return any(error.row == 0 for error in self.errors)

    def rejected_rows(self) -> int:
        return len({error.row for error in self.errors if error.row > 0})


def run(
    record: InventoryImport,
    data: bytes,
    *,
    mapping: Mapping[str, str] | None,
    on_progress: Progress | None,
) -> None:
    """Fill ``record`` (created, status running) from ``data`` and save it."""
    phases: dict[str, float] = {}
    with _collector_paused():
        parsed = _parse_and_validate(record, data, mapping, phases, on_progress)
        with transaction.atomic():
            apply_parsed(record, parsed, phases)
    record.phases = {name: round(seconds, 4) for name, seconds in phases.items()}
    record.save(update_fields=["phases"])


def _parse_and_validate(
    record: InventoryImport,
    data: bytes,
    mapping: Mapping[str, str] | None,
    phases: dict[str, float],
    on_progress: Progress | None,
) -> Parsed:
    parsed = Parsed()
    with _phase(phases, "parse"):
        if len(data) > max_bytes():
            parsed.errors.append(RowError(0, "", f"The file is larger than {max_bytes()} bytes."))
            return parsed
        try:
            feed = FORMATS.get(record.format_key) if record.format_key else recognise(data)
        except NotRegistered as error:
            parsed.errors.append(RowError(0, "", str(error)))
            return parsed
        record.format_key = feed.key
        rows = list(_counted(record, feed.read(data, mapping=mapping or None), on_progress))
    with _phase(phases, "validate"):
        parsed.vehicles, parsed.errors = validate_rows(rows, time_zone=_zone(record))
        parsed.vehicles = _linked(record, parsed.vehicles)
        bad = {error.row for error in parsed.errors}
        for row in rows:
            if isinstance(row, FeedRow) and row.number in bad:
                parsed.kept_vins.add(row.fields.get("vin", "").strip().upper())
                parsed.kept_stock_numbers.add(row.fields.get("stock_number", "").strip())
    return parsed


def _linked(record: InventoryImport, vehicles: list[VehicleData]) -> list[VehicleData]:
    """Vehicles the feed gave no detail page get the rooftop's template filled in (the ads and
    catalog feeds need a link; many DMS exports carry none)."""
    rooftop = record.rooftop
    template = rooftop.vdp_url_template
    if not template:
        return vehicles
    codes = {"store_code": rooftop.store_code, "dealer_id": rooftop.dealer_id}
    return [
        v
        if v.vdp_url
        else replace(
            v,
            vdp_url=vdp_url_fill(
                template,
                {name: getattr(v, name) for name in VEHICLE_PLACEHOLDERS},
                codes,
            ),
        )
        for v in vehicles
    ]


def _counted(
    record: InventoryImport, rows: Iterable[FeedRow | RowError], on_progress: Progress | None
) -> Iterator[FeedRow | RowError]:
    done = 0
    for row in rows:
        yield row
        if isinstance(row, FeedRow):
            done += 1
            if done % PROGRESS_EVERY == 0:
                _progress(record, done, on_progress)
    _progress(record, done, on_progress)


def _progress(record: InventoryImport, done: int, on_progress: Progress | None) -> None:
    # An UPDATE of one column outside the import's transaction: the admin sees it at once.
    record.progress = done
    InventoryImport.objects.filter(pk=record.pk).update(progress=done)
    if on_progress is not None:
        on_progress(done)


def _zone(record: InventoryImport) -> ZoneInfo | None:
    try:
        return ZoneInfo(record.rooftop.time_zone) if record.rooftop.time_zone else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def apply_parsed(record: InventoryImport, parsed: Parsed, phases: dict[str, float]) -> None:
    workspace_id, rooftop_id = record.workspace_id, record.rooftop_id
    now = timezone.now()
    errors = list(parsed.errors)
    missing: list[int] = []
    held: list[int] = []
    removed: list[int] = []
    available = 0
    share = removal_hold_share(record.workspace) if record.full else 0.0
    lock_workspace_inventory(workspace_id)
    with raw_cursor() as cursor:
        with _phase(phases, "stage"):
            diff.stage(cursor, parsed.vehicles)
        with _phase(phases, "diff"):
            for row, vin, holder in diff.stock_conflicts(cursor, rooftop_id=rooftop_id):
                errors.append(
                    RowError(
                        row,
                        "stock_number",
                        f"This stock number belongs to another vehicle of the rooftop (VIN "
                        f"{holder}); VIN {vin} was not imported.",
                    )
                )
                parsed.kept_vins.add(vin)
            diff.classify(cursor, workspace_id=workspace_id, rooftop_id=rooftop_id)
            # A file that could not be read whole says nothing about what is missing from it.
            if record.full and not parsed.file_failed:
                missing, available = diff.removal_candidates(
                    cursor,
                    rooftop_id=rooftop_id,
                    kept_vins=parsed.kept_vins,
                    kept_stock_numbers=parsed.kept_stock_numbers,
                )
        with _phase(phases, "apply"):
            kinds = diff.apply(
                cursor,
                workspace_id=workspace_id,
                rooftop_id=rooftop_id,
                import_id=record.pk,
                at=now,
            )
            if holds(removing=len(missing), available=available, share=share):
                held = missing
            elif missing:
                removed = diff.removals_apply(
                    cursor,
                    workspace_id=workspace_id,
                    vehicle_ids=missing,
                    import_id=record.pk,
                    at=now,
                )
    errors.sort(key=lambda error: (error.row, error.field))
    counts = {kind: len(kinds.get(kind, ())) for kind in KINDS}
    counts["removed"] = len(removed)
    counts["rejected"] = len({error.row for error in errors if error.row > 0})
    counts["rows"] = len(parsed.vehicles) + parsed.rejected_rows()
    record.counts = {name: counts[name] for name in _COUNT_ORDER}
    record.errors = [{"row": e.row, "field": e.field, "message": e.message} for e in errors]
    record.held_removals = held
    record.finished_at = timezone.now()
    record.progress = max(record.progress, counts["rows"])
    if parsed.file_failed and not parsed.vehicles:
        record.status = ImportStatus.FAILED
        record.message = "; ".join(e.message for e in errors if e.row == 0)
    elif held:
        record.status = ImportStatus.HELD
        record.message = (
            f"{len(held)} of {available} available vehicles are missing from this full feed: "
            "their removal awaits approval."
        )
    else:
        record.status = ImportStatus.SUCCEEDED
    record.save()
    if held:
        removals_propose(record=record, vehicle_ids=held, available=available, share=share)
    statistics_refresh_on_commit(inserted=counts["created"])
    inventory_changed_on_commit(
        workspace_id=workspace_id,
        diff=InventoryDiff(
            import_id=record.pk,
            rooftop_id=rooftop_id,
            created=tuple(kinds.get("created", ())),
            changed=tuple(kinds.get("changed", ())),
            sold=tuple(kinds.get("sold", ())),
            removed=tuple(removed),
            returned=tuple(kinds.get("returned", ())),
        ),
    )


_COUNT_ORDER = (
    "rows",
    "created",
    "changed",
    "sold",
    "removed",
    "returned",
    "unchanged",
    "rejected",
)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a feed is read: its rows, cells and values (a million
    objects for 50,000 vehicles) hold no cycles, yet each allocation burst set off passes over
    all of them, a tenth of the import's Python time. Back on (and due) when the import ends."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def _phase(phases: dict[str, float], name: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        phases[name] = phases.get(name, 0.0) + time.perf_counter() - started

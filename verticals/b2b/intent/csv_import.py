"""A CSV export of intent data → signals, through the same service as the API
(:func:`.services.intent_signals_record`), in chunks of its batch size.

The text handling is every import's (:mod:`como.csvread`: UTF-8 with or without a BOM,
Windows-1252 and what charset-normalizer tells; the delimiter sniffed from the header row); the
layout is recognised from the header row (:mod:`.csv_presets`). Each bad row is reported with
its line number (the header row is line 1) and field, and never stops the good rows. A file
without a week or observed_at column is read as of ``week`` (default: the current ISO week),
so importing the same export twice in a week changes nothing.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils import timezone

from como.csvread import Undecodable, decode, first_line, sniff_delimiter
from como.workspaces.models import Workspace

from .csv_presets import BY_KEY, IntentPreset, LayoutError, column_indexes, recognise
from .models import SignalSource
from .schema import week_of
from .services import MAX_BATCH, intent_signals_record

_KEYWORD_SEPARATORS = re.compile(r"\s*[;|,]\s*")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_INTEGRAL = re.compile(r"^[+]?\d+(\.0+)?$")
_PERCENTS = ("score", "profile_score")
#: A weekly export of every account and topic is a few MB; beyond this it is not one.
MAX_FILE_BYTES = 50 * 1024 * 1024


@dataclass
class CsvReport:
    preset: str = ""
    rows: int = 0
    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            ("created", "updated", "unchanged", "superseded", "rejected"), 0
        )
    )
    #: [{"row": line number (0: the file), "field": …, "message": …}]
    errors: list[dict[str, Any]] = field(default_factory=list)

    def error(self, row: int, name: str, message: str) -> None:
        self.errors.append({"row": row, "field": name, "message": message})


def intent_csv_import(
    *,
    workspace: Workspace,
    data: bytes,
    preset_key: str = "",
    week: date | None = None,
    source: str = SignalSource.CSV,
    now: datetime | None = None,
) -> CsvReport:
    now = now or timezone.now()
    report = CsvReport()
    parsed = _parse(data, preset_key, report)
    if parsed is None:
        return report
    preset, rows = parsed
    report.preset = preset.key
    as_of = (week or week_of(now)).isoformat()
    for start in range(0, len(rows), MAX_BATCH):
        chunk = rows[start : start + MAX_BATCH]
        items = [_item(preset, cells, as_of) for _, cells in chunk]
        results = intent_signals_record(workspace=workspace, items=items, source=source, now=now)
        for (line, _), result in zip(chunk, results, strict=True):
            report.counts[result.status] += 1
            for name, messages in (result.errors or {}).items():
                for message in messages:
                    report.error(line, name, message)
    return report


def _parse(
    data: bytes, preset_key: str, report: CsvReport
) -> tuple[IntentPreset, list[tuple[int, dict[str, str]]]] | None:
    try:
        text = decode(data)
    except Undecodable as error:
        report.error(0, "", str(error))
        return None
    header_line = first_line(text)
    if not header_line:
        report.error(0, "", "The file is empty: no header row.")
        return None
    reader = csv.reader(io.StringIO(text), delimiter=sniff_delimiter(header_line))
    line, headers = 0, list[str]()
    try:
        for line, headers in enumerate(reader, start=1):  # noqa: B007 (the header row)
            if any(cell.strip() for cell in headers):
                break
        if preset_key:
            if preset_key not in BY_KEY:
                report.error(0, "preset", f"{preset_key!r} is not a layout: {', '.join(BY_KEY)}.")
                return None
            preset = BY_KEY[preset_key]
        else:
            preset = recognise(headers)
    except csv.Error as error:
        report.error(0, "", f"The header row is not readable CSV: {error}.")
        return None
    except LayoutError as error:
        report.error(0, "", str(error))
        return None
    columns = column_indexes(preset, headers)
    missing = [name for name in preset.required if name not in columns]
    for name in missing:
        report.error(0, name, f"No column holds {name}; the file is refused.")
    if missing:
        return None
    rows: list[tuple[int, dict[str, str]]] = []
    width = len(headers)
    while True:
        line += 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            report.rows += 1
            report.counts["rejected"] += 1
            report.error(line, "", f"The row is not readable CSV: {error}.")
            continue
        if not any(cell.strip() for cell in cells):
            continue
        report.rows += 1
        if len(cells) > width and any(cell.strip() for cell in cells[width:]):
            report.counts["rejected"] += 1
            report.error(line, "", f"The row has {len(cells)} cells; the header row has {width}.")
            continue
        cells += [""] * (width - len(cells))
        rows.append((line, {name: cells[index].strip() for name, index in columns.items()}))
    return preset, rows


def _item(preset: IntentPreset, cells: dict[str, str], as_of: str) -> dict[str, Any]:
    """A row's cells as the API's item (validation is the service's)."""
    item: dict[str, Any] = {k: v for k, v in cells.items() if v != ""}
    if preset.provider:
        item["provider"] = preset.provider
    for name in _PERCENTS:
        value = item.get(name)
        if isinstance(value, str) and _INTEGRAL.match(value):
            item[name] = int(float(value))
    if "keywords" in item:
        item["keywords"] = [k for k in _KEYWORD_SEPARATORS.split(item["keywords"]) if k]
    if isinstance(week := item.get("week"), str) and (match := _US_DATE.match(week)):
        month, day, year = (int(part) for part in match.groups())
        with contextlib.suppress(ValueError):  # else the schema names the bad date
            item["week"] = date(year, month, day).isoformat()
    if "week" not in item and "observed_at" not in item:
        item["week"] = as_of
    return item

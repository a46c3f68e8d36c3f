"""A DMS export's bytes → rows of canonical fields (raw text), or the file's problem.

The text handling is the inventory's (:mod:`verticals.automotive.inventory.formats.text`):
UTF-8 with or without a BOM, Windows-1252, a broken byte reported on its row; the delimiter
sniffed from the header row. A problem of the whole file is one :class:`RowError` with row 0.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from ..inventory.formats.base import FeedRow, RowError
from ..inventory.formats.presets import header_key
from ..inventory.formats.text import Undecodable, decode, first_line, sniff_delimiter
from .presets import BY_KEY, REQUIRED, DmsPreset, LayoutError, generic_columns, recognise


@dataclass
class Reading:
    """What reading found: the layout (None: read by any layout's names) and the rows."""

    preset: DmsPreset | None
    rows: list[FeedRow]
    errors: list[RowError]


def read(data: bytes, *, kind: str, preset_key: str = "") -> Reading:
    reading = Reading(None, [], [])
    for item in _read(data, kind, preset_key, reading):
        if isinstance(item, FeedRow):
            reading.rows.append(item)
        else:
            reading.errors.append(item)
    return reading


def _read(
    data: bytes, kind: str, preset_key: str, reading: Reading
) -> Iterator[FeedRow | RowError]:
    try:
        text = decode(data)
    except Undecodable as error:
        yield RowError(0, "", str(error))
        return
    header_line = first_line(text)
    if not header_line:
        yield RowError(0, "", "The file is empty: no header row.")
        return
    reader = csv.reader(io.StringIO(text), delimiter=sniff_delimiter(header_line))
    number, headers = 0, list[str]()
    try:
        for number, headers in enumerate(reader, start=1):  # noqa: B007 (the header row)
            if any(cell.strip() for cell in headers):
                break
    except csv.Error as error:
        yield RowError(0, "", f"The header row is not readable CSV: {error}.")
        return
    if preset_key:
        preset = BY_KEY.get(preset_key)
        if preset is None or preset.kind != kind:
            yield RowError(0, "", f"{preset_key!r} is not a layout of {kind}.")
            return
    else:
        try:
            preset = recognise(kind, headers)
        except LayoutError as error:
            yield RowError(0, "", str(error))
            return
    reading.preset = preset
    columns = _columns(headers, preset.columns if preset else generic_columns(kind))
    missing = [name for name in REQUIRED[kind] if name not in columns]
    if missing:
        for name in missing:
            yield RowError(0, name, f"No column holds {name}; the file is refused.")
        return
    width = len(headers)
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield RowError(number, "", f"The row is not readable CSV: {error}.")
            continue
        if not any(cell.strip() for cell in cells):
            continue  # a blank line
        if len(cells) > width and any(cell.strip() for cell in cells[width:]):
            yield RowError(
                number, "", f"The row has {len(cells)} cells; the header row has {width}."
            )
            continue
        cells += [""] * (width - len(cells))
        yield FeedRow(number, {name: cells[index].strip() for name, index in columns.items()})


def _columns(headers: list[str], candidates: Mapping[str, tuple[str, ...]]) -> dict[str, int]:
    """canonical field → column index, by the layout's headers (the first present wins)."""
    by_key: dict[str, int] = {}
    for index, header in enumerate(headers):
        by_key.setdefault(header_key(header), index)
    columns: dict[str, int] = {}
    for name, names in candidates.items():
        for candidate in names:
            if (found := by_key.get(header_key(candidate))) is not None:
                columns[name] = found
                break
    return columns

"""A DMS export's bytes → rows of canonical fields (raw text), or the file's problem.

The reading is como's shared CSV reader's (:mod:`como.csvread`): UTF-8/BOM/Windows-1252, a
broken byte reported on its row, the delimiter sniffed from the header row, the layout
recognised from it. A problem of the whole file is one :class:`RowError` with row 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from como.csvread import LayoutError, read_rows

from ..inventory.formats.base import FeedRow, RowError
from .presets import BY_KEY, REQUIRED, DmsPreset, generic_columns, recognise


@dataclass
class Reading:
    """What reading found: the layout (None: read by any layout's names) and the rows."""

    preset: DmsPreset | None
    rows: list[FeedRow]
    errors: list[RowError]


def read(data: bytes, *, kind: str, preset_key: str = "") -> Reading:
    reading = Reading(None, [], [])

    def columns_for(headers: list[str]) -> Mapping[str, tuple[str, ...]]:
        if preset_key:
            preset = BY_KEY.get(preset_key)
            if preset is None or preset.kind != kind:
                raise LayoutError(f"{preset_key!r} is not a layout of {kind}.")
        else:
            preset = recognise(kind, headers)
        reading.preset = preset
        return preset.columns if preset else generic_columns(kind)

    for item in read_rows(data, columns_for=columns_for, required=REQUIRED[kind]):
        if isinstance(item, FeedRow):
            reading.rows.append(item)
        else:
            reading.errors.append(item)
    return reading

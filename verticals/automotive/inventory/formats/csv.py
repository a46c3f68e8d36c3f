"""CSV feeds: the generic ``csv`` format (a recognised preset, a workspace's own column mapping
over it) and one format per shipped preset, registered by the preset's key."""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Iterator, Mapping
from operator import itemgetter

from .base import CANONICAL_FIELDS, FORMATS, FeedRow, RowError
from .presets import (
    CANONICAL,
    GENERIC_COLUMNS,
    MIN_SCORE,
    PRESETS,
    Preset,
    header_key,
    is_canonical_header,
    split_vehicle,
)
from .text import PHOTO_SEPARATORS_WITH_COMMA, Undecodable, decode, first_line, sniff_delimiter

_CANONICAL = frozenset(CANONICAL_FIELDS)
#: Big enough for a long photo list; a bigger cell is that row's error, not the file's.
FIELD_SIZE_LIMIT = 1024 * 1024
csv.field_size_limit(FIELD_SIZE_LIMIT)


def _looks_like_csv(head: bytes) -> str | None:
    """The header line of ``head`` when it is delimited text (not XML or JSON), else None."""
    stripped = head.lstrip()
    if not stripped or stripped[:1] in b"<{[" or stripped.startswith(b"\xef\xbb\xbf<"):
        return None
    try:
        line = first_line(decode(head))
    except Undecodable:
        return None
    return line or None


def preset_scores(headers: list[str]) -> list[tuple[int, Preset]]:
    keys = {header_key(header) for header in headers}
    return [(preset.score(keys), preset) for preset in PRESETS]


def best_presets(headers: list[str], mapped: Collection[str] = ()) -> list[Preset]:
    """The presets that fit ``headers`` best (several on a tie, none below MIN_SCORE).

    The one choke point of recognition: :func:`recognise` (through ``recognises``) and the
    generic ``csv`` reader both ask here. Canonical field names are the canonical layout.
    Otherwise a layout must have its required columns (VIN, stock number) in the file or in
    the ``mapped`` fields of a saved mapping: one missing them would reject every row, while
    the generic reader (no preset) still finds them under any layout's name. Then the layouts
    scoring MIN_SCORE or more, the highest score winning."""
    if is_canonical_header(headers):
        return [CANONICAL]
    keys = {header_key(header) for header in headers}
    scored = [
        (score, preset)
        for score, preset in preset_scores(headers)
        if score >= MIN_SCORE and preset.complete(keys, mapped)
    ]
    if not scored:
        return []
    best = max(score for score, _ in scored)
    return [preset for score, preset in scored if score == best]


def _header_cells(line: str) -> list[str]:
    return next(csv.reader([line], delimiter=sniff_delimiter(line)), [])


class CsvFormat:
    """A CSV feed read through a preset (``preset`` given) or through whichever preset its
    header row fits (the generic ``csv``)."""

    def __init__(self, key: str, preset: Preset | None = None) -> None:
        self.key = key
        self.preset = preset

    def __repr__(self) -> str:
        return f"CsvFormat({self.key!r})"

    def recognises(self, head: bytes) -> bool:
        line = _looks_like_csv(head)
        if line is None:
            return False
        return self.preset is None or self.preset in best_presets(_header_cells(line))

    def score(self, head: bytes) -> int:
        # A preset that fits outranks the generic reader, which takes any delimited text.
        return 1 if self.preset is not None else 0

    def read(
        self, data: bytes, *, mapping: Mapping[str, str] | None = None
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
        for number, headers in enumerate(reader, start=1):  # noqa: B007 (the header row)
            if any(cell.strip() for cell in headers):
                break
        yield from self._rows(reader, number, headers, mapping or {})

    def _rows(
        self,
        reader: Iterator[list[str]],
        number: int,
        headers: list[str],
        mapping: Mapping[str, str],
    ) -> Iterator[FeedRow | RowError]:
        preset = self.preset
        if preset is None:
            fitting = best_presets(headers, [name for name, column in mapping.items() if column])
            if len(fitting) > 1 and not mapping:
                names = ", ".join(candidate.key for candidate in fitting)
                yield RowError(0, "", f"The header row fits several layouts ({names}); choose one.")
                return
            preset = fitting[0] if len(fitting) == 1 else None
        columns, problems = _columns(headers, preset, mapping)
        yield from problems
        if "vin" not in columns:
            yield RowError(0, "vin", "No column holds the VIN; save a column mapping for it.")
            return
        vehicle = _index(headers, preset.vehicle_column) if preset else None
        commas = preset.photo_commas if preset else True
        photos = columns.get("photos")
        field_names = tuple(columns)
        # itemgetter of one index returns the cell, not a tuple: give it the VIN's twice.
        pick = itemgetter(*columns.values(), *([columns["vin"]] if len(field_names) == 1 else []))
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
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue  # a blank line
            if len(cells) < width:
                cells += [""] * (width - len(cells))
            elif len(cells) > width and any(cell.strip() for cell in cells[width:]):
                yield RowError(
                    number, "", f"The row has {len(cells)} cells; the header row has {width}."
                )
                continue
            fields = dict(zip(field_names, pick(cells), strict=False))
            if commas and photos is not None and "," in fields["photos"]:
                fields["photos"] = " | ".join(
                    url for url in PHOTO_SEPARATORS_WITH_COMMA.split(fields["photos"]) if url
                )
            if vehicle is not None:
                _fill_from_vehicle(fields, cells[vehicle])
            yield FeedRow(number, fields)


def _index(headers: list[str], name: str) -> int | None:
    if not name:
        return None
    key = header_key(name)
    for index, header in enumerate(headers):
        if header_key(header) == key:
            return index
    return None


def _columns(
    headers: list[str], preset: Preset | None, mapping: Mapping[str, str]
) -> tuple[dict[str, int], list[RowError]]:
    """canonical field → column index: the preset's (or the generic) headers, a workspace's
    mapping over them; problems of the mapping are file-level errors."""
    by_key: dict[str, int] = {}
    for index, header in enumerate(headers):
        by_key.setdefault(header_key(header), index)
    columns: dict[str, int] = {}
    for name, candidates in (preset.columns if preset else GENERIC_COLUMNS).items():
        for candidate in candidates:
            if (found := by_key.get(header_key(candidate))) is not None:
                columns[name] = found
                break
    problems = []
    for name, header in mapping.items():
        if name not in _CANONICAL:
            problems.append(
                RowError(0, str(name), "The mapping names a field vehicles do not have.")
            )
        elif not header:
            columns.pop(name, None)  # a mapping may leave a preset's column out
        elif (mapped := by_key.get(header_key(str(header)))) is None:
            problems.append(RowError(0, name, f"The mapped column {header!r} is not in the file."))
        else:
            columns[name] = mapped
    return columns, problems


def _fill_from_vehicle(fields: dict[str, str], vehicle: str) -> None:
    year, make, model = split_vehicle(vehicle)
    for name, value in (("year", year), ("make", make), ("model", model)):
        if not fields.get(name, "").strip():
            fields[name] = value


CSV = FORMATS.register("csv", CsvFormat("csv"))
for _preset in PRESETS:
    FORMATS.register(_preset.key, CsvFormat(_preset.key, _preset))

"""The one CSV reader como's imports share: bytes to text, the header row to a layout, the
rows to canonical fields, every problem named by its row.

Files people export (a DMS, an inventory system, a CRM) come in UTF-8 (with or without a BOM)
or Windows-1252. A file that is UTF-8 except for a few bad bytes is still read as UTF-8: the bad
bytes become lone surrogates (``surrogateescape``), which the row checks report as that row's
bad encoding, so one broken row does not garble every other row's accents. A file mostly not
UTF-8 is given to ``charset-normalizer``. The delimiter is sniffed from the header row.

A **layout** maps canonical field names to the headers that may hold them. Headers compare
without case, blanks or punctuation other than ``#`` (:func:`header_key`). A header row made
only of canonical names is the canonical layout; otherwise the layout whose *distinctive*
headers the file has most of (at least ``min_score``) is chosen, and a tie is an error naming
the layouts, never a guess.

A format never validates a value: it only finds each canonical field's raw text, so every
layout's rows go through the same per-row checks. A problem of the whole file (bad encoding,
an unknown layout, a required column missing) is one :class:`RowError` with row 0; the good
rows of a file are never lost to a bad one.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Protocol, TypeVar
from zoneinfo import ZoneInfo

from charset_normalizer import from_bytes

_ESCAPED = re.compile("[\udc80-\udcff]")
_NOT_KEPT = re.compile(r"[^a-z0-9#]+")
DELIMITERS = ",;\t|"


class Undecodable(ValueError):
    """The bytes are no text encoding we can tell."""


class LayoutError(ValueError):
    """The header row fits no layout or several equally well (the message says which)."""


@dataclass(frozen=True, slots=True)
class Row:
    number: int  # the row number a person sees in the file (CSV: the header is row 1)
    fields: dict[str, str]  # canonical field name -> raw text


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # 0 for a problem of the whole file
    field: str  # a canonical field name, or "" for the row (or file) as a whole
    message: str


def decode(data: bytes) -> str:
    """The file's text (see the module docstring); :class:`Undecodable` when it is not text."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", "surrogateescape")
    bad = len(_ESCAPED.findall(text))
    good = sum(1 for char in text if ord(char) > 0x7F) - bad
    if good and good >= bad:  # UTF-8 with a few broken bytes: the rows holding them are reported
        return text
    best = from_bytes(data).best()
    if best is None:
        raise Undecodable("The file is not text in an encoding this importer can tell.")
    encoding = best.encoding
    # Exports are Windows-1252 far more often than the Latin cousins a short sample cannot
    # tell apart from it; prefer it whenever it decodes the file.
    if encoding in {"latin_1", "iso8859_15", "cp1250", "iso8859_2", "mac_roman"}:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            pass
    return str(best)


def sniff_delimiter(header_line: str) -> str:
    """The delimiter of a CSV from its header line: ``,`` ``;`` tab or ``|``."""
    try:
        return csv.Sniffer().sniff(header_line, delimiters=DELIMITERS).delimiter
    except csv.Error:
        counts = {delimiter: header_line.count(delimiter) for delimiter in DELIMITERS}
        return max(counts, key=lambda delimiter: counts[delimiter]) if any(counts.values()) else ","


def first_line(text: str) -> str:
    """The first non-blank line (a CSV's header row)."""
    for line in text.splitlines():
        if line.strip():
            return line
    return ""


def header_key(header: str) -> str:
    """A header as layouts are compared: "Stock #" → "stock#", "New/Used" → "newused"."""
    return _NOT_KEPT.sub("", header.lower())


class Layout(Protocol):
    @property
    def key(self) -> str: ...

    @property
    def keys(self) -> frozenset[str]:
        """Its distinctive headers, as :func:`header_key` gives them."""
        ...


L = TypeVar("L", bound=Layout)


def recognise(
    layouts: Sequence[L], headers: Sequence[str], *, canonical: Collection[str], min_score: int
) -> L | None:
    """The layout that fits ``headers``: ``layouts[0]`` (the canonical one) when every header
    is a ``canonical`` name, else the one with most distinctive headers (at least
    ``min_score``); None when none does; :class:`LayoutError` on a tie."""
    names = {header.strip().lower() for header in headers} - {""}
    if names and names <= set(canonical):
        return layouts[0]
    keys = {header_key(header) for header in headers}
    scored = [(len(layout.keys & keys), layout) for layout in layouts]
    scored = [(score, layout) for score, layout in scored if score >= min_score]
    if not scored:
        return None
    best = max(score for score, _ in scored)
    top = [layout for score, layout in scored if score == best]
    if len(top) > 1:
        raise LayoutError(
            "The header row fits several layouts ("
            + ", ".join(layout.key for layout in top)
            + "); choose one."
        )
    return top[0]


#: Given the header row, the layout's columns (canonical field → candidate headers, the first
#: present wins); raises :class:`LayoutError` to refuse the file.
ColumnsFor = Callable[[list[str]], Mapping[str, tuple[str, ...]]]


def read_rows(
    data: bytes, *, columns_for: ColumnsFor, required: Sequence[str]
) -> Iterator[Row | RowError]:
    """The file's rows as canonical fields (raw, stripped text) and its problems, in order."""
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
    try:
        candidates = columns_for(headers)
    except LayoutError as error:
        yield RowError(0, "", str(error))
        return
    columns = column_indexes(headers, candidates)
    missing = [name for name in required if name not in columns]
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
        yield Row(number, {name: cells[index].strip() for name, index in columns.items()})


def column_indexes(
    headers: Sequence[str], candidates: Mapping[str, tuple[str, ...]]
) -> dict[str, int]:
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


_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y",
    "%Y-%m-%d",
    "%Y/%m/%d",
)
_DAY_ONLY = frozenset({"%m/%d/%Y", "%Y-%m-%d", "%Y/%m/%d"})
_NOON = time(12)


def instant(text: str, zone: ZoneInfo) -> datetime:
    """A cell's date or date-time: ISO 8601 with an offset as given; otherwise local to
    ``zone`` (a day alone at its noon). :class:`ValueError` when it is neither."""
    text = text.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is not None and parsed.tzinfo is not None:
        return parsed
    for pattern in _FORMATS:
        try:
            local = datetime.strptime(text, pattern)
        except ValueError:
            continue
        if pattern in _DAY_ONLY:
            local = datetime.combine(local.date(), _NOON)
        return local.replace(tzinfo=zone)
    raise ValueError(text)

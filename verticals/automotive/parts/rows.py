"""A parts catalog CSV → validated :class:`PartsRow` values, and every bad row by number, field
and reason; a bad row is left out and the good ones go on.

The file: a header row naming the columns (any order, any case; the names in :data:`COLUMNS`
and their aliases), UTF-8 or Windows-1252, the delimiter sniffed (the inventory's text
handling). A row needs ``sku``, ``name``, ``price`` (more than 0) and ``make``; ``model`` blank
fits every model of the make; ``year_from``/``year_to`` are model years, either blank for an
open end, or ``years`` as ``2019-2024`` / ``2021``; ``url`` is http(s). A cell a spreadsheet
would run as a formula refuses its row, as in every dealer file; a SKU repeated in the file is
an error on its second and later rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlsplit

from como.csvread import read_rows

from ..inventory.formats.base import FeedRow, RowError
from ..inventory.rows import Invalid, cell_problems, parse_money
from .models import EARLIEST_YEAR, LATEST_YEAR

#: canonical field → the header names that hold it (compared as ``header_key`` does).
COLUMNS: dict[str, tuple[str, ...]] = {
    "sku": ("sku", "part_number", "partno", "item", "item_number"),
    "name": ("name", "description", "title", "item_name"),
    "category": ("category", "type"),
    "price": ("price", "retail_price", "list_price", "msrp"),
    "url": ("url", "link", "product_url"),
    "make": ("make", "fits_make"),
    "model": ("model", "fits_model"),
    "year_from": ("year_from", "from_year", "year_start", "start_year"),
    "year_to": ("year_to", "to_year", "year_end", "end_year"),
    "years": ("years", "year", "model_years"),
}
REQUIRED = ("sku", "name", "price", "make")
LIMITS = {"sku": 64, "name": 200, "category": 64, "url": 2000, "make": 64, "model": 100}


@dataclass(frozen=True, slots=True)
class PartsRow:
    row: int
    sku: str
    name: str
    category: str
    price: Decimal
    url: str
    make: str
    model: str
    year_from: int | None
    year_to: int | None


def read(data: bytes) -> tuple[list[PartsRow], list[RowError]]:
    """The file's good rows and every problem (row 0: the file's own)."""
    good: list[PartsRow] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for item in read_rows(data, columns_for=lambda _headers: COLUMNS, required=REQUIRED):
        if isinstance(item, RowError):
            errors.append(item)
            continue
        parsed, problems = parse_row(item)
        if parsed is not None and (first := seen.get(parsed.sku.lower())) is not None:
            problems = [RowError(item.number, "sku", f"SKU {parsed.sku!r} is also on row {first}.")]
        if parsed is None or problems:
            errors.extend(problems)
            continue
        seen[parsed.sku.lower()] = item.number
        good.append(parsed)
    return good, errors


def parse_row(row: FeedRow) -> tuple[PartsRow | None, list[RowError]]:
    number, raw = row.number, row.fields
    problems = cell_problems(number, raw)
    if problems:
        return None, problems
    text: dict[str, str] = {}
    for name, limit in LIMITS.items():
        value = raw.get(name, "")
        if len(value) > limit:
            problems.append(RowError(number, name, f"Longer than {limit} characters."))
        text[name] = value
    for name in ("sku", "name", "make"):
        if not text[name]:
            problems.append(RowError(number, name, "Required."))
    price: Decimal | None = None
    try:
        price = parse_money(raw.get("price", ""))
        if price is None:
            problems.append(RowError(number, "price", "Required: an amount more than 0."))
    except Invalid as error:
        problems.append(RowError(number, "price", str(error)))
    url = text["url"]
    if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc):
        problems.append(RowError(number, "url", "Not an http(s) URL."))
    year_from, year_to = _years(row, problems)
    if problems or price is None:
        return None, problems
    return PartsRow(
        number,
        text["sku"],
        text["name"],
        text["category"],
        price,
        url,
        text["make"],
        text["model"],
        year_from,
        year_to,
    ), []


def _years(row: FeedRow, problems: list[RowError]) -> tuple[int | None, int | None]:
    raw = row.fields
    span = raw.get("years", "")
    if span and (raw.get("year_from") or raw.get("year_to")):
        problems.append(RowError(row.number, "years", "Give years or year_from/year_to, not both."))
        return None, None
    if span:
        first, _, last = span.partition("-")
        pairs = [("years", first.strip()), ("years", (last or first).strip())]
    else:
        pairs = [("year_from", raw.get("year_from", "")), ("year_to", raw.get("year_to", ""))]
    found: list[int | None] = []
    for field, value in pairs:
        if not value:
            found.append(None)
        elif value.isdigit() and len(value) == 4 and EARLIEST_YEAR <= int(value) <= LATEST_YEAR:
            found.append(int(value))
        else:
            problems.append(RowError(row.number, field, f"{value[:40]!r} is not a model year."))
            return None, None
    low, high = found
    if low is not None and high is not None and low > high:
        field = "years" if span else "year_to"
        problems.append(RowError(row.number, field, f"The range ends ({high}) before it starts."))
        return None, None
    return low, high

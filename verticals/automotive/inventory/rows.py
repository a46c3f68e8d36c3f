"""One feed row's raw text → a typed, validated :class:`VehicleData`, or the row's errors.

Rows are checked as plain data (no model instance per row), a column at a time: each field's
distinct texts are converted once, and a column of valid VINs, photo lists or URLs is checked
by compiled patterns in C, so that Python runs per row only to assemble it. Every problem
names its row and field; a bad row is left out and the good ones go on.
What the checks decide (the README's "Inventory feeds" says it for dealers):

- the VIN: 17 characters of the VIN alphabet, the check digit of a North American VIN; a year
  or make the VIN contradicts is an error, a missing one is filled in from the VIN;
- a cell a spreadsheet would run as a formula (``=`` ``+`` ``-`` ``@`` tab CR LF first, as
  :mod:`como.csvsafe` defines it) rejects the row, except a plain number (``-5``, ``+1.5``)
  and a ``-`` placeholder;
- an available vehicle needs a price or an internet price (0 means "call for price", i.e. none);
- the second and later rows with a stock number or VIN already seen in the file are errors;
- money fits Decimal(12,2) and is not negative; mileage and year are whole numbers in range;
  text fits its column; dates in a known format (a date without a zone is local to the
  rooftop's time zone when given, else UTC); photo and VDP URLs are http(s).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from itertools import chain
from operator import methodcaller
from typing import Any

from .convert import (
    _SUSPECT_FIRST,
    _SUSPECT_NEXT,
    BAD_ENCODING,
    BOOLEANS,
    COLUMNS,
    CONDITIONS,
    CONVERTERS,
    FORMULA,
    MAX_MILEAGE,
    MAX_MONEY,
    MONEY_FIELDS,
    STATUSES,
    TEXT_FIELDS,
    URL_LIMIT,
    Invalid,
    _datetime,
    cell_problems,
    converted,
    parse_date,
    parse_mileage,
    parse_money,
    parse_vin,
    parse_year,
    text_items,
    text_limits,
)
from .formats.base import FeedRow, RowError
from .vin import decoded_make, make_contradicts, make_title, model_years

__all__ = [
    "BAD_ENCODING",
    "BOOLEANS",
    "CONDITIONS",
    "FORMULA",
    "MAX_MILEAGE",
    "MAX_MONEY",
    "MONEY_FIELDS",
    "STATUSES",
    "TEXT_FIELDS",
    "URL_LIMIT",
    "Invalid",
    "VehicleData",
    "cell_problems",
    "parse_date",
    "parse_mileage",
    "parse_money",
    "parse_vin",
    "parse_year",
    "text_limits",
    "validate_rows",
]


@dataclass(slots=True)
class VehicleData:
    """Exactly the Vehicle columns an import writes, validated; no model instance. Not frozen
    (change one with ``dataclasses.replace``): a frozen dataclass sets each field through
    ``object.__setattr__``, and building 50,000 of them was a third of validating a feed."""

    row: int
    vin: str
    stock_number: str
    year: int | None
    make: str
    model: str
    trim: str
    body_style: str
    condition: str  # new | used | cpo
    certified: bool
    mileage: int | None
    exterior_color: str
    interior_color: str
    transmission: str
    drivetrain: str
    fuel_type: str
    msrp: Decimal | None
    price: Decimal | None
    internet_price: Decimal | None
    cost: Decimal | None
    dealer_charges: tuple[tuple[str, Decimal], ...]
    status: str  # available | pending | sold
    received_at: datetime | None
    photos: tuple[str, ...]
    vdp_url: str


#: VehicleData's fields after ``row``, in its order: the order of a row's values below.
_FIELDS = tuple(field.name for field in fields(VehicleData))[1:]


def validate_rows(
    rows: Iterable[FeedRow | RowError], *, time_zone: tzinfo | None = None
) -> tuple[list[VehicleData], list[RowError]]:
    """The good rows as VehicleData and every problem as a RowError, in the file's order (a
    format's file-level errors pass through). A date without a zone is read in ``time_zone``
    (UTC when None)."""
    items = list(rows)
    feed = [item for item in items if isinstance(item, FeedRow)]
    checked = iter(_checked(feed, time_zone or UTC))
    good: list[VehicleData] = []
    errors: list[RowError] = []
    stock_rows: dict[str, int] = {}
    vin_rows: dict[str, int] = {}
    for item in items:
        if not isinstance(item, FeedRow):
            errors.append(item)
            continue
        vehicle = next(checked)
        if not isinstance(vehicle, VehicleData):
            errors.extend(vehicle)
            continue
        problems = []
        if (first := stock_rows.get(vehicle.stock_number)) is not None:
            problems.append(
                RowError(
                    item.number,
                    "stock_number",
                    f"Stock number {vehicle.stock_number!r} is also on row {first}.",
                )
            )
        if (first := vin_rows.get(vehicle.vin)) is not None:
            problems.append(
                RowError(item.number, "vin", f"VIN {vehicle.vin} is also on row {first}.")
            )
        if problems:
            errors.extend(problems)
            continue
        stock_rows[vehicle.stock_number] = item.number
        vin_rows[vehicle.vin] = item.number
        good.append(vehicle)
    return good, errors


def _checked(rows: list[FeedRow], zone: tzinfo) -> list[VehicleData | list[RowError]]:
    """Each row's vehicle or its problems (in the order of the fields' checks), column-wise."""
    numbers = [row.number for row in rows]
    raws = [row.fields for row in rows]
    refused = _refused(numbers, raws)
    problems: dict[int, list[RowError]] = {}

    def problem(index: int, name: str, message: str) -> None:
        problems.setdefault(index, []).append(RowError(numbers[index], name, message))

    values: dict[str, list[Any]] = {}
    stripped = _texts(raws)
    for name, limit in text_items():
        texts = stripped(name)
        if texts and max(map(len, texts)) > limit:
            for index, text in enumerate(texts):
                if len(text) > limit:
                    problem(index, name, f"Longer than {limit} characters.")
        # "-" or "--": a DMS's placeholder for "none".
        dashes = {text for text in set(texts) if text[:1] == "-" and not text.strip("-")}
        values[name] = [("" if text in dashes else text) for text in texts] if dashes else texts
    for name, convert, repeating in CONVERTERS:
        texts = stripped(name)
        if repeating:
            memo = {text: converted(convert, text) for text in set(texts)}
            column = list(map(memo.__getitem__, texts))
            bad = any(isinstance(value, Invalid) for value in memo.values())
        else:
            column = COLUMNS[name](texts)
            bad = any(isinstance(value, Invalid) for value in column)
        if bad:
            for index, value in enumerate(column):
                if isinstance(value, Invalid):
                    problem(index, name, str(value))
        values[name] = column

    def received(text: str) -> datetime | None:
        return _datetime(text, zone)

    texts = stripped("received_at")
    memo = {text: converted(received, text) for text in set(texts)}
    values["received_at"] = column = list(map(memo.__getitem__, texts))
    if any(isinstance(value, Invalid) for value in memo.values()):
        for index, value in enumerate(column):
            if isinstance(value, Invalid):
                problem(index, "received_at", str(value))
    if "" in values["stock_number"]:
        for index, stock in enumerate(values["stock_number"]):
            if not stock and not any(p.field == "stock_number" for p in problems.get(index, ())):
                problem(index, "stock_number", "The stock number is missing.")
    _cross_check(numbers, values, problems, refused)
    columns = [values[name] for name in _FIELDS]
    return [
        refused.get(index) or problems.get(index) or VehicleData(number, *data)
        for index, (number, *data) in enumerate(zip(numbers, *columns, strict=True))
    ]


def _cross_check(
    numbers: list[int],
    values: dict[str, list[Any]],
    problems: dict[int, list[RowError]],
    refused: dict[int, list[RowError]],
) -> None:
    """What a row's fields say together, for the rows with no problem of a field of their own:
    the VIN against the year and make (a missing one filled in), a certified used vehicle is
    a CPO, an available vehicle needs a price."""
    years, makes = values["year"], values["make"]
    conditions, certified = values["condition"], values["certified"]
    statuses, prices, internet_prices = values["status"], values["price"], values["internet_price"]
    for index, vin in enumerate(values["vin"]):
        if index in problems or index in refused:
            continue
        number, found = numbers[index], []
        if vin[0] in "12345" and (options := model_years(vin)):
            if years[index] is None:
                years[index] = options[0]
            elif years[index] not in options:
                found.append(
                    RowError(
                        number, "year", f"The VIN says model year {options[0]}, not {years[index]}."
                    )
                )
        make = makes[index]
        if not make:
            makes[index] = make_title(decoded_make(vin[:3])[1])
        elif make_contradicts(vin, make):
            found.append(RowError(number, "make", f"The VIN ({vin[:3]}…) is not a {make}."))
        if conditions[index] == "cpo":
            certified[index] = True
        elif certified[index] and conditions[index] == "used":
            conditions[index] = "cpo"
        if (
            statuses[index] == "available"
            and prices[index] is None
            and internet_prices[index] is None
        ):
            found.append(
                RowError(
                    number, "price", "An available vehicle needs a price or an internet price."
                )
            )
        if found:
            problems[index] = found


def _refused(numbers: list[int], raws: list[dict[str, str]]) -> dict[int, list[RowError]]:
    """The rows with a cell refused (:func:`cell_problems`) and their problems. One scan of the
    whole feed's cells joined (each cell after a separator: the pattern's literal lets the
    engine skip from one to the next) clears the usual feed in C; else each row's cells are
    scanned to find the few that need a look cell by cell."""
    feed = "\x1f".join(chain.from_iterable(map(dict.values, raws)))
    if (
        feed.isascii()
        and "\x00" not in feed
        and not _SUSPECT_FIRST.match(feed)
        and not _SUSPECT_NEXT.search(feed)
    ):
        return {}
    refused = {}
    for index, cells in enumerate(map("\x1f".join, map(dict.values, raws))):
        if (
            _SUSPECT_FIRST.match(cells)
            or _SUSPECT_NEXT.search(cells)
            or not cells.isascii()
            or "\x00" in cells
        ) and (found := cell_problems(numbers[index], raws[index])):
            refused[index] = found
    return refused


def _texts(raws: list[dict[str, str]]) -> Callable[[str], list[str]]:
    """A field's texts, stripped ("" where a row has none). A format fills every row with the
    same fields in the same order (nearly always): then the rows' values are transposed into
    columns at once in C, not looked up a cell at a time."""
    shapes = set(map(tuple, raws))
    if len(shapes) == 1:
        columns = dict(zip(shapes.pop(), zip(*map(dict.values, raws), strict=True), strict=True))
        empty = [""] * len(raws)
        return lambda name: list(map(str.strip, columns.get(name, empty)))
    return lambda name: list(map(str.strip, map(methodcaller("get", name, ""), raws)))

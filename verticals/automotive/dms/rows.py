"""One DMS row's raw text → a typed :class:`DealData` / :class:`RepairOrderData`, or the
row's errors, each naming its row and field. A bad row is left out; the good ones go on.

The checks shared with inventory feeds are the inventory's (VIN with its check digit, money
as exact Decimal in Decimal(12,2), mileage, model year, dates, a cell a spreadsheet would run
as a formula, a byte the file's encoding cannot hold). The DMS's own:

- the person: an email or a phone (E.164 once normalised) must name them;
- a date is a calendar day, not in the future of the rooftop's today, not before 1980;
- APR is a percentage from 0 to 36 with at most 3 decimals; a term is 1 to 120 whole months;
  an amount financed needs a term (a cash deal has neither);
- the rooftop column, when the file has one, must name the rooftop imported into;
- a deal or RO number repeated in the file is an error on its second and later rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from como import jsonsafe
from como.leads.normalize import normalize_email, normalize_phone

from ..inventory.formats.base import FeedRow, RowError
from ..inventory.rows import (
    CONDITIONS,
    Invalid,
    cell_problems,
    parse_date,
    parse_mileage,
    parse_money,
    parse_vin,
    parse_year,
)
from ..inventory.vin import decoded_make, make_title, model_years
from .presets import DmsKind

MAX_APR = Decimal("36")
MAX_TERM_MONTHS = 120
EARLIEST = date(1980, 1, 1)
#: Column widths of the text a row may carry (the models' and the Contact's).
LIMITS = {
    "deal_number": 64,
    "ro_number": 64,
    "first_name": 100,
    "last_name": 100,
    "postal_code": 20,
    "make": 64,
    "model": 64,
}
_LIST_SEPARATORS = re.compile(r"\s*[|;,]\s*")


@dataclass(frozen=True, slots=True)
class Customer:
    email: str
    phone: str
    first_name: str
    last_name: str
    postal_code: str


@dataclass(frozen=True, slots=True)
class Vehicle:
    vin: str
    year: int | None
    make: str
    model: str


@dataclass(frozen=True, slots=True)
class DealData:
    row: int
    number: str
    on: date
    customer: Customer
    vehicle: Vehicle
    condition: str  # new | used | cpo
    price: Decimal | None
    amount_financed: Decimal | None
    apr: Decimal | None
    term_months: int | None
    odometer: int | None


@dataclass(frozen=True, slots=True)
class RepairOrderData:
    row: int
    number: str
    on: date
    customer: Customer
    vehicle: Vehicle
    mileage: int | None
    op_codes: tuple[str, ...] = field(default=())
    services: tuple[str, ...] = field(default=())
    amount: Decimal | None = None


Record = DealData | RepairOrderData


def validate(
    rows: list[FeedRow], *, kind: str, today: date, rooftop_codes: frozenset[str]
) -> tuple[list[Record], list[RowError]]:
    """The good rows as records and every bad row's errors, in file order."""
    records: list[Record] = []
    errors: list[RowError] = []
    seen: set[str] = set()
    number_field = "deal_number" if kind == DmsKind.DEALS else "ro_number"
    for row in rows:
        record, problems = _record(row, kind, today, rooftop_codes)
        if record is not None and record.number in seen:
            problems = [RowError(row.number, number_field, "Repeats an earlier row's number.")]
            record = None
        if record is None:
            errors.extend(problems)
        else:
            seen.add(record.number)
            records.append(record)
    return records, errors


class _Row:
    """Converts one row's cells, collecting each field's problem."""

    def __init__(self, row: FeedRow) -> None:
        self.number = row.number
        self.raw = row.fields
        self.errors = cell_problems(row.number, row.fields)
        self.bad = {error.field for error in self.errors}

    def get(self, name: str, convert: Callable[[str], Any] = str, required: bool = False) -> Any:
        text = self.raw.get(name, "")
        if name in self.bad:
            return None
        if not text:
            if required:
                self.fail(name, "Required.")
            return None if convert is not str else ""
        try:
            return convert(text)
        except Invalid as problem:
            self.fail(name, str(problem))
            return None

    def fail(self, name: str, message: str) -> None:
        self.bad.add(name)
        self.errors.append(RowError(self.number, name, message))


def _record(
    row: FeedRow, kind: str, today: date, rooftop_codes: frozenset[str]
) -> tuple[Record | None, list[RowError]]:
    cells = _Row(row)
    day = _day(today)
    cells.get("vin", parse_vin, required=True)
    cells.get("year", parse_year)
    customer = _customer(cells)
    code = cells.get("rooftop")
    if code and code.lower() not in rooftop_codes:
        cells.fail(
            "rooftop", f"{jsonsafe.printable(code)[:40]!r} is not the rooftop imported into."
        )
    for name in ("make", "model"):
        cells.get(name, _text(LIMITS[name]))
    if kind == DmsKind.DEALS:
        record: Record | None = _deal(cells, day, customer)
    else:
        record = _repair_order(cells, day, customer)
    if cells.errors or record is None:
        return None, cells.errors
    return record, []


def _customer(cells: _Row) -> Customer:
    first = cells.get("first_name", _text(LIMITS["first_name"]))
    last = cells.get("last_name", _text(LIMITS["last_name"]))
    name = cells.get("customer_name")
    if name and not (first or last):
        first, last = split_name(name)
        if len(first) > LIMITS["first_name"] or len(last) > LIMITS["last_name"]:
            cells.fail("customer_name", "A name is at most 100 characters each, first and last.")
    email = cells.get("email", _email)
    phone = cells.get("phone", _phone)
    if not email and not phone and not {"email", "phone"} & cells.bad:
        cells.fail("email", "Give the customer's email or phone: nothing else names them.")
    postal = cells.get("postal_code", _text(LIMITS["postal_code"]))
    return Customer(email or "", phone or "", first or "", last or "", postal or "")


def _deal(cells: _Row, day: Callable[[str], date], customer: Customer) -> DealData | None:
    number = cells.get("deal_number", _text(LIMITS["deal_number"]), required=True)
    on = cells.get("purchase_date", day, required=True)
    condition = cells.get("condition", _condition) or "used"
    price = cells.get("price", parse_money)
    financed = cells.get("amount_financed", parse_money)
    apr = cells.get("apr", _apr)
    term = cells.get("term_months", _term)
    odometer = cells.get("odometer", parse_mileage)
    if financed and term is None and "term_months" not in cells.bad:
        cells.fail("term_months", "An amount financed needs a term in months.")
    if cells.errors:
        return None
    return DealData(
        cells.number,
        number,
        on,
        customer,
        _vehicle_of(cells, on),
        condition,
        price,
        financed,
        apr,
        term,
        odometer,
    )


def _repair_order(
    cells: _Row, day: Callable[[str], date], customer: Customer
) -> RepairOrderData | None:
    number = cells.get("ro_number", _text(LIMITS["ro_number"]), required=True)
    on = cells.get("ro_date", day, required=True)
    mileage = cells.get("mileage", parse_mileage)
    op_codes = cells.get("op_codes", _items)
    services = cells.get("services", _items)
    amount = cells.get("amount", parse_money)
    if cells.errors:
        return None
    return RepairOrderData(
        cells.number,
        number,
        on,
        customer,
        _vehicle_of(cells, on),
        mileage,
        op_codes or (),
        services or (),
        amount,
    )


def _vehicle_of(cells: _Row, on: date) -> Vehicle:
    """The VIN's vehicle: year, make and model as the row gives them, else as ``vininfo``
    decodes them from the VIN (the model year no later than the year after the date)."""
    vin = cells.get("vin", parse_vin)
    year = cells.get("year", parse_year)
    make = cells.get("make")
    if year is None:
        year = next((y for y in model_years(vin) if y <= on.year + 1), None)
    if not make:
        _, brand = decoded_make(vin[:3])
        make = make_title(brand) if brand else ""
    return Vehicle(vin, year, make, cells.get("model") or "")


def split_name(name: str) -> tuple[str, str]:
    """(first, last) from "Last, First" (as DMS exports write it) or "First Last"."""
    if "," in name:
        last, _, first = name.partition(",")
        return " ".join(first.split()).title(), " ".join(last.split()).title()
    words = name.split()
    if len(words) == 1:
        return words[0], ""
    return " ".join(words[:-1]), words[-1]


def _text(limit: int) -> Callable[[str], str]:
    def convert(text: str) -> str:
        if len(text) > limit:
            raise Invalid(f"At most {limit} characters.")
        return text

    return convert


def _email(text: str) -> str:
    try:
        return normalize_email(text)
    except ValidationError:
        raise Invalid(f"{jsonsafe.printable(text)[:60]!r} is not an email address.") from None


def _phone(text: str) -> str:
    try:
        return normalize_phone(text)
    except ValidationError:
        raise Invalid(f"{jsonsafe.printable(text)[:40]!r} is not a phone number.") from None


def _condition(text: str) -> str:
    try:
        return CONDITIONS[text.lower()]
    except KeyError:
        raise Invalid(f"{jsonsafe.printable(text)[:40]!r} is not new, used or certified.") from None


def _apr(text: str) -> Decimal:
    try:
        value = Decimal(text.removesuffix("%").strip())
    except InvalidOperation:
        raise Invalid(f"{jsonsafe.printable(text)[:40]!r} is not a percentage.") from None
    if not value.is_finite() or not 0 <= value <= MAX_APR:
        raise Invalid(f"An APR is a percentage from 0 to {MAX_APR}.")
    if value != value.quantize(Decimal("0.001")):
        raise Invalid("An APR has at most 3 decimals.")
    return value.quantize(Decimal("0.001"))


def _term(text: str) -> int:
    if not (text.isdigit() and 1 <= int(text) <= MAX_TERM_MONTHS):
        raise Invalid(f"A term is a whole number of months from 1 to {MAX_TERM_MONTHS}.")
    return int(text)


def _items(text: str) -> tuple[str, ...]:
    items = tuple(item for item in _LIST_SEPARATORS.split(text) if item)
    if len(items) > 50 or any(len(item) > 200 for item in items):
        raise Invalid("At most 50 items of at most 200 characters each.")
    return items


def _day(today: date) -> Callable[[str], date]:
    def convert(text: str) -> date:
        value = parse_date(text) if len(text) <= 40 else None
        if value is None:
            raise Invalid(f"{jsonsafe.printable(text)[:40]!r} is not a date.")
        day = value.date()
        if day > today:
            raise Invalid(f"{day.isoformat()} is in the future.")
        if day < EARLIEST:
            raise Invalid(f"{day.isoformat()} is before {EARLIEST.year}.")
        return day

    return convert

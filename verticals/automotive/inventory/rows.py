"""One feed row's raw text → a typed, validated :class:`VehicleData`, or the row's errors.

Rows are checked as plain data (no model instance per row): 50,000 rows take a fraction of a
second. Every problem names its row and field; a bad row is left out and the good ones go on.
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

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache, lru_cache

from dateutil import parser as dateutil_parser

from como import jsonsafe
from como.csvsafe import FORMULA_STARTS
from como.workspaces.column_limits import column_max_length

from .formats.base import FeedRow, RowError
from .formats.text import PHOTO_SEPARATORS
from .vin import decoded_make, make_contradicts, make_title, model_years, vin_problem


@dataclass(frozen=True, slots=True)
class VehicleData:
    """Exactly the Vehicle columns an import writes, validated; no model instance."""

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


def validate_rows(
    rows: Iterable[FeedRow | RowError], *, time_zone: tzinfo | None = None
) -> tuple[list[VehicleData], list[RowError]]:
    """The good rows as VehicleData and every problem as a RowError (a format's file-level
    errors pass through). A date without a zone is read in ``time_zone`` (UTC when None)."""
    zone = time_zone or UTC
    good: list[VehicleData] = []
    errors: list[RowError] = []
    stock_rows: dict[str, int] = {}
    vin_rows: dict[str, int] = {}
    converters = _memoised()
    for item in rows:
        if isinstance(item, RowError):
            errors.append(item)
            continue
        vehicle, problems = _vehicle(item, zone, converters)
        if vehicle is not None:
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
        if problems or vehicle is None:
            errors.extend(problems)
            continue
        stock_rows[vehicle.stock_number] = item.number
        vin_rows[vehicle.vin] = item.number
        good.append(vehicle)
    return good, errors


#: The Vehicle text columns a row fills; their widths are read off the model (below).
TEXT_FIELDS = (
    "stock_number",
    "make",
    "model",
    "trim",
    "body_style",
    "exterior_color",
    "interior_color",
    "transmission",
    "drivetrain",
    "fuel_type",
    "vdp_url",
)


@cache
def text_limits() -> dict[str, int]:
    """Column widths of the Vehicle model's text columns, read once (on first use: the model
    is not importable before the app registry is ready) from the model itself."""
    from .models import Vehicle

    return {name: column_max_length(Vehicle, name) for name in TEXT_FIELDS}


#: A photo URL's limit (photos are a JSON list, so no column sets it).
URL_LIMIT = 2000
MONEY_FIELDS = ("msrp", "price", "internet_price", "cost")
MAX_MONEY = Decimal("9999999999.99")
MAX_MILEAGE = 2_147_483_647
_CENT = Decimal("0.01")
_BLANKS = " \u00a0\u3000"
#: A cell starting with a formula character that is still only a number or a placeholder.
_PLAIN = re.compile(r"[-+]?[\d.,]*")
_FORMULA_CLASS = "[" + _BLANKS + "]*[" + re.escape("".join(sorted(FORMULA_STARTS))) + "]"
#: A cell of the joined row starting like a formula: the first cell (``match``), or any after
#: a separator. Two patterns, not one with ``(?:^|\x1f)``: a leading literal lets the engine
#: skip to each separator instead of trying the alternation at every character (four times faster).
_SUSPECT_FIRST = re.compile(_FORMULA_CLASS)
_SUSPECT_NEXT = re.compile("\x1f" + _FORMULA_CLASS)
_BAD_BYTE = re.compile("[\udc80-\udcff]")
_MONEY_NOISE = re.compile(r"[$,\s]|USD")
FORMULA = "The cell starts like a spreadsheet formula (= + - @ or a tab); it is refused."
BAD_ENCODING = "The text is not valid in the file's encoding (UTF-8)."

CONDITIONS = {
    "": "used",
    "new": "new",
    "n": "new",
    "used": "used",
    "u": "used",
    "pre-owned": "used",
    "preowned": "used",
    "cpo": "cpo",
    "c": "cpo",
    "certified": "cpo",
    "certified pre-owned": "cpo",
    "certified used": "cpo",
}
STATUSES = {
    "": "available",
    "available": "available",
    "a": "available",
    "in stock": "available",
    "instock": "available",
    "stock": "available",
    "active": "available",
    "on lot": "available",
    "in transit": "available",
    "pending": "pending",
    "p": "pending",
    "hold": "pending",
    "on hold": "pending",
    "sale pending": "pending",
    "deal pending": "pending",
    "sold": "sold",
    "s": "sold",
    "delivered": "sold",
    "retailed": "sold",
}
BOOLEANS = {
    "": False,
    "n": False,
    "no": False,
    "false": False,
    "f": False,
    "0": False,
    "y": True,
    "yes": True,
    "true": True,
    "t": True,
    "1": True,
    "x": True,
    "certified": True,
    "cpo": True,
}


class Invalid(ValueError):
    """One field's problem (the message is shown to the dealer)."""


#: What a converter made of one text: its value, or why it is not one.
Converted = dict[str, object]
#: Per field: its converter, and the texts it converted so far in this feed (None: not kept).
Converters = tuple[tuple[str, Callable[[str], object], Converted | None], ...]
#: Fields whose texts repeat across a feed's rows (a year, a status, a price band): each
#: distinct text is converted once per feed, a dict look-up after that. Not the VIN, the
#: photos or the VDP, which are one per vehicle.
REPEATING = frozenset(
    {"year", "condition", "certified", "mileage", *MONEY_FIELDS, "dealer_charges", "status"}
)
_UNSEEN = object()


def _memoised() -> Converters:
    """The converters with a fresh memo for each repeating field (one feed's texts)."""
    return tuple(
        (name, convert, {} if name in REPEATING else None) for name, convert in _CONVERTERS
    )


def _vehicle(
    row: FeedRow, zone: tzinfo, converters: Converters
) -> tuple[VehicleData | None, list[RowError]]:
    number, raw = row.number, row.fields
    problems: list[RowError] = []
    # One scan of the whole row in C finds the rare rows that need a look cell by cell.
    joined = "\x1f".join(raw.values())
    if (
        _SUSPECT_FIRST.match(joined)
        or _SUSPECT_NEXT.search(joined)
        or not joined.isascii()
        or "\x00" in joined
    ):
        problems = cell_problems(number, raw)
        if problems:
            return None, problems
    get = raw.get
    values: dict[str, object] = {}
    for name, limit in _text_items():
        text = get(name, "").strip()
        if len(text) > limit:
            problems.append(RowError(number, name, f"Longer than {limit} characters."))
        values[name] = "" if text[:1] == "-" and not text.strip("-") else text
    for name, convert, seen in converters:
        text = get(name, "").strip()
        value = _UNSEEN if seen is None else seen.get(text, _UNSEEN)
        if value is _UNSEEN:
            try:
                value = convert(text)
            except Invalid as error:
                value = error
            if seen is not None:
                seen[text] = value
        if isinstance(value, Invalid):
            problems.append(RowError(number, name, str(value)))
        else:
            values[name] = value
    try:
        values["received_at"] = _datetime(get("received_at", "").strip(), zone)
    except Invalid as error:
        problems.append(RowError(number, "received_at", str(error)))
    if not values.get("stock_number") and not any(p.field == "stock_number" for p in problems):
        problems.append(RowError(number, "stock_number", "The stock number is missing."))
    if problems:
        return None, problems
    vin = str(values["vin"])
    if vin[0] in "12345" and (years := model_years(vin)):
        if values["year"] is None:
            values["year"] = years[0]
        elif values["year"] not in years:
            problems.append(
                RowError(
                    number, "year", f"The VIN says model year {years[0]}, not {values['year']}."
                )
            )
    make = str(values["make"])
    if not make:
        values["make"] = make_title(decoded_make(vin[:3])[1])
    elif make_contradicts(vin, make):
        problems.append(RowError(number, "make", f"The VIN ({vin[:3]}…) is not a {make}."))
    if values["condition"] == "cpo":
        values["certified"] = True
    elif values["certified"] and values["condition"] == "used":
        values["condition"] = "cpo"
    if (
        values["status"] == "available"
        and values["price"] is None
        and values["internet_price"] is None
    ):
        problems.append(
            RowError(number, "price", "An available vehicle needs a price or an internet price.")
        )
    if problems:
        return None, problems
    return VehicleData(row=number, **values), problems  # type: ignore[arg-type]


def cell_problems(number: int, raw: dict[str, str]) -> list[RowError]:
    problems = []
    for name, value in raw.items():
        if not value:
            continue
        first = value.lstrip(_BLANKS)[:1]
        if first in FORMULA_STARTS and not _PLAIN.fullmatch(value.strip()):
            problems.append(RowError(number, name, FORMULA))
        elif not value.isascii() or "\x00" in value:
            if _BAD_BYTE.search(value):
                problems.append(RowError(number, name, BAD_ENCODING))
            elif problem := jsonsafe.text_problem(value):
                problems.append(RowError(number, name, problem))
    return problems


def parse_vin(text: str) -> str:
    vin = text.upper()
    if problem := vin_problem(vin):
        raise Invalid(problem)
    return vin


def _is_placeholder(text: str) -> bool:
    return bool(text) and not text.strip("-")


@lru_cache(maxsize=8192)
def parse_money(text: str) -> Decimal | None:
    if not text or _is_placeholder(text):
        return None
    try:
        amount = Decimal(_MONEY_NOISE.sub("", text))
        if not amount.is_finite() or abs(amount) > MAX_MONEY:
            raise Invalid(f"Not an amount between 0 and {MAX_MONEY}.")
        amount = amount.quantize(_CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise Invalid(f"{jsonsafe.printable(text)[:40]!r} is not an amount.") from None
    if amount < 0:
        raise Invalid("An amount is not negative.")
    return amount or None  # 0: "call for price"


@lru_cache(maxsize=8192)
def parse_mileage(text: str) -> int | None:
    if not text or _is_placeholder(text):
        return None
    cleaned = (
        text.replace(",", "").replace(" ", "").lower().removesuffix("miles").removesuffix("mi")
    )
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise Invalid(f"{jsonsafe.printable(text)[:40]!r} is not a mileage.") from None
    if not value.is_finite() or value != value.to_integral_value() or not 0 <= value <= MAX_MILEAGE:
        raise Invalid(f"A mileage is a whole number from 0 to {MAX_MILEAGE}.")
    return int(value)


def parse_year(text: str) -> int | None:
    if not text:
        return None
    if not (text.isdigit() and len(text) == 4 and 1900 <= int(text) <= datetime.now(UTC).year + 2):
        raise Invalid(f"{jsonsafe.printable(text)[:40]!r} is not a model year.")
    return int(text)


def _choice(table: dict[str, str] | dict[str, bool], what: str) -> Callable[[str], object]:
    def convert(text: str) -> object:
        try:
            return table[text.lower()]
        except KeyError:
            raise Invalid(f"{jsonsafe.printable(text)[:40]!r} is not a {what}.") from None

    return convert


def _photos(text: str) -> tuple[str, ...]:
    urls = tuple(url for url in PHOTO_SEPARATORS.split(text) if url)
    for url in urls:
        _check_url(url)
    return urls


def _vdp_url(text: str) -> str:
    return _check_url(text, text_limits()["vdp_url"]) if text else ""


def _check_url(url: str, limit: int = URL_LIMIT) -> str:
    if len(url) > limit:
        raise Invalid(f"A URL is at most {limit} characters.")
    if not url[:8].lower().startswith(("https://", "http://")):
        raise Invalid(f"{jsonsafe.printable(url)[:60]!r} is not an http(s) URL.")
    return url


def _charges(text: str) -> tuple[tuple[str, Decimal], ...]:
    """``Doc fee: 199.00; Prep=499`` or a JSON list of ``{"name", "amount"}``."""
    if not text:
        return ()
    if text.startswith("["):
        try:
            items = jsonsafe.loads(text)
        except jsonsafe.JSONSyntaxError:
            raise Invalid("Not a JSON list of {name, amount}.") from None
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise Invalid("Not a JSON list of {name, amount}.")
        pairs = [(str(item.get("name", "")), str(item.get("amount", ""))) for item in items]
    else:
        pairs = []
        for part in re.split(r"[;|]", text):
            name, separator, amount = part.rpartition(":") if ":" in part else part.rpartition("=")
            if part.strip() and not separator:
                raise Invalid(f"{part.strip()[:40]!r} is not 'name: amount'.")
            pairs.append((name, amount))
    charges = []
    for name, amount in pairs:
        value = parse_money(amount.strip())
        if not name.strip() or len(name.strip()) > 100 or value is None:
            raise Invalid("Each dealer charge needs a name (up to 100 characters) and an amount.")
        charges.append((name.strip(), value))
    return tuple(charges)


@lru_cache(maxsize=8192)
def _datetime(text: str, zone: tzinfo) -> datetime | None:
    if not text:
        return None
    value = parse_date(text)
    if value is None:
        raise Invalid(f"{jsonsafe.printable(text)[:40]!r} is not a date.")
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    if not 1900 <= value.year <= 2100:
        raise Invalid(f"{jsonsafe.printable(text)[:40]!r} is not a date between 1900 and 2100.")
    return value.astimezone(UTC)


def parse_date(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    for pattern in _DATE_PATTERNS:
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    try:
        return dateutil_parser.parse(text)
    except (ValueError, OverflowError):
        return None


_DATE_PATTERNS = (
    "%m/%d/%Y",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %H:%M",
    "%m/%d/%y",
)


@cache
def _text_items() -> tuple[tuple[str, int], ...]:
    # vdp_url is checked as a URL by its converter.
    return tuple((name, limit) for name, limit in text_limits().items() if name != "vdp_url")


_CONVERTERS: tuple[tuple[str, Callable[[str], object]], ...] = (
    ("vin", parse_vin),
    ("year", parse_year),
    ("condition", _choice(CONDITIONS, "condition (new, used, certified)")),
    ("certified", _choice(BOOLEANS, "yes or no")),
    ("mileage", parse_mileage),
    *((name, parse_money) for name in MONEY_FIELDS),
    ("dealer_charges", _charges),
    ("status", _choice(STATUSES, "status (available, pending, sold)")),
    ("photos", _photos),
    ("vdp_url", _vdp_url),
)

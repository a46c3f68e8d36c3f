"""What one feed cell's text means: the converters behind :mod:`.rows`' per-field checks.

Each converter takes a cell's stripped text and returns its value or raises :class:`Invalid`
with the message the dealer sees. The DMS and parts feeds reuse them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache, lru_cache
from itertools import chain
from operator import methodcaller
from typing import Any

from dateutil import parser as dateutil_parser

from como import jsonsafe
from como.csvsafe import FORMULA_STARTS
from como.workspaces.column_limits import column_max_length

from .formats.base import RowError
from .formats.text import PHOTO_SEPARATORS
from .vin import vin_problem, vin_problems

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
    if text.isascii() and text.isdigit():  # "48213", nearly every feed's: no Decimal needed
        if (whole := int(text)) > MAX_MILEAGE:
            raise Invalid(f"A mileage is a whole number from 0 to {MAX_MILEAGE}.")
        return whole
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
def text_items() -> tuple[tuple[str, int], ...]:
    # vdp_url is checked as a URL by its converter.
    return tuple((name, limit) for name, limit in text_limits().items() if name != "vdp_url")


def converted(convert: Callable[[str], object], text: str) -> object:
    """What ``convert`` makes of ``text``: its value, or the :class:`Invalid` it raised."""
    try:
        return convert(text)
    except Invalid as error:
        return error


#: What ``_check_url`` asks of a URL's start: ``url[:8].lower()`` (ASCII case only).
_URL_START = re.compile(r"(?ai:https?://)")


def vins_column(texts: list[str]) -> list[object]:
    """:func:`parse_vin` of each text: the VIN, or an :class:`Invalid`."""
    vins = list(map(str.upper, texts))
    problems = vin_problems(vins)
    if not any(problems):
        return list(vins)
    return [
        Invalid(problem) if problem else vin for vin, problem in zip(vins, problems, strict=True)
    ]


def photos_column(texts: list[str]) -> list[Any]:
    """:func:`_photos` of each text: the URLs, or an :class:`Invalid`. Every URL of the column
    is checked at once (the scheme of each and the longest's length, counted in C); a column
    with a bad one is converted cell by cell, which names it."""
    # "|" and ";" made blanks, ``str.split()`` splits as PHOTO_SEPARATORS does (its ``\s`` is
    # ``str.isspace``), a third of the time of the pattern's split.
    blanks = map(methodcaller("replace", ";", " "), map(methodcaller("replace", "|", " "), texts))
    photos: list[Any] = list(map(tuple, map(str.split, blanks)))
    urls = list(chain.from_iterable(photos))
    if urls and (None in map(_URL_START.match, urls) or max(map(len, urls)) > URL_LIMIT):
        return [converted(_photos, text) for text in texts]
    return photos


def vdp_urls_column(texts: list[str]) -> list[object]:
    """:func:`_vdp_url` of each text: the URL (or ""), or an :class:`Invalid`. Counting is C:
    an empty text never matches the scheme, any other that does not is a problem."""
    starts = list(map(_URL_START.match, texts))
    limit = text_limits()["vdp_url"]
    if starts.count(None) == texts.count("") and max(map(len, texts), default=0) <= limit:
        return list(texts)
    return [converted(_vdp_url, text) for text in texts]


#: Per field: its converter, and whether its texts repeat across a feed's rows (a year, a
#: status, a price band), so that each distinct text is converted once per feed. The VIN, the
#: photos and the VDP are one per vehicle: their columns are checked by the ``*_column``
#: functions, valid cells in C.
CONVERTERS: tuple[tuple[str, Callable[[str], object], bool], ...] = (
    ("vin", parse_vin, False),
    ("year", parse_year, True),
    ("condition", _choice(CONDITIONS, "condition (new, used, certified)"), True),
    ("certified", _choice(BOOLEANS, "yes or no"), True),
    ("mileage", parse_mileage, True),
    *((name, parse_money, True) for name in MONEY_FIELDS),
    ("dealer_charges", _charges, True),
    ("status", _choice(STATUSES, "status (available, pending, sold)"), True),
    ("photos", _photos, False),
    ("vdp_url", _vdp_url, False),
)
COLUMNS: dict[str, Callable[[list[str]], list[object]]] = {
    "vin": vins_column,
    "photos": photos_column,
    "vdp_url": vdp_urls_column,
}

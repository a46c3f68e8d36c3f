"""VINs: the shape every VIN has, the North American check digit, and what the VIN says about
the make and model year (decoded with ``vininfo``).

Validation runs once per feed row, so it is a compiled pattern and a sum, not a ``vininfo.Vin``
per row; what ``vininfo`` decodes from the WMI (the first three characters) is cached per WMI.
The check digit (position 9) is mandatory for vehicles built for North America, whose WMI
starts with 1-5 (49 CFR 565); elsewhere it is optional and not checked.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache
from operator import mul

from vininfo import Vin
from vininfo.common import UnsupportedBrand

#: 17 characters of the VIN alphabet (no I, O, Q).
_SHAPE = re.compile(r"[A-HJ-NPR-Z0-9]{17}")
_VALUES = dict(zip("0123456789", range(10), strict=True)) | {
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
#: Model-year letters (position 10), in order from 1980 (and again from 2010).
_YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"

#: Brands that share WMIs (and whose names in vininfo's table are the group's or a sister
#: brand's): a feed's make contradicts the VIN only when they fall in different groups.
_GROUPS: dict[str, tuple[str, ...]] = {
    "stellantis": ("chrysler", "dodge", "jeep", "ram", "fiat", "alfa romeo", "maserati"),
    "gm": ("chevrolet", "gmc", "buick", "cadillac", "pontiac", "saturn", "hummer", "oldsmobile"),
    "ford": ("ford", "lincoln", "mercury"),
    "toyota": ("toyota", "lexus", "scion"),
    "honda": ("honda", "acura"),
    "nissan": ("nissan", "infiniti", "datsun"),
    "hyundai": ("hyundai", "genesis", "kia"),
    "vw": ("volkswagen", "audi", "porsche", "bentley", "lamborghini"),
    "mercedes": ("mercedes-benz", "mercedes", "daimler", "smart", "maybach"),
    "bmw": ("bmw", "mini", "rolls-royce"),
    "subaru": ("subaru",),
    "mazda": ("mazda",),
    "mitsubishi": ("mitsubishi",),
    "tesla": ("tesla",),
    "volvo": ("volvo", "polestar"),
    "jlr": ("jaguar", "land rover"),
    "rivian": ("rivian",),
    "ferrari": ("ferrari",),
}
_GROUP_OF = {brand: group for group, brands in _GROUPS.items() for brand in brands}
_ALIASES = {"chevy": "chevrolet", "vw": "volkswagen", "mercedes benz": "mercedes-benz"}
#: Groups whose WMIs vininfo names after one sister brand (1C4 is "Dodge" but Jeeps carry it
#: too), so the make is not filled in from them.
_SHARED_WMI_GROUPS = frozenset({"stellantis"})


def vin_problem(vin: str) -> str | None:
    """Why ``vin`` (upper-case, stripped) is not a valid VIN, or None."""
    if len(vin) != 17:
        return f"A VIN has 17 characters; this one has {len(vin)}."
    if not _SHAPE.fullmatch(vin):
        return "A VIN has only digits and the letters A-Z except I, O and Q."
    if vin[0] in "12345" and vin[8] != check_digit(vin):
        return f"The check digit (position 9) should be {check_digit(vin)} for this VIN."
    return None


def vin_problems(vins: list[str]) -> list[str | None]:
    """:func:`vin_problem` of each VIN, a valid one (nearly every one of a feed) checked by a
    compiled pattern and a sum in C, with no call of its own."""
    return [
        None
        if shaped and (vin[0] not in "12345" or vin[8] == _check_digit(vin))
        else vin_problem(vin)
        for vin, shaped in zip(vins, map(_SHAPE.fullmatch, vins), strict=True)
    ]


#: Each VIN character's value is one digit: translated to it, the VIN's bytes are the digits'
#: ASCII codes, whose weighted sum less ``_ZEROS`` is the check sum (one pass in C).
_DIGITS = str.maketrans({char: str(value) for char, value in _VALUES.items()})
_ZEROS = ord("0") * sum(_WEIGHTS)


def _check_digit(vin: str) -> str:
    """:func:`check_digit` of a VIN of the VIN alphabet (``_SHAPE``)."""
    remainder = (sum(map(mul, vin.translate(_DIGITS).encode(), _WEIGHTS)) - _ZEROS) % 11
    return "X" if remainder == 10 else str(remainder)


def check_digit(vin: str) -> str:
    """The North American check digit of a 17-character VIN (NHTSA, 49 CFR 565.15)."""
    total = sum(map(mul, map(_VALUES.__getitem__, vin), _WEIGHTS))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def model_years(vin: str) -> tuple[int, ...]:
    """The model years position 10 can mean, latest first; for a North American VIN,
    position 7 tells the 30-year cycles apart (a letter: 2010 onwards)."""
    return _model_years(vin[9], vin[0] in "12345" and vin[6].isalpha(), vin[0] in "12345")


@lru_cache(maxsize=256)
def _model_years(code: str, recent: bool, north_american: bool) -> tuple[int, ...]:
    index = _YEAR_CODES.find(code)
    if index < 0:
        return ()
    years = list(range(1980 + index, datetime.now(UTC).year + 2, 30))
    if north_american:
        years = [year for year in years if (year >= 2010) == recent] or years
    return tuple(sorted(years, reverse=True))


def normalised_make(make: str) -> str:
    name = " ".join(make.lower().replace("_", " ").split())
    return _ALIASES.get(name, name)


@lru_cache(maxsize=4096)
def decoded_make(wmi: str) -> tuple[str, str]:
    """(manufacturer group, make to fill in or "") that vininfo decodes from a WMI; ("", "")
    when it does not know the WMI."""
    assembler = Vin(wmi + "0" * 14).assembler  # only the WMI matters here
    if isinstance(assembler, UnsupportedBrand):
        return "", ""
    manufacturer = normalised_make(assembler.manufacturer)
    for brand, group in _GROUP_OF.items():
        if manufacturer == brand or manufacturer.startswith(brand + " "):
            return group, "" if group in _SHARED_WMI_GROUPS else brand
    # "DaimlerChrysler AG/Daimler AG", "Subaru / Scion": the brand named first decides.
    found = [(manufacturer.find(brand), group) for brand, group in _GROUP_OF.items()]
    found = [(at, group) for at, group in found if at >= 0]
    return (min(found)[1], "") if found else ("", "")


def make_contradicts(vin: str, make: str) -> bool:
    """Whether a feed's make belongs to another manufacturer than the VIN's WMI."""
    return _contradicts(vin[:3], make)


@lru_cache(maxsize=8192)
def _contradicts(wmi: str, make: str) -> bool:
    group, _ = decoded_make(wmi)
    theirs = _GROUP_OF.get(normalised_make(make))
    return bool(group and theirs and theirs != group)


def make_title(brand: str) -> str:
    return {"bmw": "BMW", "gmc": "GMC", "mini": "MINI"}.get(brand, brand.title())

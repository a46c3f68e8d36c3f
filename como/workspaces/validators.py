from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime
from functools import cache

import pycountry
from django.core.exceptions import ValidationError

from como import verticals


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in _time_zones():
        raise ValidationError(f"{value!r} is not an IANA time zone (e.g. America/Chicago).")


def validate_country(value: str) -> None:
    if pycountry.countries.get(alpha_2=value) is None:
        raise ValidationError(f"{value!r} is not an ISO 3166-1 alpha-2 country code.")


def validate_vertical(value: str) -> None:
    if not verticals.is_registered(value):
        raise ValidationError(
            f"{value!r} is not a registered vertical; "
            f"choose one of: {', '.join(verticals.slugs())}."
        )


#: The instants and days como takes from people: reports, "as of" queries, consents, periods.
#: Wide enough for any business date, far enough from Python's year 1 and 9999 that a day or
#: a default period added or taken away (and a time zone applied) stays a datetime.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)
OUT_OF_RANGE = "Give a date between 1970 and 2999."


def validate_instant(value: datetime) -> None:
    """``value`` (timezone-aware) is within [EARLIEST, LATEST)."""
    if not EARLIEST <= value < LATEST:
        raise ValidationError(OUT_OF_RANGE, code="range")


def validate_day(value: date) -> None:
    if not EARLIEST.date() <= value < LATEST.date():
        raise ValidationError(OUT_OF_RANGE, code="range")

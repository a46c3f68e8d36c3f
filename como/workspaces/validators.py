from __future__ import annotations

import zoneinfo
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

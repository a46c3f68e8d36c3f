"""Field validators of the inventory models: run by admin forms and the API's serializers alike."""

from __future__ import annotations

import re
import string
import zoneinfo
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError

from como.beat import crontab_fields

from .formats.base import CANONICAL_FIELDS
from .formats.paths import RECORDS

#: What a saved mapping may name: the canonical fields, and where XML/JSON records are.
MAPPING_KEYS = frozenset(CANONICAL_FIELDS) | {RECORDS}

#: What a rooftop's VDP URL template may name: a vehicle's identity and the rooftop's codes.
VDP_PLACEHOLDERS = frozenset(
    {"vin", "stock_number", "year", "make", "model", "trim", "store_code", "dealer_id"}
)


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in _time_zones():
        raise ValidationError(
            "Not a time zone name from the IANA database (e.g. America/Chicago).",
            code="invalid_time_zone",
        )


def validate_vdp_url_template(value: str) -> None:
    """``https://dealer.example/inventory/{vin}``: an http(s) URL naming only known fields."""
    if not value:
        return
    if not value.lower().startswith(("https://", "http://")):
        raise ValidationError("The template must start with https:// or http://.", code="scheme")
    try:
        fields = string.Formatter().parse(value)
        names = {name for _, name, _spec, _conv in fields if name is not None}
    except ValueError as exc:  # an unbalanced brace
        raise ValidationError(f"Not a valid template: {exc}.", code="template") from exc
    unknown = sorted(n for n in names if n not in VDP_PLACEHOLDERS)
    if unknown:
        allowed = ", ".join("{" + n + "}" for n in sorted(VDP_PLACEHOLDERS))
        raise ValidationError(
            f"Unknown placeholder(s) {', '.join(unknown)}; use {allowed}.", code="placeholder"
        )


def validate_brands(value: list[str]) -> None:
    if any(not b.strip() for b in value):
        raise ValidationError("A brand name cannot be blank.", code="blank_brand")
    if len({b.strip().casefold() for b in value}) != len(value):
        raise ValidationError("A brand is listed twice.", code="duplicate_brand")


def validate_country(value: str) -> None:
    if not re.fullmatch(r"[A-Z]{2}", value):
        raise ValidationError("Give an ISO 3166-1 alpha-2 code in capitals: US.", code="country")


def validate_text_values(value: Any) -> None:
    """Credentials: an object of names to text (a password, a key, a header)."""
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ValidationError("Give an object of names to text values.", code="text_values")


def validate_mapping(value: Any) -> None:
    """A saved mapping: canonical field name (or ``records``, the XML/JSON records' path) →
    the feed's column name or path. A key no format reads is refused here, on save, rather
    than failing every import of the source later."""
    if not isinstance(value, dict) or not all(
        isinstance(v, str) and v.strip() for v in value.values()
    ):
        raise ValidationError(
            'Give an object of field names to column names or paths: {"vin": "VIN"}.',
            code="mapping",
        )
    unknown = sorted(str(key) for key in value if key not in MAPPING_KEYS)
    if unknown:
        raise ValidationError(
            f"Not a vehicle field: {', '.join(unknown)[:200]}. Use {', '.join(CANONICAL_FIELDS)}"
            f' (and "{RECORDS}" for XML and JSON feeds).',
            code="mapping_key",
        )


def validate_cron(value: str) -> None:
    """Five cron fields (minute hour day-of-month month day-of-week), as celery beat reads them
    (:func:`como.beat.crontab_fields`, the one reading of a crontab that agents share)."""
    if not value:
        return
    try:
        crontab_fields(value)
    except ValueError as error:
        raise ValidationError(f"Not a valid cron schedule: {error}.", code="cron") from None

"""Normalising the identifiers people are matched by."""

from __future__ import annotations

from typing import Any

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email


def normalize_email(value: str) -> str:
    """Trim and lowercase; raise ValidationError when it is not an address.

    Lowercasing the local part is technically lossy (RFC 5321 lets it be case-sensitive), but
    no mailbox provider in practice distinguishes case, and two rows for Ana@ and ana@ would
    split one person's history.
    """
    email = value.strip().lower()
    validate_email(email)
    return email


def normalize_phone(value: str, default_region: str | None = "US") -> str:
    """Return E.164 (``+13125550123``); raise ValidationError when it is not a valid number."""
    try:
        number = phonenumbers.parse(value, default_region)
    except phonenumbers.NumberParseException as error:
        raise ValidationError(f"{value!r} is not a phone number: {error}") from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(f"{value!r} is not a valid phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_domain(value: str) -> str:
    domain = value.strip().lower().removeprefix("http://").removeprefix("https://")
    domain = domain.split("/", 1)[0].removeprefix("www.")
    if not domain or "." not in domain or " " in domain:
        raise ValidationError(f"{value!r} is not a domain name.")
    return domain


def contains_nul(value: Any) -> bool:
    """Whether JSON data holds U+0000 anywhere: PostgreSQL's jsonb cannot store it, so callers
    refuse it as a validation error instead of failing at INSERT."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(contains_nul(key) or contains_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(contains_nul(item) for item in value)
    return False

"""Normalising the identifiers people are matched by."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import idna
import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

#: The longest address the contact table (and RFC 5321's forward path) holds.
MAX_EMAIL_LENGTH = 254


def normalize_host(value: str) -> str:
    """A domain name in one form: lower case, internationalised labels as punycode A-labels.

    ``bücher.example`` and ``xn--bcher-kva.example`` are one domain in DNS and in mail (SMTP
    without SMTPUTF8 only speaks the A-label), so they must be one contact, one account and one
    suppression digest. The A-label is the form mail systems use and it is plain ASCII, so it
    survives every log, CSV and ad-platform upload unchanged. Mapping is UTS #46 (case folding,
    full-width forms) with IDNA 2008 rules; a look-alike letter from another script (Cyrillic
    U+0430 for "a") makes a different domain, and it stays one. Raise ValidationError when a
    label is not valid.
    """
    host = value.strip().lower()
    if host.isascii() and "xn--" not in host:
        return host  # nothing to map: ASCII names keep the lenient rules they always had
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError as error:
        raise ValidationError(f"{value!r} is not a valid domain name: {error}") from None


def normalize_email(value: str) -> str:
    """Trim, lowercase and give the domain its one form (:func:`normalize_host`); raise
    ValidationError when it is not an address.

    Lowercasing the local part is technically lossy (RFC 5321 lets it be case-sensitive), but
    no mailbox provider in practice distinguishes case, and two rows for Ana@ and ana@ would
    split one person's history.
    """
    local, at, domain = value.strip().lower().rpartition("@")
    email = f"{local}{at}{normalize_host(domain)}" if at and local and domain else value
    email = email.strip().lower()
    if not _plainly_valid(email):
        validate_email(email)
    if len(email) > MAX_EMAIL_LENGTH:
        raise ValidationError(f"An address is at most {MAX_EMAIL_LENGTH} characters.")
    return email


#: Lower-case ASCII dot-atoms: a subset of what ``validate_email``'s local-part pattern takes
#: (which matches case-insensitively under Unicode rules, costing ≈ 2 µs an address).
_PLAIN_LOCAL = re.compile(r"[-!#$%&'*+/=?^_`{}|~0-9a-z]+(?:\.[-!#$%&'*+/=?^_`{}|~0-9a-z]+)*\Z")


def _plainly_valid(email: str) -> bool:
    """True only for an address ``validate_email`` accepts, cheaply: a plain local part and
    a domain it accepted before. False means "ask validate_email", not "invalid". Ingest
    normalises every new address of a batch; many share their domain."""
    local, at, domain = email.rpartition("@")
    return bool(
        at and len(email) <= _EMAIL_VALIDATOR_MAX and _PLAIN_LOCAL.match(local)
    ) and _domain_accepted(domain)


#: EmailValidator's own bound on the whole address (RFC 3696).
_EMAIL_VALIDATOR_MAX = 320


@lru_cache(maxsize=4096)
def _domain_accepted(domain: str) -> bool:
    # EmailValidator.__call__'s test of the part after the last "@".
    return domain in validate_email.domain_allowlist or validate_email.validate_domain_part(domain)


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
    """An account's domain: a URL's host without ``www.``, in :func:`normalize_host`'s form."""
    domain = value.strip().lower().removeprefix("http://").removeprefix("https://")
    domain = domain.split("/", 1)[0].removeprefix("www.")
    if not domain or "." not in domain or " " in domain:
        raise ValidationError(f"{value!r} is not a domain name.")
    return normalize_host(domain)


def email_domain(value: str) -> str:
    """The domain of an address (or a bare domain) in :func:`normalize_host`'s form, without a
    trailing dot; "" when there is none or it is not a valid name."""
    domain = value.rpartition("@")[2].strip().rstrip(".")
    try:
        return normalize_host(domain)
    except ValidationError:
        return ""


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

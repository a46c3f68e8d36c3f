"""normalize_email's shortcut (normalize._plainly_valid) accepts only what Django's
validate_email accepts, so an address is normalised, or refused, exactly as before."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from hypothesis import example, given
from hypothesis import strategies as st

from como.leads.normalize import _plainly_valid, normalize_email

_tricky = st.sampled_from(
    [
        "a@b.example",
        "a.b@example.com",
        "a..b@example.com",
        ".a@example.com",
        "a.@example.com",
        "@example.com",
        "a@",
        "a@localhost",
        "a@[127.0.0.1]",
        "a@-x.example",
        "a@x-.example",
        "a@example",
        "a@example.c",
        "a@b@example.com",
        '"a b"@example.com',
        "\u212a@example.com",  # KELVIN SIGN: Django's pattern takes it (it folds to k)
        "\u017f@example.com",  # LONG S, likewise (folds to s)
        "a@bücher.example",
        "a@xn--bcher-kva.example",
        "a" * 64 + "@" + "b" * 250 + ".example",
        "a@" + "b" * 63 + ".example",
        "a@" + "b" * 64 + ".example",
    ]
)
_pieces = st.sampled_from([*"ab.-_+@\"' \\[]1:Kk\u212a\u017f\u00fcé!#", "xn--", ".example"])
_addresses = st.one_of(_tricky, st.emails(), st.lists(_pieces, max_size=12).map("".join))


def _accepts(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


@given(_addresses)
@example("a@example.com")
def test_the_shortcut_accepts_only_what_validate_email_accepts(value: str) -> None:
    # Twice: the second answer comes from the domain cache.
    for candidate in (value, value.lower(), value, value.lower()):
        if _plainly_valid(candidate):
            assert _accepts(candidate)


def _reference(value: str) -> str:
    """normalize_email as it was before the shortcut: validate_email on every address."""
    from como.leads.normalize import MAX_EMAIL_LENGTH, normalize_host

    local, at, domain = value.strip().lower().rpartition("@")
    email = f"{local}{at}{normalize_host(domain)}" if at and local and domain else value
    email = email.strip().lower()
    validate_email(email)
    if len(email) > MAX_EMAIL_LENGTH:
        raise ValidationError("too long")
    return email


@given(_addresses)
def test_normalize_email_answers_as_before(value: str) -> None:
    try:
        expected: str | None = _reference(value)
    except ValidationError:
        expected = None
    try:
        got: str | None = normalize_email(value)
    except ValidationError:
        got = None
    assert got == expected


def test_plain_addresses_take_the_shortcut_and_others_do_not() -> None:
    assert _plainly_valid("person1.g0@bench.example.com") is True
    assert _plainly_valid('"a b"@example.com') is False  # quoted: validate_email decides
    assert _plainly_valid("a@[127.0.0.1]") is True  # a literal: the domain test takes it
    assert _plainly_valid("a@localhost") is True  # Django's allow-list
    assert _plainly_valid("a@-x.example") is False
    assert _plainly_valid("\u212a@example.com") is False  # validate_email takes it: asked
    assert normalize_email(" Ana@Example.COM ") == "ana@example.com"
    with pytest.raises(ValidationError):
        normalize_email("a..b@example.com")

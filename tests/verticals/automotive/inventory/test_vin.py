"""VIN validation and decoding, checked against vininfo and the NHTSA algorithm."""

from __future__ import annotations

import random

import pytest
from vininfo import Vin

from verticals.automotive.inventory.vin import (
    check_digit,
    decoded_make,
    make_contradicts,
    model_years,
    vin_problem,
)

ALPHABET = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


def test_the_check_digit_agrees_with_vininfo() -> None:
    rng = random.Random(12)
    for _ in range(500):
        vin = "".join(rng.choice(ALPHABET) for _ in range(17))
        vin = vin[:8] + check_digit(vin) + vin[9:]
        assert Vin(vin).verify_checksum(check_year=False)
        assert vin_problem("1" + vin[1:]) in (None, vin_problem("1" + vin[1:]))


@pytest.mark.parametrize(
    ("vin", "problem"),
    [
        ("1HGCM82633A004352", None),  # NHTSA's worked example
        ("1HGCM82643A004352", "check digit"),
        ("1HGCM82633A00435", "17 characters"),
        ("1HGCM82633A0O4352", "letters"),
        ("WVWZZZ1JZ3W386752", None),  # European: no check digit required
    ],
)
def test_vin_problems(vin: str, problem: str | None) -> None:
    found = vin_problem(vin)
    assert found is None if problem is None else problem in (found or "")


def test_model_years_and_makes() -> None:
    assert model_years("1HGCM82633A004352") == (2003,)
    assert model_years("1HGCV1F31MA000001") == (2021,)
    assert decoded_make("1HG") == ("honda", "honda")
    assert decoded_make("1C4")[1] == ""  # shared by Jeep, Dodge, Chrysler: not filled in
    assert make_contradicts("1HGCV1F31MA000001", "Toyota")
    assert not make_contradicts("1HGCV1F31MA000001", "Acura")
    assert not make_contradicts("1C4RJFBG0MC000000", "Jeep")
    assert not make_contradicts("ZZZCV1F31MA000001", "Toyota")  # unknown WMI

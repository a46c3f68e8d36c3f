"""Our free-text vehicle fields onto Meta's fixed values, and the money texts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from verticals.automotive.ads.feeds.google import link_template
from verticals.automotive.ads.feeds.meta import (
    DRIVETRAIN_WORDS,
    FUEL_WORDS,
    TRANSMISSION_WORDS,
    _mapped,
    body_style,
    state_of_vehicle,
)
from verticals.automotive.ads.feeds.vehicles import amount


@pytest.mark.parametrize(
    ("ours", "meta"),
    [
        ("Sedan", "SEDAN"),
        ("4dr Car", "SEDAN"),
        ("Sport Utility", "SUV"),
        ("SUV", "SUV"),
        ("Crew Cab Pickup", "PICKUP"),
        ("Extended Cab", "PICKUP"),
        ("Passenger Van", "VAN"),
        ("Minivan", "MINIVAN"),
        ("Hatchback", "HATCHBACK"),
        ("Convertible", "CONVERTIBLE"),
        ("2dr Car", "COUPE"),
        ("Wagon", "WAGON"),
        ("small car", "SMALL_CAR"),
        ("Blob", "OTHER"),
        ("", ""),
    ],
)
def test_body_styles_map_onto_metas_list(ours: str, meta: str) -> None:
    assert body_style(ours) == meta


def test_transmission_fuel_and_drivetrain() -> None:
    assert _mapped("8-Speed Automatic", TRANSMISSION_WORDS) == "AUTOMATIC"
    assert _mapped("CVT", TRANSMISSION_WORDS) == "AUTOMATIC"
    assert _mapped("6-Speed Manual", TRANSMISSION_WORDS) == "MANUAL"
    assert _mapped("Plug-In Hybrid", FUEL_WORDS) == "PLUGIN_HYBRID"
    assert _mapped("Gasoline Hybrid", FUEL_WORDS) == "HYBRID"
    assert _mapped("Electric", FUEL_WORDS) == "ELECTRIC"
    assert _mapped("Regular Unleaded", FUEL_WORDS) == "GASOLINE"
    assert _mapped("Hydrogen", FUEL_WORDS) == "OTHER"
    assert _mapped("All Wheel Drive", DRIVETRAIN_WORDS) == "AWD"
    assert _mapped("4WD", DRIVETRAIN_WORDS) == "FOUR_WD"
    assert _mapped("4x4", DRIVETRAIN_WORDS) == "4X4"
    assert _mapped("Front-Wheel Drive", DRIVETRAIN_WORDS) == "FWD"


def test_state_of_vehicle() -> None:
    assert state_of_vehicle({"condition": "new", "certified": False}) == "NEW"
    assert state_of_vehicle({"condition": "used", "certified": False}) == "USED"
    assert state_of_vehicle({"condition": "used", "certified": True}) == "CPO"
    assert state_of_vehicle({"condition": "cpo", "certified": False}) == "CPO"


def test_amounts_and_link_templates() -> None:
    assert amount(Decimal("18000.00"), "USD") == "18000 USD"
    assert amount(Decimal("10499.5"), "CAD") == "10499.50 CAD"
    assert amount(None, "USD") == ""
    assert link_template("https://d.example/v/1") == "https://d.example/v/1?store={store_code}"
    assert (
        link_template("https://d.example/v?id=1") == "https://d.example/v?id=1&store={store_code}"
    )
    assert link_template("") == ""

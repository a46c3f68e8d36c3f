"""TCPA quiet hours as pure functions of a number, a region and a frozen instant."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
from phonenumbers import geocoder
from phonenumbers import timezone as phone_zones

from como.compliance.engine import run_checks
from como.compliance.findings import Severity
from como.compliance.quiet_hours import (
    ALL_US_ZONES,
    NoSendingWindow,
    SmsWindow,
    _from_number,
    is_inside,
    next_allowed,
    sms_window,
)

from .builders import draft, granted, person

CHICAGO = "+13125550123"
LOS_ANGELES = "+12135550123"
MIAMI = "+13055550123"
HONOLULU = "+18085550123"
NEW_YORK = "+12125550123"
IDAHO = "+12085550123"  # America/Boise and America/Los_Angeles
TOLL_FREE = "+18005550123"


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@pytest.mark.parametrize(
    ("phone", "zones", "closes", "florida"),
    [
        (CHICAGO, ("America/Chicago",), 21, False),
        (LOS_ANGELES, ("America/Los_Angeles",), 21, False),
        (MIAMI, ("America/New_York",), 20, True),
        (HONOLULU, ("Pacific/Honolulu",), 21, False),
        (IDAHO, ("America/Boise", "America/Los_Angeles"), 21, False),
    ],
)
def test_the_window_comes_from_the_numbers_zones(
    phone: str, zones: tuple[str, ...], closes: int, florida: bool
) -> None:
    window = sms_window(phone, "", "US")

    assert (window.zone_names, window.opens, window.closes) == (zones, 8, closes)
    assert (window.florida, window.source) == (florida, "number")


@pytest.mark.parametrize(
    ("phone", "at", "expected"),
    [
        # Chicago, CDT (UTC-5): 07:59 waits for 08:00; 08:00 and 20:59 go; 21:00 waits.
        (CHICAGO, utc(2026, 6, 10, 12, 59), utc(2026, 6, 10, 13, 0)),
        (CHICAGO, utc(2026, 6, 10, 13, 0), None),
        (CHICAGO, utc(2026, 6, 11, 1, 59, 59), None),
        (CHICAGO, utc(2026, 6, 11, 2, 0), utc(2026, 6, 11, 13, 0)),
        # Los Angeles, PDT (UTC-7): 21:00 on the 9th waits for 08:00 on the 10th.
        (LOS_ANGELES, utc(2026, 6, 10, 4, 0), utc(2026, 6, 10, 15, 0)),
        (LOS_ANGELES, utc(2026, 6, 10, 3, 59), None),
        # Miami: Florida closes at 20:00 EDT (00:00 UTC), not 21:00.
        (MIAMI, utc(2026, 6, 10, 23, 59, 59), None),
        (MIAMI, utc(2026, 6, 11, 0, 0), utc(2026, 6, 11, 12, 0)),
        (MIAMI, utc(2026, 6, 11, 0, 30), utc(2026, 6, 11, 12, 0)),
        # Honolulu, no DST (UTC-10) in summer and in winter.
        (HONOLULU, utc(2026, 6, 10, 17, 59), utc(2026, 6, 10, 18, 0)),
        (HONOLULU, utc(2026, 1, 10, 17, 59), utc(2026, 1, 10, 18, 0)),
        (HONOLULU, utc(2026, 1, 11, 6, 59), None),
        (HONOLULU, utc(2026, 1, 11, 7, 0), utc(2026, 1, 11, 18, 0)),
        # Idaho spans Mountain and Pacific: 08:30 in Boise is 07:30 in Los Angeles, so it
        # waits for 08:00 Pacific; 21:30 in Boise (20:30 Pacific) waits for the same.
        (IDAHO, utc(2026, 6, 10, 14, 30), utc(2026, 6, 10, 15, 0)),
        (IDAHO, utc(2026, 6, 11, 3, 30), utc(2026, 6, 11, 15, 0)),
        (IDAHO, utc(2026, 6, 11, 2, 59), None),
    ],
)
def test_next_allowed_instant(phone: str, at: datetime, expected: datetime | None) -> None:
    window = sms_window(phone, "", "US")

    assert next_allowed(at, window) == expected
    if expected is not None:
        # The deferred text goes out when the window opens: then it is allowed.
        assert next_allowed(expected, window) is None
        assert expected.tzinfo is UTC


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        # 2026-03-08, clocks spring forward at 02:00 EST: 08:00 that morning is EDT (UTC-4).
        (utc(2026, 3, 8, 2, 30), utc(2026, 3, 8, 12, 0)),  # 21:30 EST on the 7th
        (utc(2026, 3, 8, 6, 30), utc(2026, 3, 8, 12, 0)),  # 01:30 EST
        (utc(2026, 3, 8, 7, 30), utc(2026, 3, 8, 12, 0)),  # 03:30 EDT, after the jump
        # 2026-11-01, clocks fall back at 02:00 EDT: 08:00 that morning is EST (UTC-5).
        (utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 13, 0)),  # 01:30 EDT, the first one
        (utc(2026, 11, 1, 6, 30), utc(2026, 11, 1, 13, 0)),  # 01:30 EST, the repeated hour
        (utc(2026, 11, 1, 1, 0), utc(2026, 11, 1, 13, 0)),  # 21:00 EDT on Oct 31
        (utc(2026, 11, 1, 0, 59), None),  # 20:59 EDT on Oct 31
    ],
)
def test_deferral_lands_at_eight_local_across_dst(at: datetime, expected: datetime | None) -> None:
    window = sms_window(NEW_YORK, "", "US")

    until = next_allowed(at, window)

    assert until == expected
    if until is not None:
        assert until.astimezone(ZoneInfo("America/New_York")).strftime("%H:%M") == "08:00"


def test_florida_by_region_closes_at_eight_in_the_numbers_zone() -> None:
    window = sms_window(CHICAGO, "fl", "US")

    assert (window.zone_names, window.closes, window.florida) == (("America/Chicago",), 20, True)
    assert next_allowed(utc(2026, 6, 11, 0, 59), window) is None  # 19:59 CDT
    assert next_allowed(utc(2026, 6, 11, 1, 0), window) == utc(2026, 6, 11, 13, 0)


def test_a_placeless_number_falls_back_to_the_state_then_to_every_us_zone() -> None:
    texas = sms_window(TOLL_FREE, "TX", "US")
    unknown = sms_window(TOLL_FREE, "", "")
    nothing = sms_window("", "", "")

    assert (texas.zone_names, texas.source, texas.closes) == (
        ("America/Chicago", "America/Denver"),
        "region",
        21,
    )
    assert (unknown.zone_names, unknown.source, unknown.closes) == (ALL_US_ZONES, "default", 20)
    assert nothing == unknown
    # Everywhere from New York to Honolulu: 08:00 HST (18:00 UTC) to 20:00 EST (01:00 UTC).
    assert next_allowed(utc(2026, 1, 10, 17, 59), unknown) == utc(2026, 1, 10, 18, 0)
    assert next_allowed(utc(2026, 1, 11, 0, 59), unknown) is None
    assert next_allowed(utc(2026, 1, 11, 1, 0), unknown) == utc(2026, 1, 11, 18, 0)


def test_zones_that_never_share_a_window_raise() -> None:
    names = ("Asia/Tokyo", "America/New_York")
    narrow = SmsWindow(
        zone_names=names,
        zones=tuple(ZoneInfo(n) for n in names),
        opens=8,
        closes=9,
        florida=False,
        source="number",
    )

    assert not is_inside(utc(2026, 6, 10, 12, 30), narrow)
    with pytest.raises(NoSendingWindow):
        next_allowed(utc(2026, 6, 10, 12, 30), narrow)


def test_the_check_defers_and_never_blocks() -> None:
    text = draft("sms", person(granted("sms"), phone=MIAMI, region="FL"), at=utc(2026, 6, 11, 0, 0))

    report = run_checks(text)

    (finding,) = report.findings
    assert (finding.rule, finding.severity) == ("tcpa.quiet_hours.outside_window", Severity.DEFER)
    assert finding.defer_until == utc(2026, 6, 11, 12, 0)
    assert report.defer_until == utc(2026, 6, 11, 12, 0)
    assert report.blocking == []
    assert finding.citation == "47 CFR 64.1200(c)(1); Fla. Stat. 501.059(8)(a)"
    assert finding.evidence["zones"] == ["America/New_York"]
    assert finding.evidence["closes"] == 20
    assert "20:00 America/New_York" in finding.message
    assert finding.as_dict()["defer_until"] == "2026-06-11T12:00:00+00:00"
    # Inside the window the same text has nothing to say.
    assert run_checks(draft("sms", text.recipient, at=utc(2026, 6, 10, 23, 0))).findings == ()


def test_no_quiet_hours_outside_the_us() -> None:
    toronto = person(granted("sms"), country="CA", region="ON", phone="+14165550123")

    report = run_checks(draft("sms", toronto, at=utc(2026, 6, 11, 6, 0)))  # 02:00 in Toronto

    assert "tcpa.quiet_hours" not in report.checked
    assert report.findings == ()


def test_the_number_lookup_agrees_with_phonenumbers_public_functions() -> None:
    """The fast path (one number_type per number, no general parser for +1) gives what
    ``time_zones_for_number`` and ``description_for_number`` give."""
    rng = random.Random(5)
    area_codes = ["212", "305", "312", "407", "416", "604", "208", "808", "850", "941", "907"]
    numbers = [
        f"+1{rng.choice(area_codes)}{rng.randrange(2, 10)}{rng.randrange(10**6):06d}"
        for _ in range(300)
    ] + ["+447911123456", "+33612345678", "+4930123456", "+4915123456789", "+61291234567"]
    for phone in numbers:
        number = phonenumbers.parse(phone, None)
        expected = tuple(z for z in phone_zones.time_zones_for_number(number) if z != "Etc/Unknown")
        place = geocoder.description_for_number(number, "en") if phone.startswith("+1") else ""

        assert _from_number(phone) == (expected, place == "Florida" or place.endswith(", FL"))

"""When a marketing text may reach a recipient: 08:00-21:00 in *their* local time (47 CFR
64.1200(c)(1)), 08:00-20:00 in Florida (Fla. Stat. 501.059(8)(a)).

Pure functions of a phone number, a region and an instant, so they are tested with frozen
instants and cached: :func:`sms_window` says in which zones and between which hours,
:func:`next_allowed` when the next allowed instant is.

Where the recipient is (never the server's zone):

1. the time zone(s) of the phone number (``phonenumbers.timezone``). A number can map to
   several zones (+1 208: Boise and Los Angeles); the text may go only when it is inside the
   window in every one of them, since we cannot tell which one the person is in.
2. A number that says nothing about place (toll-free, unparseable, an unknown area code) falls
   back to the zones of the recipient's US state (``Recipient.region``).
3. If neither is known, every zone of the 50 states, and Florida's earlier close: the strictest
   reading, which still leaves a window every day (13:00/14:00-20:00 Eastern), rather than
   guessing a zone.

Florida's hours apply when the recipient's region is FL or the number is geocoded to Florida
(an 305/786/941… area code).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers import PhoneNumberType
from phonenumbers import timezone as phone_zones

OPENS = 8
CLOSES = 21
CLOSES_FLORIDA = 20

TCPA_CITATION = "47 CFR 64.1200(c)(1)"
FLORIDA_CITATION = "Fla. Stat. 501.059(8)(a)"

#: Number types that are not tied to a place: their zones (if any) say nothing about the person.
_PLACELESS = frozenset(
    {
        PhoneNumberType.TOLL_FREE,
        PhoneNumberType.PREMIUM_RATE,
        PhoneNumberType.SHARED_COST,
        PhoneNumberType.VOIP,
        PhoneNumberType.PERSONAL_NUMBER,
        PhoneNumberType.UAN,
        PhoneNumberType.VOICEMAIL,
        PhoneNumberType.PAGER,
    }
)

#: US states (and DC, territories) → the zones they span.
US_STATE_ZONES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        [
            "CT",
            "DC",
            "DE",
            "GA",
            "MA",
            "MD",
            "ME",
            "NC",
            "NH",
            "NJ",
            "NY",
            "OH",
            "PA",
            "RI",
            "SC",
            "VA",
            "VT",
            "WV",
        ],
        ("America/New_York",),
    ),
    **dict.fromkeys(
        ["AL", "AR", "IA", "IL", "LA", "MN", "MO", "MS", "OK", "WI"], ("America/Chicago",)
    ),
    **dict.fromkeys(["CO", "MT", "NM", "UT", "WY"], ("America/Denver",)),
    **dict.fromkeys(["CA", "NV", "WA"], ("America/Los_Angeles",)),
    "AZ": ("America/Phoenix", "America/Denver"),  # the Navajo Nation keeps DST
    "FL": ("America/New_York", "America/Chicago"),
    "IN": ("America/Indiana/Indianapolis", "America/Chicago"),
    "KY": ("America/New_York", "America/Chicago"),
    "MI": ("America/Detroit", "America/Chicago"),
    "TN": ("America/New_York", "America/Chicago"),
    "KS": ("America/Chicago", "America/Denver"),
    "NE": ("America/Chicago", "America/Denver"),
    "ND": ("America/Chicago", "America/Denver"),
    "SD": ("America/Chicago", "America/Denver"),
    "TX": ("America/Chicago", "America/Denver"),
    "ID": ("America/Boise", "America/Los_Angeles"),
    "OR": ("America/Los_Angeles", "America/Boise"),
    "AK": ("America/Anchorage", "America/Adak"),
    "HI": ("Pacific/Honolulu",),
    "PR": ("America/Puerto_Rico",),
    "VI": ("America/St_Thomas",),
    "GU": ("Pacific/Guam",),
    "MP": ("Pacific/Saipan",),
    "AS": ("Pacific/Pago_Pago",),
}
#: Nothing known about where the person is: every zone of the 50 states.
ALL_US_ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "America/Adak",
    "Pacific/Honolulu",
)
_FLORIDA = frozenset({"FL", "FLORIDA"})
_FLORIDA_ZONES = frozenset({"America/New_York", "America/Chicago"})
_NANP = re.compile(r"^\+1\d{10}$")


class NoSendingWindow(ValueError):
    """The zones' windows never overlap (a number spanning half the globe)."""


@dataclass(frozen=True, slots=True)
class SmsWindow:
    #: IANA names, and the zones themselves.
    zone_names: tuple[str, ...]
    zones: tuple[ZoneInfo, ...]
    opens: int
    closes: int
    florida: bool
    #: Where the zones came from: "number", "region" or "default".
    source: str

    @property
    def citation(self) -> str:
        return f"{TCPA_CITATION}; {FLORIDA_CITATION}" if self.florida else TCPA_CITATION


@lru_cache(maxsize=65536)
def sms_window(phone: str, region: str = "", country: str = "") -> SmsWindow:
    """The window a text to ``phone`` (E.164) must fall in, for a recipient in ``region``
    (a US state code) of ``country``."""
    region = region.strip().upper()
    country = country.strip().upper()
    number_zones, number_florida = _from_number(phone)
    us_state = country in ("", "US") and region in US_STATE_ZONES
    florida = number_florida or (country in ("", "US") and region in _FLORIDA)
    if number_zones:
        names, source = number_zones, "number"
    elif us_state:
        names, source = US_STATE_ZONES[region], "region"
    else:
        # Could be anywhere in the US, Florida included.
        names, source, florida = ALL_US_ZONES, "default", True
    return SmsWindow(
        zone_names=names,
        zones=tuple(ZoneInfo(name) for name in names),
        opens=OPENS,
        closes=CLOSES_FLORIDA if florida else CLOSES,
        florida=florida,
        source=source,
    )


def _from_number(phone: str) -> tuple[tuple[str, ...], bool]:
    """The number's zones (empty when it says nothing about place) and whether it is in
    Florida.

    This is ``phonenumbers.timezone.time_zones_for_number`` and ``geocoder``, with the
    number's type worked out once instead of once per lookup (it is most of their cost), and
    the geocoder asked only about +1 numbers in a Florida time zone."""
    number = _parse(phone)
    if number is None:
        return (), False
    kind = phonenumbers.number_type(number)
    if kind == PhoneNumberType.UNKNOWN or kind in _PLACELESS:
        return (), False
    geographical = phonenumbers.is_number_type_geographical(kind, number.country_code or 0)
    found = (
        phone_zones.time_zones_for_geographical_number(number)
        if geographical
        else phone_zones.time_zones_for_number(number)  # the country's zones
    )
    zones = tuple(zone for zone in found if zone != "Etc/Unknown")
    florida = False
    if number.country_code == 1 and geographical and not _FLORIDA_ZONES.isdisjoint(zones):
        # Imported here: the geocoder's data costs ~0.3 s and ~100 MB, which every process
        # would pay at start-up for a question only +1 numbers in Florida's zones ask.
        from phonenumbers import geocoder

        place = geocoder.description_for_valid_number(number, "en")
        florida = place == "Florida" or place.endswith(", FL")
    return zones, florida


def _parse(phone: str) -> phonenumbers.PhoneNumber | None:
    if _NANP.match(phone):
        # E.164 in the North American plan: no need for the general parser.
        return phonenumbers.PhoneNumber(country_code=1, national_number=int(phone[2:]))
    if not phone:
        return None
    try:
        return phonenumbers.parse(phone, None if phone.startswith("+") else "US")
    except phonenumbers.NumberParseException:
        return None


def is_inside(at: datetime, window: SmsWindow) -> bool:
    return all(_inside(at, zone, window) for zone in window.zones)


def next_allowed(at: datetime, window: SmsWindow) -> datetime | None:
    """None when ``at`` (aware) is inside the window in every zone; otherwise the earliest
    later instant (aware UTC) that is, e.g. 08:00 local the next morning.

    Opening times are built as local wall-clock times with :mod:`zoneinfo`, so the night the
    clocks change the answer is still 08:00 local (12:00 UTC on 2026-03-08 in New York, 13:00
    UTC on 2026-11-01). Raises :class:`NoSendingWindow` when the zones never share one."""
    opens, closes = window.opens, window.closes
    if all(opens <= at.astimezone(zone).hour < closes for zone in window.zones):
        return None
    candidate = at
    # Each step moves to the latest next opening among the zones still closed; with daily
    # windows that overlap, a couple of steps land in the overlap.
    for _ in range(32):
        closed = [zone for zone in window.zones if not _inside(candidate, zone, window)]
        if not closed:
            return None if candidate is at else candidate.astimezone(UTC)
        candidate = max(_next_opening(candidate, zone, window.opens) for zone in closed)
    raise NoSendingWindow(f"The windows of {', '.join(window.zone_names)} never overlap.")


def _inside(at: datetime, zone: ZoneInfo, window: SmsWindow) -> bool:
    # 21:00:00 is already outside; 08:00:00 is inside.
    return window.opens <= at.astimezone(zone).hour < window.closes


def _next_opening(at: datetime, zone: ZoneInfo, opens: int) -> datetime:
    local = at.astimezone(zone)
    day = local.date() if local.hour < opens else local.date() + timedelta(days=1)
    return datetime.combine(day, time(opens), tzinfo=zone).astimezone(UTC)

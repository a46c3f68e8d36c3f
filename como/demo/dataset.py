"""The shapes demo data is built in, and the helpers both demo verticals share.

Everything here is deterministic: a generator gets a seeded :class:`random.Random` and a seeded
Faker, and an ``anchor`` instant that the ~90-day history ends at, so the same seed and anchor
give the same contacts and the same events with the same ids, byte for byte.

Demo people live on reserved names only (``example.com``/``.net``/``.org`` for consumers, the
``.example`` top-level domain for companies, RFC 2606) and their phone numbers are in the
555-0100…0199 block reserved for fiction, so nothing the demo stores can reach a real person.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

T = TypeVar("T")

#: How far back the demo history reaches.
HISTORY_DAYS = 90


@dataclass(frozen=True)
class WorkspaceSpec:
    slug: str
    name: str
    vertical: str
    time_zone: str
    country: str
    postal_address: str
    #: The demo member who owns the workspace (a staff login that sees only this workspace).
    member_username: str
    member_first_name: str
    member_last_name: str
    #: Prefix of every event id, so ids stay unique per workspace and recognisably demo data.
    event_prefix: str
    seed: int


@dataclass
class AccountSeed:
    domain: str
    name: str
    industry: str
    employee_count: int
    annual_revenue: int
    country: str
    region: str
    postal_code: str
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class ContactSeed:
    key: str
    email: str
    first_name: str
    last_name: str
    phone: str = ""
    title: str = ""
    company_size: int | None = None
    industry: str = ""
    country: str = "US"
    region: str = ""
    postal_code: str = ""
    external_id: str = ""
    account_domain: str = ""
    lifecycle_stage: str = "subscriber"
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EventSeed:
    """One event in the ingest API's shape, with the source system that reports it."""

    source: str
    payload: dict[str, Any]

    @property
    def occurred_at(self) -> str:
        return str(self.payload["occurred_at"])


@dataclass
class Dataset:
    accounts: list[AccountSeed]
    contacts: list[ContactSeed]
    events: list[EventSeed]


def pick(rng: random.Random, weighted: Sequence[tuple[T, float]]) -> T:
    """One item of ``[(item, weight), …]``."""
    items = [item for item, _ in weighted]
    weights = [weight for _, weight in weighted]
    return rng.choices(items, weights=weights, k=1)[0]


def ascii_slug(text: str, separator: str = "-") -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", separator, plain).strip(separator)


def fictional_phone(rng: random.Random, area_codes: Sequence[str]) -> str:
    """An E.164 US number in the 555-01XX block that is reserved for fiction."""
    return f"+1{rng.choice(area_codes)}55501{rng.randrange(100):02d}"


class UniqueEmails:
    """Hands out addresses that no one else in the dataset has, in normalised (lower) form."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def make(self, rng: random.Random, first: str, last: str, domain: str, *, style: str) -> str:
        first_s, last_s = ascii_slug(first, ""), ascii_slug(last, "")
        local = {
            "first.last": f"{first_s}.{last_s}",
            "flast": f"{first_s[:1]}{last_s}",
            "firstlast": f"{first_s}{last_s}{rng.randrange(10, 99)}",
            "first": first_s,
        }[style]
        email, n = f"{local}@{domain}", 1
        while email in self._taken:
            n += 1
            email = f"{local}{n}@{domain}"
        self._taken.add(email)
        return email


def business_instant(rng: random.Random, day: datetime, time_zone: ZoneInfo) -> datetime:
    """A moment on ``day`` (a UTC midnight) at a plausible local hour for a person browsing."""
    hour = pick(
        rng,
        [
            (7, 2),
            (8, 4),
            (9, 6),
            (10, 7),
            (11, 7),
            (12, 8),
            (13, 7),
            (14, 6),
            (15, 6),
            (16, 5),
            (17, 5),
            (18, 6),
            (19, 7),
            (20, 7),
            (21, 5),
            (22, 3),
        ],
    )
    local = datetime(day.year, day.month, day.day, hour, tzinfo=time_zone) + timedelta(
        minutes=rng.randrange(60), seconds=rng.randrange(60)
    )
    return local.astimezone(UTC)


def journey_times(
    rng: random.Random, anchor: datetime, time_zone: ZoneInfo, count: int, *, span_days: int
) -> list[datetime]:
    """``count`` sorted instants inside the last ``span_days`` before ``anchor``, clustered in
    a few sessions the way people actually come back to a site."""
    span_days = max(1, min(span_days, HISTORY_DAYS - 2))
    first_day = rng.randrange(span_days)
    sessions = max(1, min(count, round(count / rng.uniform(1.5, 3.5))))
    days = sorted((rng.randrange(0, first_day + 1) for _ in range(sessions)), reverse=True)
    midnight = anchor.replace(hour=0, minute=0, second=0, microsecond=0)
    times: list[datetime] = []
    per_session = [count // sessions + (1 if i < count % sessions else 0) for i in range(sessions)]
    for days_ago, n in zip(days, per_session, strict=True):
        # Two days back from the anchor's UTC midnight: a late evening in America/* still
        # lands before the anchor.
        start = business_instant(rng, midnight - timedelta(days=days_ago + 2), time_zone)
        for i in range(n):
            times.append(start + timedelta(minutes=i * rng.uniform(0.5, 6)))
    return sorted(min(t, anchor - timedelta(seconds=1)) for t in times)


def iso(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def utm(source: str, medium: str, campaign: str) -> dict[str, str]:
    return {"source": source, "medium": medium, "campaign": campaign}


def vin_check_digit(vin: str) -> str:
    """The 49 CFR 565.15 check digit of a 17-character VIN (position 9 is ignored)."""
    values = {
        **{str(d): d for d in range(10)},
        **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
        **dict(zip("JKLMN", range(1, 6), strict=True)),
        "P": 7,
        "R": 9,
        **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
    }
    weights = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]
    total = sum(values[ch] * w for ch, w in zip(vin, weights, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


#: Model-year codes of VIN position 10 for 2010-2030 (the letters I, O, Q, U, Z and 0 are unused).
VIN_YEAR_CODES = dict(zip(range(2010, 2031), "ABCDEFGHJKLMNPRSTVWXY", strict=True))
_VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


def make_vin(rng: random.Random, wmi: str, year: int, plant: str) -> str:
    """A structurally valid 17-character VIN (valid check digit, no I/O/Q)."""
    vds = "".join(rng.choice(_VIN_CHARS) for _ in range(5))
    serial = f"{rng.randrange(100000, 999999)}"
    draft = f"{wmi}{vds}0{VIN_YEAR_CODES[year]}{plant}{serial}"
    return draft[:8] + vin_check_digit(draft) + draft[9:]

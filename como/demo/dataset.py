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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, TypeVar
from zoneinfo import ZoneInfo

T = TypeVar("T")

#: How far back the demo history reaches.
HISTORY_DAYS = 90
#: Share of journeys that begin anonymous (browsing before a form names the person).
ANONYMOUS_SHARE = 0.2
#: Share of journeys whose first page view arrives from a campaign.
LANDING_SHARE = 0.6

#: A campaign's UTM parameters with a weight, for :func:`pick`.
Campaigns = Sequence[tuple[dict[str, str], float]]
#: A step of a visit: the event type and its properties.
Step = tuple[str, dict[str, Any]]


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


@dataclass
class Journey:
    """Who one contact's journey is about: a person known by email, who may browse anonymously
    until the first identifying step names them; ``landing`` is the campaign they came from."""

    who: dict[str, str]
    anonymous_id: dict[str, str]
    anonymous: bool
    landing: dict[str, str] | None

    def actor(self, *, browsing: bool) -> dict[str, str]:
        """The ``contact`` of the next event; a step that is not ``browsing`` names the visitor
        (both identifiers, once) and ends the anonymous part."""
        if not self.anonymous:
            return self.who
        if browsing:
            return self.anonymous_id
        self.anonymous = False
        return {**self.who, **self.anonymous_id}


class Builder:
    """What every vertical's generator does the same way: seeded randomness, unique people,
    per-person event ids, email opens and clicks, anonymous journeys and visitors.

    Subclasses add their own people and journeys and set the class attributes below. The
    order in which these helpers draw from ``rng`` and ``faker`` is part of the output: every
    event after a changed draw changes too (and so do the ids that reseeding relies on).
    """

    #: Where campaign traffic comes from, weighted.
    landing_campaigns: ClassVar[Campaigns]
    #: campaign id -> (subject, URL a click opens).
    email_campaigns: ClassVar[dict[str, tuple[str, str]]]
    #: How long after an open the click comes.
    email_click_delay: ClassVar[timedelta]

    def __init__(self, spec: WorkspaceSpec, anchor: datetime) -> None:
        from faker import Faker  # a development dependency; the demo needs it, production does not

        self.spec = spec
        self.anchor = anchor
        self.tz = ZoneInfo(spec.time_zone)
        self.faker = Faker("en_US")
        self.faker.seed_instance(spec.seed)
        self.rng = random.Random(spec.seed)
        self.emails = UniqueEmails()
        self.accounts: list[AccountSeed] = []
        self.contacts: list[ContactSeed] = []
        self.events: list[EventSeed] = []
        self._sequence: dict[str, int] = {}

    def dataset(self) -> Dataset:
        return Dataset(accounts=self.accounts, contacts=self.contacts, events=self.events)

    # --- people ----------------------------------------------------------------------------

    def new_contact(
        self, key: str, domain: str, *, style: str, area_codes: Sequence[str], phone_share: float
    ) -> ContactSeed:
        """A named person with a unique address at ``domain`` and, for ``phone_share`` of them,
        a fictional phone; the caller fills in the rest."""
        first, last = self.faker.first_name(), self.faker.last_name()
        return ContactSeed(
            key=key,
            email=self.emails.make(self.rng, first, last, domain, style=style),
            first_name=first,
            last_name=last,
            phone=fictional_phone(self.rng, area_codes) if self.rng.random() < phone_share else "",
        )

    def anonymous_id(self, key: str) -> dict[str, str]:
        return {"anonymous_id": f"anon-{self.spec.event_prefix}-{key}"}

    # --- events ----------------------------------------------------------------------------

    def next_id(self, key: str) -> str:
        """``<prefix>-<person>-<nnn>``: stable as long as the generator is."""
        n = self._sequence[key] = self._sequence.get(key, 0) + 1
        return f"{self.spec.event_prefix}-{key}-{n:03d}"

    def times(self, count: int, *, span_days: int) -> list[datetime]:
        return journey_times(self.rng, self.anchor, self.tz, count, span_days=span_days)

    def emit(
        self,
        contact: dict[str, str],
        key: str,
        type_: str,
        at: datetime,
        properties: dict[str, Any],
        *,
        source: str = "website",
        campaign: dict[str, str] | None = None,
    ) -> None:
        payload: dict[str, Any] = {
            "id": self.next_id(key),
            "type": type_,
            "occurred_at": iso(at),
            "contact": dict(contact),
            "properties": properties,
        }
        if campaign:
            payload["utm"] = dict(campaign)
        self.events.append(EventSeed(source=source, payload=payload))

    def email_events(
        self, who: dict[str, str], key: str, at: datetime, campaign: str, *, clicked: bool
    ) -> None:
        """An open of ``campaign`` at ``at`` and, if ``clicked``, the click that follows."""
        subject, url = self.email_campaigns[campaign]
        base = {"campaign_id": campaign, "message_id": f"{campaign}-{key}", "subject": subject}
        self.emit(who, key, "email_opened", at, base, source="esp")
        if clicked:
            self.emit(
                who,
                key,
                "email_clicked",
                at + self.email_click_delay,
                {**base, "url": url},
                source="esp",
                campaign=utm("newsletter", "email", campaign),
            )

    def email_bounce(self, contact: ContactSeed, campaign: str, reason: str) -> None:
        """A hard bounce of ``campaign`` to ``contact`` some time in the history."""
        at = self.times(1, span_days=80)[0]
        props = {"campaign_id": campaign, "bounce_type": "hard", "reason": reason}
        self.emit({"email": contact.email}, contact.key, "email_bounced", at, props, source="esp")

    def begin_journey(self, contact: ContactSeed, *, may_be_anonymous: bool = True) -> Journey:
        """Draw whether ``contact`` starts anonymous and which campaign (if any) brought them."""
        anonymous = may_be_anonymous and self.rng.random() < ANONYMOUS_SHARE
        landing = (
            pick(self.rng, self.landing_campaigns) if self.rng.random() < LANDING_SHARE else None
        )
        return Journey(
            who={"email": contact.email},
            anonymous_id=self.anonymous_id(contact.key),
            anonymous=anonymous,
            landing=landing,
        )

    def visitor_steps(self) -> Callable[[int], Step]:
        """For one anonymous visitor: what their n-th (from 1) event is."""
        raise NotImplementedError

    def visitor(self, key: str) -> None:
        """Someone who never said who they are: one to four events, the first from a campaign."""
        who = self.anonymous_id(key)
        step = self.visitor_steps()
        for n, at in enumerate(self.times(self.rng.randint(1, 4), span_days=45), start=1):
            type_, props = step(n)
            campaign = pick(self.rng, self.landing_campaigns) if n == 1 else None
            self.emit(who, key, type_, at, props, campaign=campaign)

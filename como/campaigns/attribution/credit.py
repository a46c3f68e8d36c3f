"""The attribution models as pure functions: who gets what share of one conversion.

Each model takes a :class:`Journey` (the touches of one person or account, and the instants of
its milestones) and returns every counted touch with its share as an exact
:class:`~fractions.Fraction`; the shares sum to exactly 1 (or the list is empty: no touch in the
window). Money is split from those shares by :func:`como.campaigns.attribution.money.allocate`,
to the cent. These functions are the definition: the set-based computation that stores credit
per opportunity is tested against them.

The milestones (DESIGN.md, "Attribution") are the first touch (FT), lead creation (LC),
opportunity creation (OC) and closed won (CW). A milestone's touch is the last counted touch at
or before its instant (the touch that brought it about); FT is the first counted touch.

The position-based models share one rule (:func:`_positional`): each milestone's weight goes to
its touch (a touch holding two milestones takes both), the ``rest`` weight is split evenly among
the counted touches that hold none, and the result is scaled to sum to 1. So a weight with no
touch to take it — a milestone with no touch before it, or no touch between the milestones — is
shared by the others pro rata: U-shaped over two touches gives 50/50, over one touch 100 %.

Which touches count: those within the lookback window before the conversion instant, up to the
model's last milestone (U-shaped stops at lead creation, W-shaped at opportunity creation, full
path at closed won — as Marketo Measure's do), else up to the conversion.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Literal

Milestone = Literal["ft", "lc", "oc", "cw"]
DIRECT_CHANNELS = frozenset({"direct", ""})


@dataclass(frozen=True, slots=True)
class Touch:
    at: datetime
    #: What identifies the touch to the caller (an event id, a touch row's id).
    key: Hashable
    channel: str
    campaign_id: int | None = None
    #: A visit that came with no source (typed URL, bookmark): last non-direct skips it.
    direct: bool = False

    @property
    def is_direct(self) -> bool:
        return self.direct or self.channel in DIRECT_CHANNELS


@dataclass(frozen=True, slots=True)
class Journey:
    touches: Sequence[Touch]
    #: The instant credit is given for: the deal's close, or the MQL's instant.
    converted_at: datetime
    lead_created_at: datetime | None = None
    opportunity_created_at: datetime | None = None
    closed_won_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Settings:
    """The playbook's attribution settings."""

    #: Touches older than this before the conversion do not count; None: all count.
    lookback: timedelta | None = timedelta(days=90)
    #: U-shaped weights of (first touch, the touches between, lead creation), in percent:
    #: (40, 20, 40) by default, (50, 0, 50) as Marketo Measure does.
    u_shape: tuple[int, int, int] = (40, 20, 40)
    #: Time decay: a touch this long before the conversion counts half as much.
    half_life: timedelta = timedelta(days=7)

    def __post_init__(self) -> None:
        if sum(self.u_shape) != 100 or min(self.u_shape) < 0:
            raise ValueError("u_shape: three non-negative percentages summing to 100")
        if self.half_life <= timedelta(0):
            raise ValueError("half_life must be positive")
        if self.lookback is not None and self.lookback <= timedelta(0):
            raise ValueError("lookback must be positive")


Credit = list[tuple[Touch, Fraction]]
Model = Callable[[Journey, Settings], Credit]


def counted(journey: Journey, settings: Settings, until: datetime | None = None) -> list[Touch]:
    """The touches a model reads, in time order: within the lookback window and at or before
    ``until`` (the model's last milestone, else the conversion)."""
    end = min(until, journey.converted_at) if until is not None else journey.converted_at
    start = journey.converted_at - settings.lookback if settings.lookback is not None else None
    touches = [t for t in journey.touches if t.at <= end and (start is None or t.at >= start)]
    # Ties keep the caller's order (stable sort): the caller orders same-instant touches.
    return sorted(touches, key=lambda t: t.at)


def _last_at_or_before(touches: Sequence[Touch], instant: datetime | None) -> int | None:
    if instant is None:
        return None
    found = None
    for index, touch in enumerate(touches):
        if touch.at > instant:
            break
        found = index
    return found


def _positional(
    touches: Sequence[Touch],
    journey: Journey,
    weights: dict[Milestone, Fraction],
    rest: Fraction,
) -> Credit:
    if not touches:
        return []
    instants: dict[Milestone, datetime | None] = {
        "lc": journey.lead_created_at,
        "oc": journey.opportunity_created_at,
        "cw": journey.closed_won_at,
    }
    shares = [Fraction(0)] * len(touches)
    holders: set[int] = set()
    for milestone, weight in weights.items():
        index = 0 if milestone == "ft" else _last_at_or_before(touches, instants[milestone])
        if index is not None:
            shares[index] += weight
            holders.add(index)
    others = [i for i in range(len(touches)) if i not in holders]
    for index in others:
        shares[index] += rest / len(others)
    total = sum(shares, Fraction(0))
    if total == 0:  # every weight on the rest, and no touch outside the milestones: even split
        return [(touch, Fraction(1, len(touches))) for touch in touches]
    return [(touch, share / total) for touch, share in zip(touches, shares, strict=True)]


def _single(touch: Touch | None) -> Credit:
    return [(touch, Fraction(1))] if touch is not None else []


def first_touch(journey: Journey, settings: Settings) -> Credit:
    touches = counted(journey, settings)
    return _single(touches[0] if touches else None)


def last_touch(journey: Journey, settings: Settings) -> Credit:
    touches = counted(journey, settings)
    return _single(touches[-1] if touches else None)


def last_non_direct(journey: Journey, settings: Settings) -> Credit:
    """The last touch that came from somewhere; the last touch when every one was direct."""
    touches = counted(journey, settings)
    sourced = [t for t in touches if not t.is_direct]
    return _single(sourced[-1] if sourced else (touches[-1] if touches else None))


def linear(journey: Journey, settings: Settings) -> Credit:
    touches = counted(journey, settings)
    return [(touch, Fraction(1, len(touches))) for touch in touches]


def u_shaped(journey: Journey, settings: Settings) -> Credit:
    first, between, lead = (Fraction(p, 100) for p in settings.u_shape)
    touches = counted(journey, settings, journey.lead_created_at)
    return _positional(touches, journey, {"ft": first, "lc": lead}, between)


def w_shaped(journey: Journey, settings: Settings) -> Credit:
    third = Fraction(30, 100)
    touches = counted(journey, settings, journey.opportunity_created_at)
    return _positional(touches, journey, {"ft": third, "lc": third, "oc": third}, Fraction(1, 10))


def full_path(journey: Journey, settings: Settings) -> Credit:
    each = Fraction(225, 1000)
    touches = counted(journey, settings, journey.closed_won_at)
    weights: dict[Milestone, Fraction] = {"ft": each, "lc": each, "oc": each, "cw": each}
    return _positional(touches, journey, weights, Fraction(1, 10))


def decay_weight(age: timedelta, half_life: timedelta) -> Fraction:
    """2^(-age / half-life), exact when the age is a whole number of half-lives."""
    halvings = Fraction(age // timedelta(microseconds=1), half_life // timedelta(microseconds=1))
    if halvings.denominator == 1:
        return Fraction(1, 2 ** int(halvings)) if halvings >= 0 else Fraction(2 ** -int(halvings))
    return Fraction(math.pow(2.0, -float(halvings)))


def time_decay(journey: Journey, settings: Settings) -> Credit:
    touches = counted(journey, settings)
    weights = [decay_weight(journey.converted_at - t.at, settings.half_life) for t in touches]
    total = sum(weights, Fraction(0))
    return [(touch, weight / total) for touch, weight in zip(touches, weights, strict=True)]


@dataclass(frozen=True)
class ModelSpec:
    key: str
    label: str
    credit: Model = field(repr=False)


#: Every model, in the order reports show them side by side.
MODELS: dict[str, ModelSpec] = {
    spec.key: spec
    for spec in (
        ModelSpec("first_touch", "First touch", first_touch),
        ModelSpec("last_touch", "Last touch", last_touch),
        ModelSpec("last_non_direct", "Last non-direct", last_non_direct),
        ModelSpec("linear", "Linear", linear),
        ModelSpec("u_shaped", "U-shaped", u_shaped),
        ModelSpec("w_shaped", "W-shaped", w_shaped),
        ModelSpec("full_path", "Full path", full_path),
        ModelSpec("time_decay", "Time decay", time_decay),
    )
}

"""Every model at once over one journey, in integers: credit.py's numbers, fast enough to store.

:mod:`.credit` is the definition, one model at a time over :class:`~fractions.Fraction`; a
million touches through its eight models costs minutes. This module gives exactly the same
shares (tests/como/campaigns/test_attribution_store.py checks it on random journeys) with
plain integers: a model's shares are numerators over one common denominator, and the money is
split from them with the same rule as :func:`.money.allocate` (floors, then the left-over cents
by largest remainder, ties to the earlier touch). Why integers suffice:

- linear is 1/n; first, last and last non-direct are 1;
- the position-based weights are whole percents (per mille for full path): multiplying them
  and the "rest" by the number of touches sharing the rest leaves whole numbers;
- time decay's weights are 2^-h for a whole h or a float (credit.decay_weight), and every float
  is a whole number over a power of two: over the largest such power they are all whole.

The touches come in time order (ties as the caller ordered them, as credit.counted keeps them).
Instants are whole microseconds since the Unix epoch (:func:`micros`): a million touches are
compared and aged as integers, not datetimes.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .credit import Settings

#: A model's credit: the indexes of the touches it counts (into the journey's list), their
#: numerators, and the one denominator they share (numerators sum to it).
Shares = tuple[Sequence[int], list[int], int]
_MICRO = timedelta(microseconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros(at: datetime) -> int:
    """An aware instant as whole microseconds since the Unix epoch (exact)."""
    return (at - _EPOCH) // _MICRO


@dataclass(frozen=True, slots=True)
class Milestones:
    """A conversion's instants, in :func:`micros`."""

    converted_at: int
    lead_created_at: int | None = None
    opportunity_created_at: int | None = None
    closed_won_at: int | None = None


def every_model(
    ats: Sequence[int], directs: Sequence[bool], when: Milestones, settings: Settings
) -> dict[str, Shares]:
    """Model key → its shares over the touches at ``ats`` (sorted, in :func:`micros`), as
    credit.MODELS gives them; a model that counts no touch is absent."""
    converted = when.converted_at
    start = converted - settings.lookback // _MICRO if settings.lookback is not None else None
    lo = bisect_left(ats, start) if start is not None else 0

    def window(until: int | None) -> range:
        end = min(until, converted) if until is not None else converted
        return range(lo, max(lo, bisect_right(ats, end)))

    out: dict[str, Shares] = {}
    whole = window(None)
    n = len(whole)
    if n:
        out["first_touch"] = ([whole[0]], [1], 1)
        out["last_touch"] = ([whole[-1]], [1], 1)
        sourced = next((i for i in reversed(whole) if not directs[i]), whole[-1])
        out["last_non_direct"] = ([sourced], [1], 1)
        out["linear"] = (whole, [1] * n, n)
        out["time_decay"] = _decay(ats, whole, converted, settings.half_life)
    first, between, lead = settings.u_shape
    milestones = {
        "u_shaped": (when.lead_created_at, (first, lead), between),
        "w_shaped": (when.opportunity_created_at, (30, 30, 30), 10),
        "full_path": (when.closed_won_at, (225, 225, 225, 225), 100),
    }
    instants = (when.lead_created_at, when.opportunity_created_at, when.closed_won_at)
    for key, (until, weights, rest) in milestones.items():
        touches = window(until)
        if len(touches):
            # The first weight is the first touch's; the others the milestones', in order.
            out[key] = _positional(ats, touches, weights, instants, rest)
    return out


def _positional(
    ats: Sequence[int],
    touches: range,
    weights: tuple[int, ...],
    instants: tuple[int | None, ...],
    rest: int,
) -> Shares:
    """credit._positional over whole-number weights: ``weights[0]`` is the first touch's, the
    others go to the last touch at or before the matching milestone instant, if any."""
    lo, hi = touches.start, touches.stop
    held = [0] * len(touches)
    held[0] = weights[0]
    holders = {0}  # a holder even with a zero weight, as in credit
    for weight, instant in zip(weights[1:], instants, strict=False):
        if instant is None:
            continue
        last = bisect_right(ats, instant, lo, hi) - 1
        if last >= lo:
            held[last - lo] += weight
            holders.add(last - lo)
    others = len(held) - len(holders)
    if others:
        # Each other touch's share is rest / others: scale every share by ``others``.
        nums = [value * others if i in holders else rest for i, value in enumerate(held)]
    else:
        nums = held
    total = sum(nums)
    if total == 0:  # as credit: every weight on the rest, no touch outside the milestones
        return touches, [1] * len(touches), len(touches)
    return touches, nums, total


def _decay(ats: Sequence[int], touches: range, converted: int, half_life: timedelta) -> Shares:
    """credit.time_decay: weights 2^(-age/half-life), exact for whole half-lives, else the
    float credit.decay_weight makes; all over the largest power of two among them."""
    unit = half_life // _MICRO
    ratios: list[tuple[int, int]] = []
    for index in touches:
        age = converted - ats[index]
        if age % unit == 0:
            halvings = age // unit  # never negative: counted touches are not after converted
            ratios.append((1, 1 << halvings))
        else:
            # float(Fraction(age, unit)) is age / unit correctly rounded, as here.
            ratios.append(math.pow(2.0, -(age / unit)).as_integer_ratio())
    scale = max(den for _, den in ratios)
    nums = [num * (scale // den) for num, den in ratios]
    return touches, nums, sum(nums)


def split_cents(cents: int, nums: Sequence[int], den: int) -> list[int]:
    """money.allocate in integers: ``cents`` (≥ 0) split by ``nums / den``."""
    products = [num * cents for num in nums]
    floors = [product // den for product in products]
    left = cents - sum(floors)
    if left:
        # Largest remainder first, ties to the earlier touch: a stable sort on the negated
        # remainders, keyed in C (a million touches go through here).
        negated = [floor * den - product for product, floor in zip(products, floors, strict=True)]
        for index in sorted(range(len(nums)), key=negated.__getitem__)[:left]:
            floors[index] += 1
    return floors


def share_text(num: int, den: int, places: int) -> str:
    """``num / den`` rounded half-up to ``places`` decimals, as text (0 ≤ num ≤ den)."""
    scaled = (num * 10**places * 2 + den) // (2 * den)
    whole, frac = divmod(scaled, 10**places)
    return f"{whole}.{frac:0{places}d}"

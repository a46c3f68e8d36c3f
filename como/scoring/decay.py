"""Continuous decay of intent, and the decay-invariant key that ranks contacts by it.

A contribution ``w`` made at ``t0`` is worth ``w · (1 - r)^((t - t0) / QUARTER)`` at ``t ≥ t0``,
with ``r`` the model's ``rate_per_quarter``. Nothing is ever rewritten as time passes: the value
at any instant is computed from ``(w, t0)``. Fit never decays and is not handled here.

Why one number per contact suffices: every term shares the factor ``(1 - r)^(t / QUARTER)``, so
a contact's intent ``I(t) = Σ wᵢ (1 - r)^((t - tᵢ)/Q)`` is ``I(s) · (1 - r)^((t - s)/Q)`` for any
reference instant ``s`` after its last event. Store ``I`` as of ``s`` and the whole curve is
known. In particular the sign of ``I`` never changes between events.

The ranking key: with ``λ = -ln(1 - r) / Q``, ``ln I(t) + λ·t`` is the same number at every
``t`` (between events), so ordering by it orders contacts by *current* intent at every instant
at once, and an index on it never goes stale. :func:`ranking_key` computes it from the intent
known at one instant; :func:`intent_from_key` turns it back into intent at another. Time is
measured in quarters since :data:`KEY_EPOCH` to keep the numbers small (≈ 100 today), so the
float keeps ~14 significant digits of the intent through the round trip.

Only non-zero intent has a logarithm, so the key comes with the sign of the intent
(:class:`RankingKey`). Negative intent (negative rules outweighing positive ones) decays towards
zero the same way, so its score *rises* with time: its key is ``-(ln(-I) + λ·t)``, which again
does not change between events and is larger for the contact whose score is higher now. Ordering
by ``(sign desc, key desc)`` therefore orders contacts by current intent, whatever their signs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

#: A quarter of a year, as the decay rate is stated.
QUARTER = timedelta(days=91.3)
#: The origin of ranking keys; any fixed instant works, a recent one keeps keys small.
KEY_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def quarters_between(t0: datetime, t: datetime) -> float:
    """``(t - t0) / QUARTER``. timedelta division is done in integer microseconds, so 91.3 days
    is exactly 1.0 and 182.6 days exactly 2.0."""
    return (t - t0) / QUARTER


def decay_factor(rate_per_quarter: float, t0: datetime, t: datetime) -> float:
    """What share of a contribution made at ``t0`` still counts at ``t``; 0 before ``t0``."""
    if t < t0:
        return 0.0
    return (1.0 - rate_per_quarter) ** quarters_between(t0, t)


def decayed(points: float, rate_per_quarter: float, t0: datetime, t: datetime) -> float:
    """A contribution of ``points`` made at ``t0``, as counted at ``t``."""
    return points * decay_factor(rate_per_quarter, t0, t)


def decay_lambda(rate_per_quarter: float) -> float:
    """``λ = -ln(1 - r)`` per quarter: the continuous rate of the decay (0 when r is 0)."""
    return -math.log1p(-rate_per_quarter)


class RankingKey(NamedTuple):
    """``sign`` of the intent (1, 0 or -1) and its decay-invariant ``key`` (None for zero)."""

    sign: int
    key: float | None


def key_offset(at: datetime, rate_per_quarter: float) -> float:
    """``λ·t`` at instant ``at``: what a key is shifted by to read intent at ``at``."""
    return decay_lambda(rate_per_quarter) * quarters_between(KEY_EPOCH, at)


def ranking_key(intent: float, as_of: datetime, rate_per_quarter: float) -> RankingKey:
    """The key of ``intent`` measured at ``as_of``: ``ln(intent) + λ·t`` for positive intent,
    ``-(ln(-intent) + λ·t)`` for negative (t in quarters since :data:`KEY_EPOCH`). Constant until
    the contact's next event; among contacts of one sign, larger key = more intent now."""
    if intent == 0:
        return RankingKey(0, None)
    offset = key_offset(as_of, rate_per_quarter)
    if intent > 0:
        return RankingKey(1, math.log(intent) + offset)
    return RankingKey(-1, -(math.log(-intent) + offset))


def ranking_keys(
    intents: Sequence[float], instants: Sequence[datetime], rate_per_quarter: float
) -> tuple[list[int], list[float | None]]:
    """:func:`ranking_key` of each ``(intent, as_of)`` pair, as two columns (signs, keys): the
    same operations on the same numbers, so the same floats, with λ worked out once for a
    batch of contacts instead of once per contact."""
    lam = decay_lambda(rate_per_quarter)
    signs: list[int] = []
    keys: list[float | None] = []
    for intent, at in zip(intents, instants, strict=True):
        if intent == 0:
            signs.append(0)
            keys.append(None)
        elif intent > 0:
            signs.append(1)
            keys.append(math.log(intent) + lam * ((at - KEY_EPOCH) / QUARTER))
        else:
            signs.append(-1)
            keys.append(-(math.log(-intent) + lam * ((at - KEY_EPOCH) / QUARTER)))
    return signs, keys


def intent_from_key(sign: int, key: float | None, at: datetime, rate_per_quarter: float) -> float:
    """The intent a :func:`ranking_key` stands for at instant ``at``."""
    if sign == 0 or key is None:
        return 0.0
    offset = key_offset(at, rate_per_quarter)
    if sign > 0:
        return math.exp(key - offset)
    return -math.exp(-key - offset)

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

Only positive intent has a logarithm. Zero intent maps to ``-inf`` (it stays zero, below every
positive contact). Negative intent has no key here: the ranking handles it separately (its
magnitude decays the same way, so ``ln(-I) + λ·t`` orders it in reverse).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

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


def ranking_key(intent: float, as_of: datetime, rate_per_quarter: float) -> float:
    """``ln(intent) + λ·t`` for ``intent`` measured at ``as_of`` (t in quarters since
    :data:`KEY_EPOCH`). Constant until the contact's next event; larger key = more intent now.

    Raises ValueError for negative intent (see the module docstring)."""
    if intent < 0:
        raise ValueError("negative intent has no ranking key")
    if intent == 0:
        return -math.inf
    return math.log(intent) + decay_lambda(rate_per_quarter) * quarters_between(KEY_EPOCH, as_of)


def intent_from_key(key: float, at: datetime, rate_per_quarter: float) -> float:
    """The intent a :func:`ranking_key` stands for at instant ``at``: ``exp(key - λ·t)``."""
    if key == -math.inf:
        return 0.0
    return math.exp(key - decay_lambda(rate_per_quarter) * quarters_between(KEY_EPOCH, at))

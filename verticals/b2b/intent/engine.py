"""An account's intent from its signals at an instant, explained signal by signal. Pure: plain
data in, plain data out (the selectors read the rows).

A signal scoring at least the playbook's ``surge_bar`` is a surge: it adds
``score * points_per_score`` points when it occurs, decayed from then on exactly as a contact's
intent is (:func:`como.scoring.decay.decayed`, the workspace's active scoring-model rate: 25 %
a quarter by default). Per account and ISO week only the ``max_surges_per_week`` highest surges
count (ties: the earlier stored first). Signals occurring after the instant are left out, so the
answer at a past instant is what it was then.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from como.scoring.decay import decay_factor

from .playbook import IntentSettings

Status = Literal["surge", "capped", "below_bar"]


@dataclass(frozen=True)
class SignalReading:
    """What the engine needs of a stored signal."""

    id: int
    provider: str
    topic: str
    score: int
    buying_stage: str
    week: date
    occurred_at: datetime


@dataclass(frozen=True)
class SignalPart:
    """One signal's share of the account's intent at ``at``: ``points`` when it occurred,
    ``factor`` of them left at ``at``, ``value`` = points * factor (0 unless a surge)."""

    signal: SignalReading
    status: Status
    points: float
    factor: float
    value: float


@dataclass(frozen=True)
class AccountIntent:
    at: datetime
    intent: float
    surge_bar: int
    points_per_score: float
    max_surges_per_week: int
    rate_per_quarter: float
    #: newest first
    parts: tuple[SignalPart, ...]

    @property
    def surges(self) -> int:
        return sum(1 for part in self.parts if part.status == "surge")


def account_intent_at(
    signals: Iterable[SignalReading],
    at: datetime,
    settings: IntentSettings,
    rate_per_quarter: float,
) -> AccountIntent:
    """The intent at ``at`` of one account whose signals are ``signals`` (any order)."""
    if at.tzinfo is None:
        raise ValueError("account_intent_at needs a timezone-aware instant")
    known = [signal for signal in signals if signal.occurred_at <= at]
    by_week: dict[date, list[SignalReading]] = defaultdict(list)
    for signal in known:
        if signal.score >= settings.surge_bar:
            by_week[signal.week].append(signal)
    counted: set[int] = set()
    for surges in by_week.values():
        surges.sort(key=lambda s: (-s.score, s.id))
        counted.update(s.id for s in surges[: settings.max_surges_per_week])
    parts = []
    for signal in sorted(known, key=lambda s: (s.occurred_at, s.id), reverse=True):
        factor = decay_factor(rate_per_quarter, signal.occurred_at, at)
        if signal.id in counted:
            points = signal.score * settings.points_per_score
            parts.append(SignalPart(signal, "surge", points, factor, points * factor))
        else:
            status: Status = "capped" if signal.score >= settings.surge_bar else "below_bar"
            parts.append(SignalPart(signal, status, 0.0, factor, 0.0))
    return AccountIntent(
        at=at,
        intent=sum(part.value for part in parts),
        surge_bar=settings.surge_bar,
        points_per_score=settings.points_per_score,
        max_surges_per_week=settings.max_surges_per_week,
        rate_per_quarter=rate_per_quarter,
        parts=tuple(parts),
    )

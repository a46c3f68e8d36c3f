"""The scoring engine: pure functions from plain data to a score at an instant.

No ORM here: callers (ingest, the API, the bench) pass snapshots of a contact, its account and
its events. Everything is computed from those, so a score at any past or present instant is
exact and reproducible; decay needs no batch job (see :mod:`como.scoring.decay`).

Semantics worth knowing:

- Every intent rule whose ``event_type`` and ``when`` match an event counts it: rules stack.
- Events are taken in ``(occurred_at, event_id)`` order, so the order in which they arrived
  never changes which ones a cap lets through, nor the float sums.
- Caps are rolling windows: an event counts for a capped rule only if fewer than ``count``
  events of that rule were *counted* in the ``per_days`` days before it, i.e. with
  ``occurred_at`` in ``(t - per_days, t]``. An event exactly ``per_days`` after a counted one
  no longer sees it. Events that a cap refused do not occupy the window.
- ``score_at`` ignores events after ``at``; caps only look back, so that never changes what
  counted before ``at``.
- All values stay exact floats; :meth:`Score.rounded` rounds for display only.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import attrgetter
from typing import Any, Literal, NamedTuple, TypedDict

from .decay import decay_factor, decayed
from .predicates import compile_condition, property_getter, walk
from .rules import ScoringModel, parse_model
from .snapshots import AccountSnapshot, ContactSnapshot, EventRecord


class Contribution(NamedTuple):
    """One event counted by one intent rule, at full (undecayed) points. (A tuple: scoring a
    history makes one per event counted, and a frozen dataclass sets each field through
    ``object.__setattr__``.)"""

    rule: str
    event_id: str
    occurred_at: datetime
    points: float


class BreakdownItem(TypedDict):
    rule: str
    kind: Literal["fit", "intent"]
    points: float


class FitSubject(NamedTuple):
    contact: ContactSnapshot
    account: AccountSnapshot | None


@dataclass(frozen=True, slots=True)
class CompiledFitRule:
    key: str
    points: float
    matches: Callable[[FitSubject], bool]


@dataclass(frozen=True, slots=True)
class CompiledIntentRule:
    key: str
    event_type: str
    points: float
    matches: Callable[[Mapping[str, Any]], bool]
    cap_count: int | None
    cap_window: timedelta | None


@dataclass(frozen=True)
class CompiledModel:
    """A validated model with its conditions compiled; build once per model version."""

    definition: ScoringModel
    fit: tuple[CompiledFitRule, ...]
    intent: tuple[CompiledIntentRule, ...]
    intent_by_type: Mapping[str, tuple[CompiledIntentRule, ...]]

    @property
    def threshold(self) -> float:
        return self.definition.threshold

    @property
    def min_fit(self) -> float | None:
        return self.definition.min_fit

    @property
    def rate_per_quarter(self) -> float:
        return self.definition.decay.rate_per_quarter


def compile_model(model: ScoringModel | Mapping[str, Any]) -> CompiledModel:
    """Compile a model (validating it first if given as data; raises ScoringModelError)."""
    definition = model if isinstance(model, ScoringModel) else parse_model(model)
    market = definition.market
    fit = tuple(
        CompiledFitRule(rule.key, rule.points, compile_condition(rule.when, _fit_getter, market))
        for rule in definition.fit
    )
    intent = tuple(
        CompiledIntentRule(
            key=rule.key,
            event_type=rule.event_type,
            points=rule.points,
            matches=(
                matches_always
                if rule.when is None
                else compile_condition(rule.when, property_getter, market)
            ),
            cap_count=rule.cap.count if rule.cap else None,
            cap_window=timedelta(days=rule.cap.per_days) if rule.cap else None,
        )
        for rule in definition.intent
    )
    by_type: dict[str, list[CompiledIntentRule]] = {}
    for compiled in intent:
        by_type.setdefault(compiled.event_type, []).append(compiled)
    return CompiledModel(
        definition, fit, intent, {key: tuple(rules) for key, rules in by_type.items()}
    )


def matches_always(properties: Mapping[str, Any]) -> bool:
    return True


#: ``(occurred_at, event_id)`` of an EventRecord, the order events are counted in.
EVENT_ORDER = attrgetter("occurred_at", "event_id")


def _fit_getter(path: str) -> Callable[[FitSubject], Any]:
    root, _, rest = path.partition(".")
    head, _, tail = rest.partition(".")
    keys = tail.split(".") if head == "attributes" else []
    if not keys:
        # A plain field (every rule but attributes.*): no walk() call per rule and contact.
        read = attrgetter(head)

        def get_field(subject: FitSubject) -> Any:
            record: Any = subject.contact if root == "contact" else subject.account
            return None if record is None else read(record)

        return get_field

    def get(subject: FitSubject) -> Any:
        record: Any = subject.contact if root == "contact" else subject.account
        if record is None:
            return None
        return walk(getattr(record, head), keys)

    return get


def evaluate_fit(
    model: CompiledModel, contact: ContactSnapshot, account: AccountSnapshot | None = None
) -> list[tuple[str, float]]:
    """``(rule_key, points)`` for every fit rule that matches, in model order."""
    subject = FitSubject(contact, account)
    return [(rule.key, rule.points) for rule in model.fit if rule.matches(subject)]


#: Per capped rule, the instants of the events it counted most recently (at most its cap
#: count of them, oldest first): all a later event needs to know to apply the cap.
CapWindows = dict[str, deque[datetime]]


def evaluate_intent(
    model: CompiledModel,
    events: Iterable[EventRecord],
    at: datetime | None = None,
    windows: CapWindows | None = None,
) -> list[Contribution]:
    """The contributions counted, caps applied, in ``(occurred_at, event_id)`` order.

    Events after ``at`` (if given) are ignored. ``windows``, if given, should be empty; it is
    filled with the cap state after the last event (to store for :func:`count_intent`)."""
    ordered = sorted(
        events if at is None else [e for e in events if e.occurred_at <= at],
        key=EVENT_ORDER,
    )
    return count_intent(model, ordered, {} if windows is None else windows)


def count_intent(
    model: CompiledModel, ordered: Iterable[EventRecord], windows: CapWindows
) -> list[Contribution]:
    """Count ``ordered`` events (already in ``(occurred_at, event_id)`` order, all after those
    ``windows`` was built from) and update ``windows`` in place.

    Scoring a contact's events in one call or in consecutive slices with the same ``windows``
    counts exactly the same contributions, which is what lets ingest score new events against
    stored state instead of re-reading a contact's history."""
    out: list[Contribution] = []
    for event in ordered:
        for rule in model.intent_by_type.get(event.type, ()):
            if not rule.matches(event.properties):
                continue
            if rule.cap_count is not None and rule.cap_window is not None:
                window = windows.setdefault(rule.key, deque(maxlen=rule.cap_count))
                while window and event.occurred_at - window[0] >= rule.cap_window:
                    window.popleft()
                if len(window) >= rule.cap_count:
                    continue
                window.append(event.occurred_at)
            out.append(Contribution(rule.key, event.event_id, event.occurred_at, rule.points))
    return out


@dataclass(frozen=True)
class Score:
    """A contact's score at ``at``. Exact floats; use :meth:`rounded` to show them."""

    at: datetime
    score: float
    fit: float
    intent: float
    threshold: float
    min_fit: float | None
    is_mql: bool
    breakdown: tuple[BreakdownItem, ...]

    def rounded(self, ndigits: int = 1) -> dict[str, Any]:
        """The same numbers rounded (half to even) for people. Each figure is rounded on its
        own, so the rounded breakdown may not add up to the rounded score in the last digit;
        ``is_mql`` is always decided on the exact numbers."""
        return {
            "at": self.at.isoformat(),
            "score": round(self.score, ndigits),
            "fit": round(self.fit, ndigits),
            "intent": round(self.intent, ndigits),
            "threshold": self.threshold,
            "min_fit": self.min_fit,
            "is_mql": self.is_mql,
            "breakdown": [
                {**item, "points": round(item["points"], ndigits)} for item in self.breakdown
            ],
        }


def score_at(
    model: CompiledModel,
    contact: ContactSnapshot,
    account: AccountSnapshot | None,
    events: Sequence[EventRecord],
    at: datetime,
    windows: CapWindows | None = None,
) -> Score:
    """The score at instant ``at``: fit as is, intent decayed to ``at``, later events ignored.

    The breakdown lists matching fit rules, then intent rules that counted at least one event,
    each in model order, with intent points summed per rule and decayed to ``at``. ``windows``
    is passed on to :func:`evaluate_intent`."""
    if at.tzinfo is None:
        raise ValueError("score_at needs a timezone-aware instant")
    breakdown: list[BreakdownItem] = [
        {"rule": key, "kind": "fit", "points": points}
        for key, points in evaluate_fit(model, contact, account)
    ]
    per_rule: dict[str, float] = {}
    rate = model.rate_per_quarter
    for contribution in evaluate_intent(model, events, at, windows):
        value = decayed(contribution.points, rate, contribution.occurred_at, at)
        per_rule[contribution.rule] = per_rule.get(contribution.rule, 0.0) + value
    breakdown += [
        {"rule": rule.key, "kind": "intent", "points": per_rule[rule.key]}
        for rule in model.intent
        if rule.key in per_rule
    ]
    fit = sum(item["points"] for item in breakdown if item["kind"] == "fit")
    intent = sum(item["points"] for item in breakdown if item["kind"] == "intent")
    score = fit + intent
    min_fit = model.min_fit
    is_mql = score >= model.threshold and (min_fit is None or fit >= min_fit)
    return Score(
        at=at,
        score=score,
        fit=float(fit),
        intent=float(intent),
        threshold=model.threshold,
        min_fit=min_fit,
        is_mql=is_mql,
        breakdown=tuple(breakdown),
    )


class HistoryPoint(NamedTuple):
    """The score at one instant of a :func:`score_history`."""

    at: datetime
    score: float
    fit: float
    intent: float


def score_history(
    model: CompiledModel,
    contact: ContactSnapshot,
    account: AccountSnapshot | None,
    events: Sequence[EventRecord],
    instants: Iterable[datetime],
) -> list[HistoryPoint]:
    """The score at each of ``instants``, in ascending order: what :func:`score_at` gives at
    each one (to float rounding, ~1e-12 relative), in ``O(events + instants)``.

    Intent is evaluated once, up to the last instant. That is exact at every earlier ``t``:
    events are taken in ``(occurred_at, event_id)`` order and a cap only looks at what was
    counted before, so the events up to ``t`` are a prefix of that order and count the same
    whether or not later ones exist. Between instants the running intent is carried by the
    one decay factor every contribution shares (see :mod:`.decay`); a contribution made in
    between is added decayed from its own instant."""
    times = sorted(instants)
    if any(at.tzinfo is None for at in times):
        raise ValueError("score_history needs timezone-aware instants")
    if not times:
        return []
    fit = float(sum(points for _, points in evaluate_fit(model, contact, account)))
    rate = model.rate_per_quarter
    pending = deque(evaluate_intent(model, events, times[-1]))
    intent, previous = 0.0, times[0]
    history: list[HistoryPoint] = []
    for at in times:
        intent *= decay_factor(rate, previous, at)
        while pending and pending[0].occurred_at <= at:
            counted = pending.popleft()
            intent += decayed(counted.points, rate, counted.occurred_at, at)
        history.append(HistoryPoint(at, fit + intent, fit, intent))
        previous = at
    return history

"""A score over time: the engine's ``score_history`` and the instants the admin samples it at.

Every point must be what ``score_at`` says at that instant; expected numbers come from the
rule points and ``tests.como.scoring.expected.decayed``, not from the engine.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from como.scoring.decay import QUARTER
from como.scoring.engine import (
    ContactSnapshot,
    EventRecord,
    compile_model,
    evaluate_intent,
    score_at,
    score_history,
)
from como.scoring.selectors import JUST_BEFORE, history_instants
from tests.como.scoring.expected import decayed
from tests.como.scoring.test_properties import CONTACT, T1, _model, caps, events, rates

NOW = datetime(2026, 3, 1, 15, tzinfo=UTC)
DAY = timedelta(days=1)
VP = ContactSnapshot(title="VP of Data")
MODEL = compile_model(
    {
        "threshold": 50,
        "decay": {"rate_per_quarter": 0.25},
        "fit": [{"key": "vp", "when": {"attr": "contact.title", "contains": "vp"}, "points": 15}],
        "intent": [
            {"key": "demo", "event_type": "demo", "points": 40},
            {
                "key": "pricing",
                "event_type": "page_view",
                "when": {"property": "path", "starts_with": "/pricing"},
                "points": 20,
                "cap": {"count": 1, "per_days": 30},
            },
            {
                "key": "careers",
                "event_type": "page_view",
                "when": {"property": "path", "starts_with": "/careers"},
                "points": -5,
            },
        ],
    }
)


def _event(n: int, at: datetime, type_: str = "page_view", **props: str) -> EventRecord:
    return EventRecord(f"e{n:03d}", type_, props, at)


# --- score_history -------------------------------------------------------------------------


def test_forty_points_a_quarter_ago_count_thirty_now() -> None:
    demo = _event(1, NOW - QUARTER, "demo")

    (point,) = score_history(MODEL, VP, None, [demo], [NOW])

    assert (point.at, point.fit) == (NOW, 15.0)
    assert point.intent == pytest.approx(30.0, abs=1e-12)
    assert point.score == pytest.approx(45.0, abs=1e-12)


def test_each_point_is_the_score_at_its_instant() -> None:
    history = [
        _event(1, NOW - 40 * DAY, path="/pricing"),
        _event(2, NOW - 30 * DAY, path="/careers"),
        _event(3, NOW - 20 * DAY, path="/pricing/enterprise"),  # within 30 days of e001: capped
        _event(4, NOW - 20 * DAY, "demo"),  # same instant as a capped event
        _event(5, NOW - 5 * DAY, path="/pricing"),  # e001 has left the window: counts
        _event(6, NOW + DAY, "demo"),  # after the last instant: never counted
    ]
    instants = [NOW - n * DAY for n in (50, 40, 30, 25, 20, 10, 5, 0)]

    points = score_history(MODEL, VP, None, history, instants)

    expected_at = {
        NOW - 40 * DAY: decayed(20, NOW - 40 * DAY, NOW - 40 * DAY),
        NOW - 5 * DAY: decayed(20, NOW - 40 * DAY, NOW - 5 * DAY)
        + decayed(-5, NOW - 30 * DAY, NOW - 5 * DAY)
        + decayed(40, NOW - 20 * DAY, NOW - 5 * DAY)
        + decayed(20, NOW - 5 * DAY, NOW - 5 * DAY),
    }
    assert [p.at for p in points] == sorted(instants)
    for point in points:
        exact = score_at(MODEL, VP, None, history, point.at)
        assert point.fit == 15.0
        assert point.score == pytest.approx(exact.score, abs=1e-9)
        assert point.intent == pytest.approx(exact.intent, abs=1e-9)
        if point.at in expected_at:
            assert point.intent == pytest.approx(expected_at[point.at], abs=1e-9)
    assert points[0].score == 15.0  # before the first event: fit only


def test_instants_in_any_order_come_back_ascending() -> None:
    demo = _event(1, NOW - 10 * DAY, "demo")
    shuffled = [NOW, NOW - 20 * DAY, NOW - 10 * DAY]

    points = score_history(MODEL, VP, None, [demo], shuffled)

    assert [p.at for p in points] == sorted(shuffled)
    assert [p.intent for p in points[:2]] == [0.0, 40.0]


def test_no_instants_no_points_and_naive_instants_are_refused() -> None:
    assert score_history(MODEL, VP, None, [], []) == []
    with pytest.raises(ValueError, match="timezone-aware"):
        score_history(MODEL, VP, None, [], [datetime(2026, 1, 1)])


@settings(max_examples=200, deadline=None)
@given(
    points=st.lists(st.floats(0, 100), min_size=5, max_size=5),
    caps=st.lists(caps, min_size=5, max_size=5),
    rate=rates,
    history=events,
    offsets=st.lists(st.integers(-220 * 86_400, 400 * 86_400), max_size=12),
)
def test_history_equals_score_at_everywhere(
    points: list[float],
    caps: list[tuple[int, float] | None],
    rate: float,
    history: list[EventRecord],
    offsets: list[int],
) -> None:
    model = _model(points, caps, rate)
    # Instants before, among (event instants too) and after the events.
    instants = [T1 + timedelta(seconds=s) for s in offsets] + [e.occurred_at for e in history]

    for point in score_history(model, CONTACT, None, history, instants):
        exact = score_at(model, CONTACT, None, history, point.at)
        assert point.score == pytest.approx(exact.score, abs=1e-9)
        assert point.intent == pytest.approx(exact.intent, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(
    caps=st.lists(caps, min_size=5, max_size=5),
    history=events,
    offset=st.integers(-210 * 86_400, 0) | st.sampled_from([0, -3600, -86_400]),
)
def test_what_counts_up_to_t_does_not_depend_on_later_events(
    caps: list[tuple[int, float] | None], history: list[EventRecord], offset: int
) -> None:
    # The claim score_history rests on: caps only look back, so evaluating once and keeping
    # the contributions up to t is evaluating up to t.
    model = _model([1, 2, 3, 4, 5], caps, 0.25)
    t = T1 + timedelta(seconds=offset)

    everything = evaluate_intent(model, history)

    assert [c for c in everything if c.occurred_at <= t] == evaluate_intent(model, history, t)


# --- history_instants ------------------------------------------------------------------------


def test_without_jumps_one_point_a_day_over_180_days() -> None:
    instants = history_instants(until=NOW, jumps=[])

    assert len(instants) == 181
    assert (instants[0], instants[-1]) == (NOW - 180 * DAY, NOW)
    assert all(b - a == DAY for a, b in itertools.pairwise(instants))


def test_from_just_before_the_first_jump_with_a_step_at_each() -> None:
    first, second = NOW - QUARTER, NOW - 10.5 * DAY

    instants = history_instants(until=NOW, jumps=[second, first, second])

    # Days 0..91 back (91.3 days of history), and two points per distinct jump.
    assert len(instants) == 92 + 4
    assert instants[0] == first - JUST_BEFORE
    assert {first - JUST_BEFORE, first, second - JUST_BEFORE, second} <= set(instants)
    assert instants[-1] == NOW


def test_jumps_before_the_window_start_it_but_get_no_points() -> None:
    old = NOW - 200 * DAY

    instants = history_instants(until=NOW, jumps=[old, NOW])

    assert instants[0] == NOW - 180 * DAY
    assert old not in instants
    assert instants[-2:] == [NOW - JUST_BEFORE, NOW]
    assert len(instants) == 182


def test_too_many_jumps_keep_the_latest_within_the_cap() -> None:
    jumps = [NOW - timedelta(hours=n * 12 + 1) for n in range(400)]  # twice a day, 200 days

    instants = history_instants(until=NOW, jumps=jumps, max_points=400)

    kept = [jump for jump in jumps if jump in instants]
    assert len(instants) == 400 - 1  # 181 daily + 109 pairs: no room for a 110th pair
    assert kept == jumps[:109]

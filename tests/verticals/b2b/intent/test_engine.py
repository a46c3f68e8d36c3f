"""An account's intent from its signals, by hand: exact numbers at two instants."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from verticals.b2b.intent.engine import SignalReading, account_intent_at
from verticals.b2b.intent.playbook import IntentSettings

QUARTER = timedelta(days=91.3)
MONDAY = datetime(2026, 9, 7, tzinfo=UTC)  # the Monday of ISO week 2026-W37


def reading(pk: int, score: int, occurred_at: datetime, topic: str = "etl") -> SignalReading:
    week = (occurred_at - timedelta(days=occurred_at.weekday())).date()
    return SignalReading(pk, "bombora", topic, score, "", week, occurred_at)


SIGNALS = [
    reading(1, 80, MONDAY),  # a surge: 80 * 0.25 = 20 points at MONDAY
    reading(2, 64, MONDAY + QUARTER / 2, topic="warehouse"),  # 16 points half a quarter later
    reading(3, 59, MONDAY + QUARTER / 2, topic="bi"),  # under the bar of 60: nothing
]


def test_intent_at_two_instants_by_hand() -> None:
    settings = IntentSettings()
    # One quarter after MONDAY: signal 1 keeps 0.75 of 20 = 15; signal 2, half a quarter old,
    # keeps 0.75 ** 0.5 = 0.8660254037844386 of 16 = 13.856406460551018.
    first = account_intent_at(SIGNALS, MONDAY + QUARTER, settings, 0.25)
    assert [(p.signal.id, p.status, p.points) for p in first.parts] == [
        (3, "below_bar", 0.0),
        (2, "surge", 16.0),
        (1, "surge", 20.0),
    ]
    assert first.parts[2].factor == 0.75
    assert first.parts[2].value == 15.0
    assert first.parts[1].value == pytest.approx(13.856406460551018, abs=1e-12)
    assert first.intent == pytest.approx(28.856406460551018, abs=1e-12)
    # Two quarters after MONDAY: 20 * 0.5625 = 11.25 and 16 * 0.75 ** 1.5 = 10.392304845413264.
    second = account_intent_at(SIGNALS, MONDAY + 2 * QUARTER, settings, 0.25)
    assert second.parts[2].value == 11.25
    assert second.parts[1].value == pytest.approx(10.392304845413264, abs=1e-12)
    assert second.intent == pytest.approx(21.642304845413264, abs=1e-12)
    assert second.surges == 2


def test_signals_after_the_instant_are_left_out() -> None:
    before_the_second = account_intent_at(SIGNALS, MONDAY + QUARTER / 4, IntentSettings(), 0.25)
    assert [p.signal.id for p in before_the_second.parts] == [1]
    # 20 * 0.75 ** 0.25 = 18.612097182041991
    assert before_the_second.intent == pytest.approx(18.612097182041991, abs=1e-12)


def test_only_the_highest_surges_of_a_week_count() -> None:
    week = [
        reading(pk, score, MONDAY, topic=f"t{pk}")
        for pk, score in ((10, 61), (11, 90), (12, 70), (13, 80), (14, 90))
    ]
    intent = account_intent_at(week, MONDAY, IntentSettings(max_surges_per_week=3), 0.25)
    statuses = {p.signal.id: p.status for p in intent.parts}
    # 90, 90 (the earlier stored first) and 80 count; 70 and 61 are capped.
    assert statuses == {11: "surge", 14: "surge", 13: "surge", 12: "capped", 10: "capped"}
    assert intent.intent == (90 + 90 + 80) * 0.25


def test_the_playbook_bar_and_points_decide() -> None:
    settings = IntentSettings(surge_bar=50, points_per_score=1.0)
    intent = account_intent_at(SIGNALS, MONDAY, settings, 0.25)
    assert [(p.signal.id, p.value) for p in intent.parts] == [(1, 80.0)]
    assert account_intent_at([], MONDAY, settings, 0.25).intent == 0


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        account_intent_at(SIGNALS, datetime(2026, 1, 1), IntentSettings(), 0.25)


def test_week_is_the_signals_monday() -> None:
    assert SIGNALS[0].week == date(2026, 9, 7)

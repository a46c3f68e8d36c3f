"""The intent timeline (pure): weeks from the oldest signal's to the newest's, at most the last
twelve, one series per provider and topic, surges (capped ones too) marked."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from verticals.b2b.intent.engine import SignalReading, account_intent_at
from verticals.b2b.intent.playbook import IntentSettings
from verticals.b2b.intent.timeline import intent_timeline

MONDAY = date(2026, 11, 23)
AT = datetime(2026, 11, 30, tzinfo=UTC)


def _reading(n: int, provider: str, topic: str, score: int, weeks_ago: int) -> SignalReading:
    week = MONDAY - timedelta(weeks=weeks_ago)
    occurred = datetime.combine(week, datetime.min.time(), UTC)
    return SignalReading(n, provider, topic, score, "", week, occurred)


def test_weeks_series_and_surges() -> None:
    signals = [
        _reading(1, "bombora", "ETL", 50, 2),
        _reading(2, "bombora", "ETL", 61, 0),  # the week's 4th surge: capped, still marked
        _reading(3, "bombora", "Lakehouse", 90, 0),
        _reading(4, "6sense", "", 70, 0),
        _reading(5, "bombora", "BI", 65, 0),
    ]
    intent = account_intent_at(signals, AT, IntentSettings(), 0.25)

    timeline = intent_timeline(intent)

    assert [w.monday for w in timeline.weeks] == [MONDAY - timedelta(weeks=n) for n in (2, 1, 0)]
    assert [(w.signals, w.surges) for w in timeline.weeks] == [(1, 0), (0, 0), (4, 4)]
    assert [s.label for s in timeline.series] == [
        "bombora · ETL",
        "6sense",
        "bombora · BI",
        "bombora · Lakehouse",
    ]
    etl = timeline.series[0]
    assert [c.score if c else None for c in etl.cells] == [50, None, 61]
    assert [c.surging if c else None for c in etl.cells] == [False, None, True]
    assert etl.cells[-1].status == "capped"  # type: ignore[union-attr]
    newest, *_ = timeline.table()
    assert newest[0].monday == MONDAY
    chart = json.loads(timeline.chart())
    assert chart["labels"] == ["2026-11-09", "2026-11-16", "2026-11-23"]
    line, etl_bars, *_ = chart["datasets"]
    assert line["data"] == [60, 60, 60]
    assert etl_bars["data"] == [50, 0, 61]
    assert etl_bars["backgroundColor"] == ["#7c3aed33", "#7c3aed33", "#7c3aed"]


def test_at_most_twelve_weeks_and_nothing_for_no_signals() -> None:
    signals = [_reading(n, "bombora", "ETL", 70, n) for n in range(20)]
    timeline = intent_timeline(account_intent_at(signals, AT, IntentSettings(), 0.25))
    assert len(timeline.weeks) == 12
    assert timeline.weeks[-1].monday == MONDAY
    assert timeline.total == 20  # the explanation's count; the chart shows the last 12 weeks
    empty = intent_timeline(account_intent_at([], AT, IntentSettings(), 0.25))
    assert (empty.weeks, empty.series, empty.total) == ((), (), 0)

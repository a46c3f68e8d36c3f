"""An account's intent timeline for its console page: the signals per ISO week, one series per
provider and topic, with the surges (at or above the playbook's bar) marked.

Pure: built from the explanation :func:`.selectors.accounts_intent_at` already gives (its
parts carry each signal and whether it counted), so the page and the API's
``/accounts/{id}/intent`` can never disagree about what surged. The chart is data for the
Chart.js unfold ships (the campaign page's charts use the same ``canvas.chart`` markup): a bar
per series and week holding the signal's score, full colour for a surge, pale below the bar, and
the bar itself as a dashed line.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from .engine import AccountIntent, SignalPart

#: the dashboard's palette (como/console/static/console/dashboard.js)
PALETTE = ("#7c3aed", "#0ea5e9", "#f59e0b", "#10b981", "#ef4444", "#6366f1", "#ec4899")
PALE = "33"  # hex alpha appended to a series colour below the bar
#: at most this many weeks, ending at the newest signal's (Bombora keeps about this much)
MAX_WEEKS = 12


@dataclass(frozen=True)
class Cell:
    score: int
    status: str  # "surge", "capped", "below_bar"

    @property
    def surging(self) -> bool:
        """At or above the bar (a capped surge surges too; it just adds nothing more)."""
        return self.status != "below_bar"


@dataclass(frozen=True)
class Series:
    provider: str
    topic: str
    cells: tuple[Cell | None, ...]  # per week of the timeline

    @property
    def label(self) -> str:
        return f"{self.provider} · {self.topic}" if self.topic else self.provider


@dataclass(frozen=True)
class Week:
    monday: date
    signals: int
    surges: int


@dataclass(frozen=True)
class IntentTimeline:
    weeks: tuple[Week, ...]
    series: tuple[Series, ...]
    surge_bar: int
    total: int

    @property
    def surges(self) -> int:
        return sum(week.surges for week in self.weeks)

    def table(self) -> list[tuple[Week, tuple[Cell | None, ...]]]:
        """Per week, newest first, its cell of each series (None: no reading that week)."""
        rows = [
            (week, tuple(series.cells[n] for series in self.series))
            for n, week in enumerate(self.weeks)
        ]
        return rows[::-1]

    def chart(self) -> str:
        """Chart.js ``data`` as JSON for the canvas's ``data-value``."""
        datasets: list[dict[str, object]] = [
            {
                "type": "line",
                "label": f"Surge bar ({self.surge_bar})",
                "data": [self.surge_bar] * len(self.weeks),
                "borderColor": "#ef4444",
                "borderDash": [6, 4],
                "borderWidth": 1,
                "pointRadius": 0,
                "fill": False,
            }
        ]
        for index, series in enumerate(self.series):
            colour = PALETTE[index % len(PALETTE)]
            datasets.append(
                {
                    "type": "bar",
                    "label": series.label,
                    "data": [cell.score if cell else 0 for cell in series.cells],
                    "backgroundColor": [
                        colour if cell and cell.surging else colour + PALE for cell in series.cells
                    ],
                    "borderColor": colour,
                    "borderWidth": 1,
                }
            )
        labels = [week.monday.isoformat() for week in self.weeks]
        return json.dumps({"labels": labels, "datasets": datasets})


def intent_timeline(intent: AccountIntent, *, max_weeks: int = MAX_WEEKS) -> IntentTimeline:
    """The ISO weeks from the oldest signal's to the newest's, at most the last ``max_weeks``
    (empty weeks included, so the gaps show), one series per (provider, topic) in the order
    first seen, oldest first."""
    parts: Sequence[SignalPart] = intent.parts
    if not parts:
        return IntentTimeline((), (), intent.surge_bar, 0)
    last = max(part.signal.week for part in parts)
    first = max(min(part.signal.week for part in parts), last - timedelta(weeks=max_weeks - 1))
    mondays = [last - timedelta(weeks=n) for n in reversed(range((last - first).days // 7 + 1))]
    shown = [part for part in parts if part.signal.week >= mondays[0]]
    keys: list[tuple[str, str]] = []
    cells: dict[tuple[str, str, date], Cell] = {}
    for part in sorted(shown, key=lambda p: (p.signal.week, p.signal.provider, p.signal.topic)):
        key = (part.signal.provider, part.signal.topic)
        if key not in keys:
            keys.append(key)
        cells[(*key, part.signal.week)] = Cell(part.signal.score, part.status)
    weeks = tuple(
        Week(
            monday,
            signals=sum(1 for p in shown if p.signal.week == monday),
            surges=sum(1 for p in shown if p.signal.week == monday and p.status != "below_bar"),
        )
        for monday in mondays
    )
    series = tuple(
        Series(provider, topic, tuple(cells.get((provider, topic, m)) for m in mondays))
        for provider, topic in keys
    )
    return IntentTimeline(weeks, series, intent.surge_bar, len(parts))

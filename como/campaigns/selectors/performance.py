"""A campaign's performance per channel: its daily series, a comparison of its channels, and
its targets against the actuals to date, paced by the campaign's dates.

One implementation for the API (``GET /api/v1/campaigns/{id}/performance``) and the campaign's
monitoring page in the admin. Ratios are fractions rounded half-up to four places, money to
cents; a ratio whose denominator is zero is ``None`` (nothing to divide), never 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..models import CEILINGS, Campaign, CampaignTarget, ChannelMetric, TargetMetric
from .leads import campaign_leads

CENT = Decimal("0.01")
RATE = Decimal("0.0001")
#: The figures of the daily series, in the order the page charts them.
DAILY = (
    "sent",
    "delivered",
    "opened",
    "clicked",
    "impressions",
    "clicks",
    "spend",
    "leads",
    "mqls",
)
_STORED = DAILY[:-2]
MAX_DAYS = 366


def ratio(part: Decimal | int, whole: Decimal | int, places: Decimal = RATE) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(places, rounding=ROUND_HALF_UP)


def _zero() -> dict[str, Any]:
    return {name: 0 for name in DAILY} | {"spend": Decimal("0.00")}


@dataclass(frozen=True, slots=True)
class ChannelFigures:
    """A channel's sums over a span, with the ratios marketers compare channels by."""

    channel: str
    sent: int
    delivered: int
    opened: int
    clicked: int
    impressions: int
    clicks: int
    spend: Decimal
    leads: int
    mqls: int
    #: clicks ÷ impressions
    ctr: Decimal | None
    #: opened ÷ delivered
    open_rate: Decimal | None
    cost_per_lead: Decimal | None
    cost_per_mql: Decimal | None
    #: this channel's spend ÷ the campaign's spend over the span
    share_of_spend: Decimal | None

    @classmethod
    def of(cls, channel: str, sums: Mapping[str, Any], total_spend: Decimal) -> ChannelFigures:
        spend = Decimal(sums["spend"]).quantize(CENT)
        return cls(
            channel=channel,
            **{name: int(sums[name]) for name in DAILY if name != "spend"},
            spend=spend,
            ctr=ratio(sums["clicks"], sums["impressions"]),
            open_rate=ratio(sums["opened"], sums["delivered"]),
            cost_per_lead=ratio(spend, sums["leads"], CENT),
            cost_per_mql=ratio(spend, sums["mqls"], CENT),
            share_of_spend=ratio(spend, total_spend),
        )

    def value(self, metric: str) -> Decimal | None:
        found = getattr(self, metric)
        return None if found is None else Decimal(found)


@dataclass(frozen=True, slots=True)
class Pace:
    """How far through its dates the campaign is on ``as_of`` (both ends count as days)."""

    starts_on: date | None
    ends_on: date | None
    as_of: date
    #: days elapsed ÷ days in the campaign, 0 before it starts and 1 after it ends; ``None``
    #: without both dates
    elapsed: Decimal | None

    @classmethod
    def of(cls, campaign: Campaign, as_of: date) -> Pace:
        start, end = campaign.starts_on, campaign.ends_on
        if start is None or end is None:
            return cls(start, end, as_of, None)
        length = (end - start).days + 1
        done = min(max((as_of - start).days + 1, 0), length)
        return cls(start, end, as_of, ratio(done, length))


@dataclass(frozen=True, slots=True)
class TargetProgress:
    channel: str
    metric: str
    title: str
    target: Decimal
    #: the campaign's figure from its start to ``as_of``; ``None`` for a cost with no leads
    actual: Decimal | None
    #: actual ÷ target
    progress: Decimal | None
    #: for a total: what it should be by now at an even pace (the target times the share elapsed)
    expected: Decimal | None
    #: a total at or past where an even pace puts it (past the target itself without dates);
    #: a cost at or under its ceiling; ``None`` while a cost has nothing to divide
    on_track: bool | None
    ceiling: bool


@dataclass(frozen=True, slots=True)
class CampaignPerformance:
    campaign: Campaign
    since: date
    until: date
    days: list[date]
    #: channel → figure → one value per day of ``days``
    series: dict[str, dict[str, list[Any]]]
    #: per channel over ``since``…``until``, in the order of ``series``
    channels: list[ChannelFigures]
    #: every channel together, same span (channel ``"all"``)
    total: ChannelFigures
    pace: Pace
    targets: list[TargetProgress] = field(default_factory=list)


def _sums(
    campaign: Campaign, since: date | None, until: date
) -> dict[tuple[str, date], dict[str, Any]]:
    """(channel, day) → the stored figures and the leads and MQLs, through ``until``."""
    rows = ChannelMetric.objects.filter(
        workspace_id=campaign.workspace_id, campaign=campaign, day__lte=until
    )
    if since is not None:
        rows = rows.filter(day__gte=since)
    found: dict[tuple[str, date], dict[str, Any]] = {}
    for row in rows.values("channel", "day", *_STORED):
        found[(row["channel"], row["day"])] = _zero() | {n: row[n] for n in _STORED}
    people = campaign_leads(campaign=campaign, until=until)
    for name, counts in (("leads", people.leads), ("mqls", people.mqls)):
        for (channel, day), count in counts.items():
            if since is None or day >= since:
                found.setdefault((channel, day), _zero())[name] += count
    return found


def _add(into: dict[str, Any], figures: Mapping[str, Any]) -> None:
    for name in DAILY:
        into[name] += figures[name]


def _ordered(campaign: Campaign, seen: Iterable[str]) -> list[str]:
    listed = [c for c in campaign.channels or [] if isinstance(c, str)]
    return listed + sorted(set(seen) - set(listed))


def campaign_performance(
    *, campaign: Campaign, days: int = 30, until: date | None = None
) -> CampaignPerformance:
    """The campaign's ``days`` days up to ``until`` (today, UTC, by default), per channel, and
    its targets against everything from its start to ``until``."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be between 1 and {MAX_DAYS}")
    until = until or datetime.now(UTC).date()
    since = until - timedelta(days=days - 1)
    start = campaign.starts_on
    # One read covers both the window and the targets' span (from the campaign's start).
    earliest = None if start is None else min(start, since)
    sums = _sums(campaign, earliest, until)

    window = [since + timedelta(days=n) for n in range(days)]
    channels = _ordered(campaign, {channel for channel, day in sums if day >= since})
    series = {
        channel: {
            name: [sums.get((channel, day), _zero())[name] for day in window] for name in DAILY
        }
        for channel in channels
    }
    windowed = {channel: _zero() for channel in channels}
    to_date: dict[str, dict[str, Any]] = {}
    for (channel, day), figures in sums.items():
        if day >= since:
            _add(windowed[channel], figures)
        if start is None or day >= start:
            _add(to_date.setdefault(channel, _zero()), figures)
    everything = _zero()
    for figures in windowed.values():
        _add(everything, figures)
    spend = everything["spend"]
    per_channel = [ChannelFigures.of(c, windowed[c], spend) for c in channels]
    pace = Pace.of(campaign, until)
    return CampaignPerformance(
        campaign=campaign,
        since=since,
        until=until,
        days=window,
        series=series,
        channels=per_channel,
        total=ChannelFigures.of("all", everything, spend),
        pace=pace,
        targets=_progress(campaign, to_date, pace),
    )


def _progress(
    campaign: Campaign, to_date: Mapping[str, Mapping[str, Any]], pace: Pace
) -> list[TargetProgress]:
    labels = dict(TargetMetric.choices)
    spend = sum((f["spend"] for f in to_date.values()), Decimal("0.00"))
    progress = []
    for target in CampaignTarget.objects.filter(campaign=campaign).order_by("channel", "metric"):
        figures = ChannelFigures.of(target.channel, to_date.get(target.channel, _zero()), spend)
        actual = figures.value(target.metric)
        ceiling = target.metric in CEILINGS
        expected = None
        if not ceiling and pace.elapsed is not None:
            expected = (target.value * pace.elapsed).quantize(CENT, rounding=ROUND_HALF_UP)
        if actual is None:
            on_track = None
        elif ceiling:
            on_track = actual <= target.value
        else:
            on_track = actual >= (target.value if expected is None else expected)
        progress.append(
            TargetProgress(
                channel=target.channel,
                metric=target.metric,
                title=labels.get(target.metric, target.metric),
                target=target.value,
                actual=actual,
                progress=None if actual is None else ratio(actual, target.value),
                expected=expected,
                on_track=on_track,
                ceiling=ceiling,
            )
        )
    return progress

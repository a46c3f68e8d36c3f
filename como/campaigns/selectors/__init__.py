"""Reads of campaigns: a campaign's daily metrics with their totals (here), the people its
links brought (:mod:`.leads`) and its performance per channel against its targets
(:mod:`.performance`), which the API and the admin's campaign page both show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet, Sum

from ..models import COUNTERS, Campaign, ChannelMetric

FIGURES = (*COUNTERS, "spend")


@dataclass(frozen=True, slots=True)
class CampaignMetrics:
    rows: list[ChannelMetric]
    totals: dict[str, int | Decimal]


def campaign_metrics(
    *,
    campaign: Campaign,
    since: date | None = None,
    until: date | None = None,
    channel: str = "",
) -> CampaignMetrics:
    """Daily rows (oldest first, then by channel) and their sums, within the filters."""
    rows: QuerySet[ChannelMetric] = ChannelMetric.objects.filter(
        workspace_id=campaign.workspace_id, campaign=campaign
    )
    if since is not None:
        rows = rows.filter(day__gte=since)
    if until is not None:
        rows = rows.filter(day__lte=until)
    if channel:
        rows = rows.filter(channel=channel)
    sums: dict[str, Any] = rows.aggregate(**{name: Sum(name) for name in FIGURES})
    totals: dict[str, int | Decimal] = {
        name: sums[name] if sums[name] is not None else 0 for name in COUNTERS
    }
    totals["spend"] = sums["spend"] if sums["spend"] is not None else Decimal("0.00")
    return CampaignMetrics(rows=list(rows.order_by("day", "channel")), totals=totals)

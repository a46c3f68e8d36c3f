"""Every model side by side, per channel or per campaign: read from the stored credit.

One aggregate query over :class:`~como.campaigns.models.AttributionCredit` (each model a
column: every model in one pass) and one over the channel metrics' spend; nothing here
computes credit. For a period [since, until] (UTC days, both included):

- attributed MQLs: the shares of MQL conversions in the period;
- pipeline: the attributed amounts of opportunities opened in the period (of any status);
- revenue: the attributed amounts of opportunities won in the period;
- spend: the channel metrics' spend of the period (per channel, or per campaign);
- cost per MQL = spend / MQLs, ROI = (revenue - spend) / spend; None when dividing by 0.

An opportunity's stored credit is the one for its conversion (the close when won, else the
opening), so pipeline and revenue of a won deal use the same split. Amounts are summed as
stored, whatever their currency. By campaign, credit of touches with no campaign is left out
(a row's key is a campaign's id).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal

from django.db.models import Q, Sum

from como.deals.models import OpportunityStatus
from como.workspaces.models import Workspace

from ..models import AttributionCredit, Campaign, ChannelMetric, ConversionKind
from ..selectors.performance import CENT, RATE, ratio
from .credit import MODELS

ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class Row:
    key: str  # the channel name, or str(campaign id)
    label: str  # the channel name, or the campaign's name
    model: str  # a key of como.campaigns.attribution.credit.MODELS
    mqls: Decimal  # attributed MQLs (fractional credit), 2 places
    pipeline: Decimal  # attributed amount of opportunities opened in the period
    revenue: Decimal  # attributed amount of opportunities won in the period
    spend: Decimal  # from channel metrics in the period
    cost_per_mql: Decimal | None
    roi: Decimal | None  # (revenue - spend) / spend, None when spend is 0


def period(since: date, until: date) -> tuple[datetime, datetime]:
    """[since 00:00 UTC, the day after until 00:00 UTC)."""
    return (
        datetime.combine(since, time(), UTC),
        datetime.combine(until + timedelta(days=1), time(), UTC),
    )


def side_by_side(
    workspace: Workspace,
    *,
    by: Literal["channel", "campaign"],
    since: date,
    until: date,
    campaign: Campaign | None = None,
    models: Sequence[str] | None = None,
) -> list[Row]:
    """A row per model and channel (or campaign) with any credit or spend in the period: the
    models in credit.MODELS' order (or ``models``' order), then by revenue, then label."""
    chosen = list(models) if models is not None else list(MODELS)
    unknown = [key for key in chosen if key not in MODELS]
    if unknown:
        raise ValueError(f"unknown models: {', '.join(unknown)}")
    start, end = period(since, until)
    field = "channel" if by == "channel" else "campaign_id"
    mql = Q(kind=ConversionKind.MQL, converted_at__gte=start, converted_at__lt=end)
    opened = Q(
        kind=ConversionKind.OPPORTUNITY,
        opportunity__opened_at__gte=start,
        opportunity__opened_at__lt=end,
    )
    won = Q(
        kind=ConversionKind.OPPORTUNITY,
        opportunity__status=OpportunityStatus.WON,
        opportunity__closed_at__gte=start,
        opportunity__closed_at__lt=end,
    )
    credit = AttributionCredit.objects.filter(workspace=workspace).filter(mql | opened | won)
    if campaign is not None:
        credit = credit.filter(campaign_id=campaign.pk)
    if by == "campaign":
        credit = credit.filter(campaign_id__isnull=False)
    sums: dict[str, Any] = {}
    for key in chosen:
        sums[f"{key}__mqls"] = Sum(key, filter=mql)
        sums[f"{key}__pipeline"] = Sum(f"{key}_amount", filter=opened)
        sums[f"{key}__revenue"] = Sum(f"{key}_amount", filter=won)
    found = {str(row.pop(field)): row for row in credit.values(field).annotate(**sums)}
    spend = _spend(workspace, field, since, until, campaign)
    labels = _labels(workspace, by, set(found) | set(spend))
    rows: list[Row] = []
    for key in chosen:
        block = []
        for name in set(found) | set(spend):
            figures = found.get(name, {})
            mqls = (figures.get(f"{key}__mqls") or ZERO).quantize(CENT)
            paid = spend.get(name, ZERO)
            revenue = (figures.get(f"{key}__revenue") or ZERO).quantize(CENT)
            block.append(
                Row(
                    key=name,
                    label=labels.get(name, name),
                    model=key,
                    mqls=mqls,
                    pipeline=(figures.get(f"{key}__pipeline") or ZERO).quantize(CENT),
                    revenue=revenue,
                    spend=paid,
                    cost_per_mql=ratio(paid, mqls, CENT),
                    roi=ratio(revenue - paid, paid, RATE),
                )
            )
        block.sort(key=lambda row: (-row.revenue, row.label, row.key))
        rows.extend(block)
    return rows


def _spend(
    workspace: Workspace, field: str, since: date, until: date, campaign: Campaign | None
) -> dict[str, Decimal]:
    metrics = ChannelMetric.objects.filter(workspace=workspace, day__gte=since, day__lte=until)
    if campaign is not None:
        metrics = metrics.filter(campaign=campaign)
    if field == "campaign_id":
        metrics = metrics.filter(campaign__isnull=False)
    field_name = "channel" if field == "channel" else "campaign_id"
    return {
        str(row[field_name]): (row["spend"] or ZERO).quantize(CENT)
        for row in metrics.values(field_name).annotate(spend=Sum("spend"))
        if row["spend"]
    }


def _labels(workspace: Workspace, by: str, keys: set[str]) -> dict[str, str]:
    if by == "channel":
        return {key: key for key in keys}
    ids = [int(key) for key in keys if key.isdigit()]
    return {
        str(pk): name
        for pk, name in Campaign.objects.filter(workspace=workspace, pk__in=ids).values_list(
            "pk", "name"
        )
    }

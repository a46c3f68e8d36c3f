# STUB for s18reports: replaced by s18compute's module at merge
"""The side-by-side reader (s18compute's contract), computed naively from :mod:`.credit` on
each call: contact-level journeys of opportunities opened (pipeline) and won (revenue) in the
period and of MQL moves in the period; spend from channel metrics."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Literal

from django.db.models import Sum

from como.campaigns.models import Campaign, ChannelMetric
from como.campaigns.selectors.touches import touches
from como.deals.models import Opportunity, OpportunityStatus
from como.leads.models import LifecycleStage, LifecycleTransition
from como.workspaces.models import Workspace

from .credit import MODELS, Journey, Settings, Touch

CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Row:
    key: str
    label: str
    model: str
    mqls: Decimal
    pipeline: Decimal
    revenue: Decimal
    spend: Decimal
    cost_per_mql: Decimal | None
    roi: Decimal | None


def _instant(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def side_by_side(
    workspace: Workspace,
    *,
    by: Literal["channel", "campaign"],
    since: date,
    until: date,
    campaign: Campaign | None = None,
    models: Sequence[str] | None = None,
) -> list[Row]:
    start, end = _instant(since), _instant(until + timedelta(days=1))
    settings = Settings()
    chosen = list(models or MODELS)
    opportunities = list(
        Opportunity.objects.filter(workspace=workspace, contact__isnull=False)
        .filter(opened_at__lt=end)
        .values_list("contact_id", "amount", "opened_at", "closed_at", "status")
    )
    mql_moves = list(
        LifecycleTransition.objects.filter(
            workspace=workspace, to_stage=LifecycleStage.MQL, at__gte=start, at__lt=end
        ).values_list("contact_id", "at")
    )
    leads = dict(
        LifecycleTransition.objects.filter(workspace=workspace, to_stage=LifecycleStage.LEAD)
        .order_by("contact_id", "at")
        .distinct("contact_id")
        .values_list("contact_id", "at")
    )
    contacts = {row[0] for row in opportunities} | {cid for cid, _ in mql_moves}
    lookback = settings.lookback or timedelta(days=3650)
    found = touches(workspace=workspace, contact_ids=contacts, since=start - lookback, until=end)
    by_contact: dict[int, list[Touch]] = defaultdict(list)
    for t in found:
        if campaign is not None and t.campaign_id != campaign.pk:
            continue
        by_contact[t.contact_id].append(
            Touch(t.occurred_at, t.event_id, t.channel, t.campaign_id, t.is_direct)
        )
    sums: dict[tuple[str, str], dict[str, Fraction]] = defaultdict(
        lambda: {"mqls": Fraction(0), "pipeline": Fraction(0), "revenue": Fraction(0)}
    )

    def give(contact: int, journey: Journey, figure: str, amount: Fraction) -> None:
        for model in chosen:
            for touch, share in MODELS[model].credit(journey, settings):
                key = touch.channel if by == "channel" else str(touch.campaign_id or "")
                if key:
                    sums[(model, key)][figure] += share * amount

    for contact, amount, opened, closed, status in opportunities:
        value = Fraction(amount or 0)
        base = {"lead_created_at": leads.get(contact), "opportunity_created_at": opened}
        if start <= opened < end:
            give(contact, Journey(by_contact[contact], opened, **base), "pipeline", value)
        if status == OpportunityStatus.WON and closed is not None and start <= closed < end:
            journey = Journey(by_contact[contact], closed, **base, closed_won_at=closed)
            give(contact, journey, "revenue", value)
    for contact, at in mql_moves:
        give(
            contact,
            Journey(by_contact[contact], at, lead_created_at=leads.get(contact)),
            "mqls",
            Fraction(1),
        )

    spend = _spend(workspace, by, start.date(), until, campaign)
    names = dict(Campaign.objects.filter(workspace=workspace).values_list("id", "name"))
    keys = sorted({key for _, key in sums} | set(spend))
    rows = []
    for model in chosen:
        for key in keys:
            figures = sums.get((model, key)) or {
                "mqls": Fraction(0),
                "pipeline": Fraction(0),
                "revenue": Fraction(0),
            }
            mqls, pipeline, revenue = (_dec(figures[n]) for n in ("mqls", "pipeline", "revenue"))
            cost = spend.get(key, Decimal("0.00"))
            label = key if by == "channel" else names.get(int(key), key)
            rows.append(
                Row(
                    key=key,
                    label=label,
                    model=model,
                    mqls=mqls,
                    pipeline=pipeline,
                    revenue=revenue,
                    spend=cost,
                    cost_per_mql=(cost / mqls).quantize(CENT, ROUND_HALF_UP) if mqls else None,
                    roi=((revenue - cost) / cost).quantize(Decimal("0.0001"), ROUND_HALF_UP)
                    if cost
                    else None,
                )
            )
    return rows


def _dec(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(CENT, ROUND_HALF_UP)


def _spend(
    workspace: Workspace, by: str, since: date, until: date, campaign: Campaign | None
) -> dict[str, Decimal]:
    rows = ChannelMetric.objects.filter(workspace=workspace, day__gte=since, day__lte=until)
    if campaign is not None:
        rows = rows.filter(campaign=campaign)
    field = "channel" if by == "channel" else "campaign_id"
    return {
        str(key): total
        for key, total in rows.order_by().values_list(field).annotate(total=Sum("spend"))
        if key is not None
    }

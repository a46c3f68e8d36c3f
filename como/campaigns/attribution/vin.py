# STUB for s18reports: replaced by s18compute's module at merge
"""Sold vehicles matched to the buyer's touches about their VIN (s18compute's contract),
computed naively from the touches selector."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from como.campaigns.selectors.touches import touches
from como.deals.models import Opportunity, OpportunityStatus
from como.workspaces.models import Workspace

WINDOW = timedelta(days=90)


@dataclass(frozen=True, slots=True)
class VinTouch:
    at: datetime
    kind: str
    channel: str
    campaign_id: int | None
    ad_id: str | None
    event_id: int


@dataclass(frozen=True, slots=True)
class VinSale:
    opportunity_id: int
    vin: str
    sold_at: datetime
    amount: Decimal | None
    contact_id: int | None
    first_touch_at: datetime | None
    days_to_sale: int | None
    vin_touches: list[VinTouch]
    other_touches: int
    credited_channel: str | None
    credited_ad: str | None


def vin_sales(workspace: Workspace, *, since: date, until: date) -> list[VinSale]:
    start = datetime.combine(since, time.min, tzinfo=UTC)
    end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=UTC)
    sold = list(
        Opportunity.objects.filter(
            workspace=workspace,
            status=OpportunityStatus.WON,
            closed_at__gte=start,
            closed_at__lt=end,
        )
        .exclude(vin="")
        .order_by("closed_at", "id")
    )
    contacts = {o.contact_id for o in sold if o.contact_id is not None}
    found = touches(workspace=workspace, contact_ids=contacts, since=start - WINDOW, until=end)
    out = []
    for o in sold:
        assert o.closed_at is not None
        mine = [
            t
            for t in found
            if t.contact_id == o.contact_id and o.closed_at - WINDOW <= t.occurred_at <= o.closed_at
        ]
        about = [
            VinTouch(t.occurred_at, t.touch_type, t.channel, t.campaign_id, None, t.event_id)
            for t in mine
            if t.vin == o.vin
        ]
        first = mine[0].occurred_at if mine else None
        out.append(
            VinSale(
                opportunity_id=o.pk,
                vin=o.vin,
                sold_at=o.closed_at,
                amount=o.amount,
                contact_id=o.contact_id,
                first_touch_at=first,
                days_to_sale=(o.closed_at - first).days if first else None,
                vin_touches=about,
                other_touches=len(mine) - len(about),
                credited_channel=about[-1].channel if about else None,
                credited_ad=about[-1].ad_id if about else None,
            )
        )
    return out

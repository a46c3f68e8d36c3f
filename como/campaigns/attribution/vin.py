"""VIN-level attribution: which channel and which ad sold which vehicle.

A sold vehicle is a won opportunity with a VIN (the automotive vertical makes every DMS deal
one, on its buyer). Its buyer's touches within the lookback window before the sale are read
with the touches selector; those **about that VIN** are reported apart: a page whose
properties name the VIN (a VDP view — also one inside a visit, which the selector folds into
the visit's landing: it then takes the visit's channel and campaign), and a click of one of
that vehicle's ads (the event's ``ad_id`` property, else its ``utm_content``, as ad platforms
fill it with the ad's id). Which ad ids belong to which VIN is the vertical's knowledge
(automotive's VehicleAd): como asks the handlers registered in :data:`VIN_ADS`, so it never
imports a vertical. The credited channel and ad are the last VIN touch's; the days to sale
count from the buyer's first touch in the window.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection

from como.deals.models import Opportunity, OpportunityStatus
from como.leads.models import Event
from como.registry import Hooks
from como.workspaces.models import Workspace

from ..selectors.touches import Touch, touch_types_of, touches
from .report import period

#: ``handler(workspace, vins)`` → {platform ad id: VIN} for those vehicles' ads.
VinAds = Callable[[Workspace, Collection[str]], Mapping[str, str]]
VIN_ADS: Hooks[VinAds] = Hooks()
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class VinTouch:
    at: datetime
    kind: str  # the touch type (landing, ad_click …), or "page" for a page inside a visit
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
    vin_touches: list[VinTouch]  # touches about that VIN (its VDP views, its ads' clicks)
    other_touches: int  # the buyer's other touches in the window, counted apart
    credited_channel: str | None  # the last VIN touch's channel
    credited_ad: str | None  # the last VIN touch's ad id


_VIN_EVENTS = """
SELECT e.id, e.contact_id, e.occurred_at, e.properties ->> 'vin',
       coalesce(nullif(e.properties ->> 'ad_id', ''), nullif(e.utm_content, ''))
FROM {event} e
WHERE e.workspace_id = %(workspace)s AND e.contact_id = ANY(%(contacts)s::bigint[])
  AND e.occurred_at >= %(since)s AND e.occurred_at <= %(until)s
  AND e.type = ANY(%(types)s::text[])
  AND (e.properties ->> 'vin' = ANY(%(vins)s::text[])
       OR e.properties ->> 'ad_id' = ANY(%(ads)s::text[])
       OR e.utm_content = ANY(%(ads)s::text[]))
ORDER BY e.contact_id, e.occurred_at, e.id
"""


def vin_sales(workspace: Workspace, *, since: date, until: date) -> list[VinSale]:
    """Every vehicle sold in [since, until] (UTC days), newest first, with its VIN touches."""
    from .store import settings_of

    start, end = period(since, until)
    sales = list(
        Opportunity.objects.filter(
            workspace=workspace,
            status=OpportunityStatus.WON,
            closed_at__gte=start,
            closed_at__lt=end,
        )
        .exclude(vin="")
        .order_by("-closed_at", "-id")
        .values_list("pk", "vin", "closed_at", "amount", "contact_id")
    )
    if not sales:
        return []
    lookback = settings_of(workspace).lookback
    buyers = sorted({row[4] for row in sales if row[4] is not None})
    vins = sorted({row[1].upper() for row in sales})
    ads: dict[str, str] = {}
    for handler in VIN_ADS.all():
        ads.update({ad: vin.upper() for ad, vin in handler(workspace, vins).items()})
    first = min(row[2] for row in sales)
    window_start = first - lookback if lookback is not None else _EPOCH
    last = max(row[2] for row in sales)
    found = touches(
        workspace=workspace,
        contact_ids=buyers,
        since=window_start,
        until=last + timedelta(microseconds=1),
    )
    by_contact: dict[int, list[Touch]] = defaultdict(list)
    for touch in found:
        by_contact[touch.contact_id].append(touch)
    about = _vin_events(workspace, buyers, window_start, last, vins, sorted(ads))
    out = []
    for pk, vin, sold_at, amount, contact_id in sales:
        vin = vin.upper()
        since_at = sold_at - lookback if lookback is not None else _EPOCH
        journey = [
            t for t in by_contact.get(contact_id or 0, []) if since_at <= t.occurred_at <= sold_at
        ]
        events = [
            e
            for e in about.get(contact_id or 0, [])
            if since_at <= e[1] <= sold_at and (e[2] == vin or ads.get(e[3] or "") == vin)
        ]
        vin_touches = _vin_touches(journey, events)
        counted_ids = {t.event_id for t in vin_touches}
        others = sum(1 for t in journey if t.event_id not in counted_ids)
        starts = [t.occurred_at for t in journey] + [t.at for t in vin_touches]
        first_at = min(starts) if starts else None
        out.append(
            VinSale(
                opportunity_id=pk,
                vin=vin,
                sold_at=sold_at,
                amount=amount,
                contact_id=contact_id,
                first_touch_at=first_at,
                days_to_sale=(sold_at - first_at).days if first_at is not None else None,
                vin_touches=vin_touches,
                other_touches=others,
                credited_channel=vin_touches[-1].channel if vin_touches else None,
                credited_ad=vin_touches[-1].ad_id if vin_touches else None,
            )
        )
    return out


def _vin_events(
    workspace: Workspace,
    contacts: list[int],
    since: datetime,
    until: datetime,
    vins: list[str],
    ads: list[str],
) -> dict[int, list[tuple[int, datetime, str, str | None]]]:
    """contact → its events naming one of ``vins`` or ``ads``: (id, at, VIN, ad id)."""
    if not contacts:
        return {}
    params: dict[str, Any] = {
        "workspace": workspace.pk,
        "contacts": contacts,
        "since": since,
        "until": until,
        "vins": vins,
        "ads": ads,
        # What a person did (a page, a form, a click): not the sale's own record of the VIN.
        "types": list(touch_types_of(workspace)),
    }
    known = set(ads)
    out: dict[int, list[tuple[int, datetime, str, str | None]]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(_VIN_EVENTS.format(event=Event._meta.db_table), params)
        for pk, contact_id, at, vin, ad in cursor.fetchall():
            # Only a vehicle's ad is an ad id here (utm_content may say anything else).
            out[contact_id].append((pk, at, (vin or "").upper(), ad if ad in known else None))
    return out


def _vin_touches(
    journey: list[Touch], events: list[tuple[int, datetime, str, str | None]]
) -> list[VinTouch]:
    """The VIN's events as touches: the selector's own when it counted them, else a page
    inside a visit, with the channel and campaign of the touch that started the visit."""
    by_id = {t.event_id: t for t in journey}
    ats = [t.occurred_at for t in journey]
    out = []
    for pk, at, _vin, ad in events:
        touch = by_id.get(pk)
        if touch is not None:
            out.append(VinTouch(at, touch.touch_type, touch.channel, touch.campaign_id, ad, pk))
            continue
        index = bisect_right(ats, at) - 1
        visit = journey[index] if index >= 0 else None
        out.append(
            VinTouch(
                at,
                "page",
                visit.channel if visit else "direct",
                visit.campaign_id if visit else None,
                ad,
                pk,
            )
        )
    return out

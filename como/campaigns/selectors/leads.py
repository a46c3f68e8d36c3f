"""The people a campaign brought: leads and MQLs per channel and day, from the events.

A person counts as a campaign's lead on the day (UTC) and channel of their first event carrying
one of the campaign's ``utm_campaigns``, and as its MQL on the day of their first move to MQL
at or after that touch. Only people como can reach (an email address or a phone number) are
leads: an anonymous visitor is traffic. The channel is read off the event's utm_source and
utm_medium (:func:`channel_of`); what names no channel counts as ``other``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Q

from como.leads.models import Event, LifecycleStage, LifecycleTransition

from ..models import Campaign

OTHER = "other"
_PAID_SEARCH = frozenset({"cpc", "ppc", "paid_search", "paidsearch", "sem"})
_PAID_SOCIAL = frozenset({"paid_social", "paidsocial", "social_paid", "cpm"})
#: Media named after the channel key itself.
_OWN = frozenset({"email", "sms", "direct_mail"})


def channel_of(source: str, medium: str) -> str:
    """The como channel a UTM-tagged touch came through (``other`` when none fits)."""
    source, medium = source.strip().lower(), medium.strip().lower()
    if source == "linkedin" and medium in _PAID_SEARCH | _PAID_SOCIAL:
        return "linkedin"
    if medium in _PAID_SEARCH:
        return "paid_search"
    if medium in _PAID_SOCIAL:
        return "paid_social"
    if medium in _OWN:
        return medium
    return OTHER


@dataclass(frozen=True, slots=True)
class CampaignLeads:
    #: (channel, day) → people, counted on the day of their first touch / their MQL
    leads: Counter[tuple[str, date]]
    mqls: Counter[tuple[str, date]]


def campaign_leads(*, campaign: Campaign, until: date) -> CampaignLeads:
    """Every lead and MQL of the campaign up to and including ``until`` (two queries)."""
    leads: Counter[tuple[str, date]] = Counter()
    mqls: Counter[tuple[str, date]] = Counter()
    values = [v for v in campaign.utm_campaigns or [] if isinstance(v, str) and v]
    if not values:
        return CampaignLeads(leads, mqls)
    end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=UTC)
    reachable = ~Q(contact__email="") | ~Q(contact__phone="")
    firsts = (
        Event.objects.filter(
            workspace_id=campaign.workspace_id,
            utm_campaign__in=values,
            occurred_at__lt=end,
        )
        .filter(reachable)
        .order_by("contact_id", "occurred_at", "id")
        .distinct("contact_id")
        .values_list("contact_id", "occurred_at", "utm_source", "utm_medium")
    )
    touched: dict[int, tuple[str, datetime]] = {}
    for contact_id, at, source, medium in firsts:
        channel = channel_of(source, medium)
        touched[contact_id] = (channel, at)
        leads[(channel, at.astimezone(UTC).date())] += 1
    if not touched:
        return CampaignLeads(leads, mqls)
    moves = LifecycleTransition.objects.filter(
        workspace_id=campaign.workspace_id,
        contact_id__in=list(touched),
        to_stage=LifecycleStage.MQL,
        at__lt=end,
    ).values_list("contact_id", "at")
    # The first MQL move at or after the touch: one before it (the person was an MQL before
    # the campaign reached them) is not the campaign's.
    after: dict[int, datetime] = {}
    for cid, at in moves.order_by("contact_id", "at"):
        if cid not in after and at >= touched[cid][1]:
            after[cid] = at
    for cid, at in after.items():
        mqls[(touched[cid][0], at.astimezone(UTC).date())] += 1
    return CampaignLeads(leads, mqls)

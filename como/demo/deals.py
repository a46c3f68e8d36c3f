"""The demo's deals and offline touches, through the real services, idempotently.

B2B (Northwind Cloud): an opportunity on each of the most engaged accounts, named after the
member with the most events: some won, some lost, the rest open, as a Salesforce report would
bring them (``opportunities_save``, by external id, so a second seeding changes nothing).
Automotive deals come from its DMS history instead (the vertical's seeder).

Both workspaces get a few offline touches (a field-events campaign: B2B roundtables and a
dinner; a dealer's auto-show booth), recorded with ``offline_touches_record`` through the
ingest path, whose event ids make a second seeding store nothing new.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Q

from como.campaigns.models import Campaign, CampaignStatus
from como.deals.models import Opportunity
from como.deals.services import opportunities_save
from como.ingest.offline import TYPE, offline_touches_record
from como.ingest.services import events_ingest
from como.leads.models import Account, Contact, Event
from como.workspaces.models import Workspace

VIA = "demo"
#: The event ids of the deals' journey touches start so (see _journey_touches).
JOURNEY = "demo-nw-journey-"
#: The demo deals' external ids (a Salesforce-style opportunity prefix).
EXTERNAL = "006NW"
#: (how long before the deal opened, utm source, medium, campaign, page)
_JOURNEY_STEPS = (
    (timedelta(days=38), "linkedin", "paid_social", "abm-data-leaders-q3", "/guides/buyers-guide"),
    (timedelta(days=24), "techtarget", "paid_social", "content-syndication", "/resources/report"),
    (timedelta(days=1), "google", "cpc", "brand-search", "/demo"),
)
#: B2B accounts with a deal, and how their deals stand (in the order of engagement).
B2B_DEALS = 18
_OUTCOMES = ("won", "open", "lost", "open", "won", "open") * 3
_OPEN_STAGES = ("Discovery", "Proposal/Price Quote", "Negotiation/Review")
_SOURCES = ("Web", "Web", "Trade Show", "Partner", "Webinar")
#: Per vertical: the field-events campaign, and its offline events as (kind, name, days ago,
#: attendees).
FIELD_EVENTS: dict[str, tuple[str, tuple[tuple[str, str, int, int], ...]]] = {
    "b2b": (
        "Executive roundtables",
        (
            ("roundtable", "CDO roundtable, New York", 54, 9),
            ("dinner", "Data leaders dinner, Boston", 33, 7),
            ("trade_show", "Data Summit 2026 booth", 12, 14),
        ),
    ),
    "automotive": (
        "Auto show",
        (("trade_show", "Lakeside spring auto show booth", 40, 16),),
    ),
}


def deals_ensure(workspace: Workspace, *, now: datetime) -> list[str]:
    """Seed the workspace's opportunities (B2B) and offline touches; the lines to print."""
    lines = []
    if workspace.vertical == "b2b":
        lines.append(_b2b_opportunities(workspace, now))
    if workspace.vertical in FIELD_EVENTS:
        lines.append(_offline_touches(workspace, now))
    return lines


def _b2b_opportunities(workspace: Workspace, now: datetime) -> str:
    seeded = Opportunity.objects.filter(workspace=workspace, external_id__startswith=EXTERNAL)
    if seeded.exists():
        # Chosen once: the verticals' seeders that run after this one (the B2B MQA story) add
        # events, and choosing again by engagement would pick other accounts.
        return f"opportunities: {seeded.count()} seeded before (0 new)"
    rng = random.Random(f"demo-deals:{workspace.slug}")
    # The journey touches below are left out of every count here, so adding them never
    # changes which accounts get a deal or when it opens (a second seeding changes nothing).
    ours = Q(contacts__events__type=TYPE) | Q(contacts__events__event_id__startswith=JOURNEY)
    engaged = (
        Account.objects.filter(workspace=workspace)
        .annotate(events=Count("contacts__events", filter=~ours))
        .filter(events__gt=0)
        .order_by("-events", "domain")[:B2B_DEALS]
    )
    items: list[dict[str, Any]] = []
    for n, account in enumerate(engaged):
        contact = (
            Contact.objects.filter(workspace=workspace, account=account)
            .annotate(
                seen=Count(
                    "events",
                    filter=~Q(events__type=TYPE) & ~Q(events__event_id__startswith=JOURNEY),
                )
            )
            .order_by("-seen", "email")
            .first()
        )
        last = (
            contact.events.exclude(type=TYPE)
            .exclude(event_id__startswith=JOURNEY)
            .order_by("-occurred_at")
            .values_list("occurred_at", flat=True)[0]
        )
        outcome = _OUTCOMES[n % len(_OUTCOMES)]
        opened = min(last + timedelta(days=rng.randint(1, 6)), now - timedelta(days=2))
        closed = min(opened + timedelta(days=rng.randint(14, 60)), now - timedelta(hours=1))
        amount = Decimal(rng.randrange(36, 280) * 500)
        items.append(
            {
                "external_id": f"{EXTERNAL}{account.pk:06d}",
                "name": f"{account.name or account.domain} — Northwind platform",
                "contact": {"email": contact.email},
                "account": {"domain": account.domain},
                "amount": str(amount),
                "currency": "USD",
                "status": outcome,
                "stage": {"won": "Closed Won", "lost": "Closed Lost"}.get(
                    outcome, rng.choice(_OPEN_STAGES)
                ),
                "opened_at": opened.isoformat(),
                "closed_at": closed.isoformat() if outcome != "open" else None,
                "source": rng.choice(_SOURCES),
            }
        )
    touched = _journey_touches(workspace, items)
    outcomes = opportunities_save(workspace=workspace, items=items, via=VIA)
    made = sum(1 for outcome in outcomes if outcome.status == "created")
    counts = {status: _OUTCOMES[: len(items)].count(status) for status in ("won", "lost", "open")}
    return (
        f"opportunities: {len(items)} on the most engaged accounts ({counts['won']} won, "
        f"{counts['lost']} lost, {counts['open']} open; {made} new; {touched} journey touches)"
    )


def _journey_touches(workspace: Workspace, items: list[dict[str, Any]]) -> int:
    """Each deal's buyer first met Northwind through a LinkedIn ad and a content download
    weeks before, and searched the brand the day before the demo request: what a B2B journey
    looks like, and why last touch misleads (it hands everything to brand search, which
    only caught the demand the awareness channels made). The side-by-side report shows it.
    Stable event ids: a second seeding stores nothing new."""
    events: list[dict[str, Any]] = []
    for item in items:
        opened = datetime.fromisoformat(item["opened_at"])
        who = {"email": item["contact"]["email"]}
        for n, (days, source, medium, code, path) in enumerate(_JOURNEY_STEPS):
            events.append(
                {
                    "id": f"{JOURNEY}{item['external_id']}-{n}",
                    "type": "page_view",
                    "occurred_at": (opened - days).isoformat(),
                    "contact": who,
                    "utm": {"source": source, "medium": medium, "campaign": code},
                    "properties": {"path": path},
                }
            )
    results = events_ingest(workspace=workspace, events=events)
    return sum(1 for result in results if result.status == "created")


def _offline_touches(workspace: Workspace, now: datetime) -> str:
    name, events = FIELD_EVENTS[workspace.vertical]
    campaign, _ = Campaign.objects.get_or_create(
        workspace=workspace,
        name=name,
        defaults={"status": CampaignStatus.ACTIVE, "channels": ["offline"]},
    )
    seeded = Event.objects.filter(workspace=workspace, type=TYPE).count()
    if seeded:
        # Drawn once: the verticals' seeders that run after this one add people, and a second
        # draw from the longer list would pick other attendees.
        return f"offline touches: {seeded} attendees of '{name}' seeded before (0 new)"
    zone = ZoneInfo(workspace.time_zone)
    people = list(
        Contact.objects.filter(workspace=workspace)
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
    )
    rng = random.Random(f"demo-offline:{workspace.slug}")
    created = total = 0
    for kind, title, days_ago, count in events:
        day = (now - timedelta(days=days_ago)).astimezone(zone).date()
        at = datetime.combine(day, time(18, 30), zone).astimezone(UTC)
        attendees = [
            {"email": email} for email in sorted(rng.sample(people, min(count, len(people))))
        ]
        results = offline_touches_record(
            campaign=campaign, kind=kind, name=title, occurred_at=at, attendees=attendees
        )
        total += len(results)
        created += sum(1 for result in results if result.status == "created")
    return f"offline touches: {total} attendees of {len(events)} events of '{name}' ({created} new)"

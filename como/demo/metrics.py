"""At least 90 days of channel metrics for the demo campaigns, by the paths real numbers take.

Email and SMS figures are counted by the daily sync (``metrics_sync``) from the message log,
so the demo first logs the sends of the last 90 days (a daily service drip, a weekly
newsletter, daily texts) with their deliveries, opens and clicks; the ad channels' figures
arrive as the platforms' daily reports through ``metrics_import``, the path of the
``import_channel_report`` command. Leads and MQLs are not stored at all: the campaign pages
count them from the demo's events (``como.campaigns.selectors.leads``), and each report's
clicks are kept above the leads its channel brought that day.

Everything is drawn from a generator seeded by the workspace, so seeding again writes the same
numbers (the log keeps its rows, the sync and the import replace theirs). The shapes: fewer
sends and clicks at the weekend (B2B far fewer), a launch bump for two weeks from day 30, and
noise.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction

from como.campaigns.models import (
    Campaign,
    CampaignStatus,
    ChannelMetric,
    MetricSource,
    TargetMetric,
)
from como.campaigns.selectors.leads import campaign_leads
from como.campaigns.services import (
    COUNTED_FROM_LOG,
    TargetSpec,
    campaign_targets_set,
    metrics_import,
    metrics_sync,
)
from como.channels.models import Direction, Message, MessagePurpose, MessageStatus
from como.channels.services import messages_import
from como.leads.models import Contact
from como.workspaces.models import Workspace

from .channels import COPY, consent_bucket

DAYS = 90
#: Days after the history's end the demo campaigns still run (their pace is 90 of 120).
AHEAD = 30
LAUNCH_DAY, LAUNCH_DAYS = 30, 14


@dataclass(frozen=True)
class AdPlan:
    channel: str
    impressions: int
    ctr: float
    cpc: Decimal


@dataclass(frozen=True)
class DemoCampaign:
    name: str
    channels: tuple[str, ...]
    utm_campaigns: tuple[str, ...]
    ads: tuple[AdPlan, ...]
    targets: tuple[tuple[str, str, str], ...]


#: Per vertical: the always-on campaign on the ad channels and the newsletter.
ALWAYS_ON = {
    "automotive": DemoCampaign(
        name="Always-on inventory",
        channels=("paid_search", "paid_social", "email"),
        utm_campaigns=(
            "brand-search",
            "new-inventory-nonbrand",
            "vehicle-inventory-ads",
            "monthly-newsletter",
        ),
        ads=(
            AdPlan("paid_search", 2400, 0.055, Decimal("1.85")),
            AdPlan("paid_social", 9000, 0.011, Decimal("0.95")),
        ),
        targets=(
            ("paid_search", TargetMetric.SPEND, "32000"),
            ("paid_search", TargetMetric.CLICKS, "15000"),
            ("paid_search", TargetMetric.LEADS, "160"),
            ("paid_search", TargetMetric.COST_PER_MQL, "650"),
            ("paid_social", TargetMetric.SPEND, "12000"),
            ("paid_social", TargetMetric.IMPRESSIONS, "1100000"),
            ("paid_social", TargetMetric.LEADS, "60"),
            ("email", TargetMetric.OPENED, "1250"),
            ("email", TargetMetric.MQLS, "12"),
        ),
    ),
    "b2b": DemoCampaign(
        name="Data leaders pipeline",
        channels=("paid_search", "linkedin", "email"),
        utm_campaigns=(
            "brand-search",
            "nonbrand-data-warehouse",
            "abm-data-leaders-q3",
            "monthly-newsletter",
        ),
        ads=(
            AdPlan("paid_search", 1500, 0.045, Decimal("6.40")),
            AdPlan("linkedin", 5200, 0.006, Decimal("9.80")),
        ),
        targets=(
            ("paid_search", TargetMetric.SPEND, "40000"),
            ("paid_search", TargetMetric.MQLS, "40"),
            ("paid_search", TargetMetric.COST_PER_MQL, "900"),
            ("linkedin", TargetMetric.SPEND, "30000"),
            ("linkedin", TargetMetric.LEADS, "90"),
            ("linkedin", TargetMetric.COST_PER_LEAD, "600"),
            ("email", TargetMetric.OPENED, "1600"),
        ),
    ),
}
#: The utm_campaign of the email-and-SMS campaign the demo already proposes sends for.
DRIP_UTM = {"automotive": "service-reminder", "b2b": "webinar-invite-live-demo"}


def _shape(rng: random.Random, day_index: int, day: date, b2b: bool) -> float:
    weekend = day.weekday() >= 5
    factor = (0.45 if b2b else 0.75) if weekend else 1.0
    if LAUNCH_DAY <= day_index < LAUNCH_DAY + LAUNCH_DAYS:
        factor *= 1.0 + 0.8 * (1 - (day_index - LAUNCH_DAY) / LAUNCH_DAYS)
    return factor * rng.uniform(0.85, 1.15)


def metrics_ensure(workspace: Workspace, *, now: datetime) -> list[str]:
    """The demo campaigns' 90 days of channel metrics; returns what ``seed_demo`` prints."""
    plan = ALWAYS_ON.get(workspace.vertical)
    drip = COPY.get(workspace.vertical)
    if plan is None or drip is None:
        return []
    end = now.astimezone(UTC).date()
    # One day more than promised: the history's last day is cut at ``now``.
    first = end - timedelta(days=DAYS)
    b2b = workspace.vertical == "b2b"
    always_on = _campaign_ensure(
        workspace, plan.name, plan.channels, plan.utm_campaigns, first, end, plan.targets
    )
    service = _campaign_ensure(
        workspace, drip.name, ("email", "sms"), (DRIP_UTM[workspace.vertical],), first, end, ()
    )
    if ChannelMetric.objects.filter(campaign=always_on, source=MetricSource.IMPORT).exists():
        # Seeded once: the demo's later parts (the deals' journeys, the verticals' seeders) add
        # events and messages after this runs, and a second seeding must not rewrite the
        # history from them.
        return [
            f"channel metrics: {DAYS} days for '{always_on.name}' and '{service.name}' "
            "seeded before (0 sends logged, 0 synced rows, 0 imported report days)"
        ]
    rng = random.Random(f"demo-metrics:{workspace.slug}")
    messages = _history(workspace, rng, always_on, service, first, end, now, b2b)
    logged = messages_import(workspace_id=workspace.pk, messages=messages)
    synced = 0
    # The same log syncs to the same rows: a second seeding only syncs what it logged anew.
    if (
        logged
        or not ChannelMetric.objects.filter(campaign=service, source=MetricSource.SYNC).exists()
    ):
        # Nothing is stamped after ``now``, so the history's days hold every count; only the
        # channels counted from the log have anything to sync.
        synced = sum(
            metrics_sync(
                workspace_id=workspace.pk,
                day=first + timedelta(days=n),
                channels=COUNTED_FROM_LOG,
            ).rows
            for n in range(DAYS + 1)
        )
    imported = 0
    people = campaign_leads(campaign=always_on, until=end)
    for ad in plan.ads:
        rows = []
        for n in range(DAYS + 1):
            day = first + timedelta(days=n)
            shape = _shape(rng, n, day, b2b)
            impressions = int(ad.impressions * shape)
            clicks = max(
                int(impressions * ad.ctr * rng.uniform(0.9, 1.1)),
                6 * people.leads[(ad.channel, day)],
            )
            spend = (ad.cpc * clicks * Decimal(str(round(rng.uniform(0.9, 1.1), 3)))).quantize(
                Decimal("0.01")
            )
            rows.append(
                {
                    "date": day.isoformat(),
                    "campaign": always_on.name,
                    "impressions": str(impressions),
                    "clicks": str(clicks),
                    "spend": str(spend),
                }
            )
        imported += metrics_import(workspace=workspace, channel=ad.channel, rows=rows).metrics
    return [
        f"channel metrics: {DAYS} days for '{always_on.name}' and '{service.name}' "
        f"({logged} sends logged, {synced} synced rows, {imported} imported report days)"
    ]


@transaction.atomic
def _campaign_ensure(
    workspace: Workspace,
    name: str,
    channels: Sequence[str],
    utm_campaigns: Sequence[str],
    first: date,
    end: date,
    targets: Sequence[tuple[str, str, str]],
) -> Campaign:
    campaign, created = Campaign.objects.get_or_create(
        workspace=workspace,
        name=name,
        defaults={
            "status": CampaignStatus.ACTIVE,
            "channels": list(channels),
            "utm_campaigns": list(utm_campaigns),
            "starts_on": first,
            "ends_on": end + timedelta(days=AHEAD),
        },
    )
    if not created and (campaign.starts_on is None or not campaign.utm_campaigns):
        # The first campaign the demo made before it had dates and tracking codes.
        campaign.starts_on, campaign.ends_on = first, end + timedelta(days=AHEAD)
        campaign.utm_campaigns = list(utm_campaigns)
        campaign.save(update_fields=["starts_on", "ends_on", "utm_campaigns", "updated_at"])
    if targets and not campaign.targets.exists():
        campaign_targets_set(
            campaign=campaign,
            targets=[
                TargetSpec(channel, metric, Decimal(value)) for channel, metric, value in targets
            ],
        )
    return campaign


def _history(
    workspace: Workspace,
    rng: random.Random,
    always_on: Campaign,
    service: Campaign,
    first: date,
    end: date,
    now: datetime,
    b2b: bool,
) -> list[Message]:
    """The sends of the 90 days: whom, when, and what became of each."""
    contacts = list(
        Contact.objects.for_workspace(workspace.pk)
        .exclude(email="")
        .order_by("pk")
        .values_list("pk", "email", "phone")
    )
    # Only people the demo's consent ledger says agreed (como.demo.channels).
    emailable = [(pk, email) for pk, email, _ in contacts if consent_bucket(email) < 6]
    textable = [(pk, phone) for pk, email, phone in contacts if phone and consent_bucket(email) < 4]
    messages: list[Message] = []

    def log(campaign: Campaign, channel: str, to: tuple[int, str], at: datetime) -> None:
        contact, address = to
        delivered = rng.random() < 0.97
        opened = delivered and channel == "email" and rng.random() < (0.32 if b2b else 0.27)
        clicked = delivered and rng.random() < (0.045 if channel == "email" else 0.06)
        stamp = {
            "delivered_at": at + timedelta(minutes=1) if delivered else None,
            "bounced_at": None if delivered else at + timedelta(minutes=2),
            "opened_at": at + timedelta(hours=rng.uniform(0.2, 60)) if opened else None,
        }
        if clicked:
            base = stamp["opened_at"] or at + timedelta(hours=rng.uniform(0.1, 6))
            stamp["clicked_at"] = base + timedelta(minutes=rng.uniform(1, 30))
        messages.append(
            Message(
                workspace_id=workspace.pk,
                channel=channel,
                direction=Direction.OUTBOUND,
                purpose=MessagePurpose.MARKETING,
                contact_id=contact,
                campaign_id=campaign.pk,
                idempotency_key=f"demo-history:{campaign.pk}:{channel}:{at:%Y-%m-%d}:{contact}",
                to=address,
                status=MessageStatus.DELIVERED if delivered else MessageStatus.BOUNCED,
                sent_at=at,
                **{k: v for k, v in stamp.items() if v is None or v <= now},
            )
        )

    for n in range(DAYS + 1):
        day = first + timedelta(days=n)
        shape = _shape(rng, n, day, b2b)
        start = datetime.combine(day, time(9, 0), tzinfo=UTC)
        if start > now:
            break
        for i, person in enumerate(rng.sample(emailable, min(len(emailable), int(12 * shape)))):
            log(service, "email", person, start + timedelta(minutes=i))
        for i, person in enumerate(rng.sample(textable, min(len(textable), int(5 * shape)))):
            log(service, "sms", person, start + timedelta(hours=1, minutes=i))
        if day.weekday() == 1:  # the newsletter goes out on Tuesdays
            for i, person in enumerate(emailable):
                log(always_on, "email", person, start - timedelta(hours=1) + timedelta(seconds=i))
    return messages

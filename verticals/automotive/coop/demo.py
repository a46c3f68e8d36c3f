"""The demo's co-op: the default OEM programs in Lakeside Auto Group's workspace, and one
Ford co-op campaign with two weeks of Meta and Google spend and a draft claim, so the admin's
program list shows funds and the claim's package can be downloaded."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction

from como.campaigns.models import Campaign, ChannelMetric, MetricSource
from como.demo.automotive import SPEC
from como.workspaces.models import Workspace

from .models import CoopClaim, CoopProgram
from .services import coop_claim_create, coop_programs_seed

CAMPAIGN = "Ford spring co-op (demo)"
FORD = "ford-coop"
#: Daily spend per channel: small, exact figures a reader can add up.
DAILY = {"paid_social": Decimal("42.50"), "paid_search": Decimal("61.25")}
DAYS = 14


@transaction.atomic
def demo_coop_seed(workspace: Workspace, anchor: datetime) -> list[str]:
    """The demo hook (idempotent): programs, a co-op campaign, its spend and a draft claim."""
    if workspace.slug != SPEC.slug or workspace.vertical != SPEC.vertical:
        return []
    added = coop_programs_seed(workspace=workspace)
    program = CoopProgram.objects.get(workspace=workspace, key=FORD)
    end = anchor.date()
    start = end - timedelta(days=DAYS - 1)
    campaign, _ = Campaign.objects.get_or_create(
        workspace=workspace,
        name=CAMPAIGN,
        defaults={"channels": sorted(DAILY), "starts_on": start, "ends_on": end},
    )
    for offset in range(DAYS):
        for channel, spend in DAILY.items():
            ChannelMetric.objects.update_or_create(
                workspace=workspace,
                campaign=campaign,
                channel=channel,
                day=start + timedelta(days=offset),
                defaults={"spend": spend, "source": MetricSource.IMPORT},
            )
    if not CoopClaim.objects.filter(program=program, campaign=campaign).exists():
        coop_claim_create(
            program=program,
            campaign=campaign,
            invoice_refs=["META-INV-2026-0412", "GADS-5005006007-2026-04"],
        )
    return [
        f"co-op: {len(added)} illustrative OEM programs added; {CAMPAIGN!r} with "
        f"{DAYS} days of spend and a draft claim (download its package in the admin)"
    ]

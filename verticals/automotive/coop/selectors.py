"""Reads of co-op data: the rules a creative must follow, and each program's funds.

:func:`program_funds` is the one place accrued, spent, claimed, reimbursed and expiring amounts
are computed; the admin's program list and ``GET /api/v1/coop/programs/{id}/funds`` both read
it, so they cannot disagree."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Round

from como.campaigns.models import ChannelMetric
from como.workspaces.models import Workspace

from ..inventory.models import Condition, Vehicle, VehicleStatus
from .models import (
    CLAIMED_STATUSES,
    AccrualBasis,
    ClaimStatus,
    CoopCampaign,
    CoopClaim,
    CoopProgram,
)
from .rules import program_rules

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
#: How far ahead a closing claim window counts as "expiring" (and the beat task warns).
EXPIRING_DAYS = 14


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def active_programs(workspace: Workspace, *, today: date) -> QuerySet[CoopProgram]:
    return (
        CoopProgram.objects.filter(workspace=workspace)
        .filter(Q(active_from__isnull=True) | Q(active_from__lte=today))
        .filter(Q(active_until__isnull=True) | Q(active_until__gte=today))
    )


def coop_rules_for(
    workspace: Workspace, *, make: str, channel: str, today: date
) -> dict[str, Any] | None:
    """``Draft.coop`` for a creative of a ``make`` vehicle on ``channel``: the rules of every
    active program covering the make and paying for the channel; None when none does."""
    wanted = make.strip().casefold()
    if not wanted:
        return None
    programs = [
        program_rules(program)
        for program in active_programs(workspace, today=today)
        if wanted in {b.strip().casefold() for b in program.brands}
        and (not program.eligible_channels or channel in program.eligible_channels)
    ]
    return {"programs": programs} if programs else None


def sold_units(program: CoopProgram) -> QuerySet[Vehicle]:
    """The new units of the program's brands and rooftops sold while it was active.

    A vehicle's current row decides (status sold with its ``sold_at``), not each "sold" entry
    of its history: a deal that fell through and was sold again accrues once."""
    makes = Q()
    for brand in program.brands:
        makes |= Q(make__iexact=brand.strip())
    if not program.brands:
        return Vehicle.objects.none()
    units = Vehicle.objects.filter(
        makes,
        workspace_id=program.workspace_id,
        status=VehicleStatus.SOLD,
        sold_at__isnull=False,
        condition=Condition.NEW,
    )
    rooftop_ids = [r.pk for r in program.rooftops.all()]
    if rooftop_ids:
        units = units.filter(rooftop_id__in=rooftop_ids)
    if program.active_from is not None:
        units = units.filter(sold_at__date__gte=program.active_from)
    if program.active_until is not None:
        units = units.filter(sold_at__date__lte=program.active_until)
    return units


@dataclass(frozen=True)
class Accrual:
    units: int
    amount: Decimal
    #: Units without an MSRP (an MSRP-share program accrues nothing for them).
    units_without_msrp: int = 0
    split: dict[str, Decimal] = field(default_factory=dict)


def accrual(program: CoopProgram) -> Accrual:
    units = sold_units(program)
    if program.accrual_basis == AccrualBasis.NONE:
        return Accrual(units=units.count(), amount=ZERO)
    if program.accrual_basis == AccrualBasis.PER_UNIT:
        count = units.count()
        amount = cents((program.accrual_amount or ZERO) * count)
        return Accrual(units=count, amount=amount, split=_split(program, amount))
    rate = Value(
        program.accrual_rate or 0, output_field=DecimalField(max_digits=7, decimal_places=6)
    )
    # Each unit's share rounded to the cent, as an OEM statement lists them, then summed.
    sums = units.aggregate(
        units=Count("id"),
        without=Count("id", filter=Q(msrp__isnull=True)),
        amount=Sum(Round(F("msrp") * rate, 2)),
    )
    amount = cents(sums["amount"] or ZERO)
    return Accrual(
        units=sums["units"],
        amount=amount,
        units_without_msrp=sums["without"],
        split=_split(program, amount),
    )


def _split(program: CoopProgram, amount: Decimal) -> dict[str, Decimal]:
    """The fund by media: each share rounded to the cent, the last taking the remainder, so
    the parts always add up to the whole."""
    shares = list((program.accrual_split or {}).items())
    parts: dict[str, Decimal] = {}
    rest = amount
    for index, (name, share) in enumerate(shares):
        part = rest if index == len(shares) - 1 else cents(amount * Decimal(str(share)))
        parts[name] = part
        rest -= part
    return parts


@dataclass(frozen=True)
class CampaignSpend:
    campaign_id: int
    name: str
    by_channel: dict[str, Decimal]
    eligible: Decimal
    claimable: Decimal
    window_closes: date | None
    claimed: bool


@dataclass(frozen=True)
class Funds:
    program_id: int
    accrued: Accrual
    spend: Decimal
    eligible_spend: Decimal
    claimable: Decimal
    claimed: Decimal
    reimbursed: Decimal
    expiring: Decimal
    expiring_on: date | None
    campaigns: list[CampaignSpend]

    @property
    def balance(self) -> Decimal:
        """What is left of the accrued fund after the claims against it."""
        return self.accrued.amount - self.claimed

    def as_dict(self) -> dict[str, Any]:
        money = str
        return {
            "program": self.program_id,
            "accrued": money(self.accrued.amount),
            "accrued_units": self.accrued.units,
            "units_without_msrp": self.accrued.units_without_msrp,
            "accrued_split": {k: money(v) for k, v in self.accrued.split.items()},
            "spend": money(self.spend),
            "eligible_spend": money(self.eligible_spend),
            "claimable": money(self.claimable),
            "claimed": money(self.claimed),
            "reimbursed": money(self.reimbursed),
            "balance": money(self.balance),
            "expiring": money(self.expiring),
            "expiring_on": self.expiring_on.isoformat() if self.expiring_on else None,
            "campaigns": [
                {
                    "campaign": c.campaign_id,
                    "name": c.name,
                    "spend": {k: money(v) for k, v in sorted(c.by_channel.items())},
                    "eligible_spend": money(c.eligible),
                    "claimable": money(c.claimable),
                    "claim_window_closes": c.window_closes.isoformat() if c.window_closes else None,
                    "claimed": c.claimed,
                }
                for c in self.campaigns
            ],
        }


def campaign_spend(program: CoopProgram, campaign_id: int) -> dict[str, Decimal]:
    rows = (
        ChannelMetric.objects.filter(workspace_id=program.workspace_id, campaign_id=campaign_id)
        .values("channel")
        .annotate(spend=Sum("spend"))
    )
    return {row["channel"]: row["spend"] or ZERO for row in rows}


def eligible_of(program: CoopProgram, by_channel: dict[str, Decimal]) -> Decimal:
    eligible = set(program.eligible_channels)
    return sum((v for k, v in by_channel.items() if not eligible or k in eligible), start=ZERO)


def program_funds(program: CoopProgram, *, today: date, horizon_days: int = EXPIRING_DAYS) -> Funds:
    links = list(
        CoopCampaign.objects.filter(workspace_id=program.workspace_id, program=program)
        .select_related("campaign")
        .order_by("campaign_id")
    )
    spend_rows = (
        ChannelMetric.objects.filter(
            workspace_id=program.workspace_id, campaign_id__in=[link.campaign_id for link in links]
        )
        .values("campaign_id", "channel")
        .annotate(spend=Sum("spend"))
    )
    by_campaign: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for row in spend_rows:
        by_campaign[row["campaign_id"]][row["channel"]] = row["spend"] or ZERO
    claims = CoopClaim.objects.filter(workspace_id=program.workspace_id, program=program)
    claimed_campaigns = set(
        claims.filter(status__in=CLAIMED_STATUSES).values_list("campaign_id", flat=True)
    )
    sums = claims.aggregate(
        claimed=Sum("amount_claimed", filter=Q(status__in=CLAIMED_STATUSES)),
        reimbursed=Sum("amount_reimbursed", filter=Q(status=ClaimStatus.REIMBURSED)),
    )
    rate = program.reimbursement_rate
    campaigns: list[CampaignSpend] = []
    expiring = ZERO
    expiring_on: date | None = None
    horizon = today + timedelta(days=horizon_days)
    for link in links:
        spend = by_campaign.get(link.campaign_id, {})
        eligible = eligible_of(program, spend)
        closes = link.claim_window_closes()
        claimed = link.campaign_id in claimed_campaigns
        claimable = cents(eligible * rate)
        campaigns.append(
            CampaignSpend(
                link.campaign_id, link.campaign.name, spend, eligible, claimable, closes, claimed
            )
        )
        if not claimed and closes is not None and today <= closes <= horizon and claimable:
            expiring += claimable
            expiring_on = closes if expiring_on is None else min(expiring_on, closes)
    return Funds(
        program_id=program.pk,
        accrued=accrual(program),
        spend=sum((sum(c.by_channel.values(), start=ZERO) for c in campaigns), start=ZERO),
        eligible_spend=sum((c.eligible for c in campaigns), start=ZERO),
        claimable=sum((c.claimable for c in campaigns), start=ZERO),
        claimed=sums["claimed"] or ZERO,
        reimbursed=sums["reimbursed"] or ZERO,
        expiring=expiring,
        expiring_on=expiring_on,
        campaigns=campaigns,
    )

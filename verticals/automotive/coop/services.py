"""Writes of co-op data: programs (saved with validation, seeded from the defaults), the
campaigns run under them, claims and their decisions, and the claim-window warnings."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from como.agents.models import Notification
from como.campaigns.models import Campaign
from como.workspaces.models import Membership, Workspace

from ..inventory.models import Rooftop
from .defaults import DEFAULT_PROGRAMS, ILLUSTRATIVE
from .models import CLAIMED_STATUSES, ClaimStatus, CoopCampaign, CoopClaim, CoopProgram
from .selectors import EXPIRING_DAYS, campaign_spend, cents, eligible_of


@transaction.atomic
def coop_program_save(
    *,
    workspace: Workspace,
    fields: Mapping[str, Any],
    program: CoopProgram | None = None,
    rooftops: Sequence[Rooftop] | None = None,
) -> CoopProgram:
    """Create (``program`` None) or change a program; a ValidationError names each bad field."""
    program = program or CoopProgram(workspace=workspace)
    if program.workspace_id != workspace.pk:
        raise ValidationError({"workspace": ["The program belongs to another workspace."]})
    for name, value in fields.items():
        setattr(program, name, value)
    if rooftops is not None:
        foreign = [r.pk for r in rooftops if r.workspace_id != workspace.pk]
        if foreign:
            raise ValidationError({"rooftops": ["Rooftops of another workspace."]})
    program.full_clean()
    program.save()
    if rooftops is not None:
        program.rooftops.set(rooftops)
    return program


@transaction.atomic
def coop_programs_seed(
    *, workspace: Workspace, keys: Iterable[str] | None = None
) -> list[CoopProgram]:
    """Add the vertical's illustrative default programs the workspace lacks (all, or those
    of ``keys``); existing programs with those keys are left as the dealer edited them."""
    wanted = list(keys) if keys is not None else list(DEFAULT_PROGRAMS)
    unknown = sorted(set(wanted) - set(DEFAULT_PROGRAMS))
    if unknown:
        raise ValidationError({"keys": [f"No default program {', '.join(unknown)}."]})
    have = set(
        CoopProgram.objects.filter(workspace=workspace, key__in=wanted).values_list(
            "key", flat=True
        )
    )
    created = []
    for key in wanted:
        if key in have:
            continue
        spec = dict(DEFAULT_PROGRAMS[key])
        spec["notes"] = f"{ILLUSTRATIVE}\n{spec.get('notes', '')}".strip()
        created.append(
            coop_program_save(workspace=workspace, fields={"key": key, "confirmed": False, **spec})
        )
    return created


def _same_workspace(program: CoopProgram, campaign: Campaign) -> None:
    if campaign.workspace_id != program.workspace_id:
        raise ValidationError({"campaign": ["The campaign belongs to another workspace."]})


def coop_campaign_tag(*, program: CoopProgram, campaign: Campaign) -> CoopCampaign:
    """Say that ``campaign`` runs under ``program`` (idempotent)."""
    _same_workspace(program, campaign)
    link, _ = CoopCampaign.objects.get_or_create(
        workspace_id=program.workspace_id, program=program, campaign=campaign
    )
    return link


@transaction.atomic
def coop_claim_create(
    *,
    program: CoopProgram,
    campaign: Campaign,
    invoice_refs: Sequence[str] = (),
    amount_claimed: Decimal | None = None,
    note: str = "",
) -> CoopClaim:
    """A draft claim for the campaign's spend under the program (tagging the campaign).

    The amount defaults to what the program reimburses of the eligible spend, and may not
    exceed it."""
    _same_workspace(program, campaign)
    if CoopClaim.objects.filter(program=program, campaign=campaign).exists():
        raise ValidationError(
            {"campaign": ["This campaign already has a claim under the program."]}
        )
    coop_campaign_tag(program=program, campaign=campaign)
    claimable = cents(
        eligible_of(program, campaign_spend(program, campaign.pk)) * program.reimbursement_rate
    )
    if amount_claimed is None:
        amount_claimed = claimable
    elif amount_claimed > claimable:
        raise ValidationError(
            {"amount_claimed": [f"More than the program reimburses of the spend ({claimable})."]}
        )
    claim = CoopClaim(
        workspace_id=program.workspace_id,
        program=program,
        campaign=campaign,
        amount_claimed=amount_claimed,
        invoice_refs=[ref.strip() for ref in invoice_refs if ref.strip()],
        note=note,
    )
    claim.full_clean()
    claim.save()
    return claim


#: Which status may follow which.
TRANSITIONS: dict[str, frozenset[str]] = {
    ClaimStatus.DRAFT: frozenset({ClaimStatus.SUBMITTED}),
    ClaimStatus.SUBMITTED: frozenset({ClaimStatus.APPROVED, ClaimStatus.REJECTED}),
    ClaimStatus.APPROVED: frozenset({ClaimStatus.REIMBURSED, ClaimStatus.REJECTED}),
    ClaimStatus.REJECTED: frozenset({ClaimStatus.DRAFT}),
    ClaimStatus.REIMBURSED: frozenset(),
}


@transaction.atomic
def coop_claim_move(
    *,
    claim: CoopClaim,
    status: str,
    amount_reimbursed: Decimal | None = None,
    at: datetime | None = None,
) -> CoopClaim:
    """Submit, approve, reject or record the reimbursement of a claim."""
    at = at or timezone.now()
    claim = CoopClaim.objects.select_for_update().get(pk=claim.pk)
    if status not in TRANSITIONS.get(claim.status, frozenset()):
        raise ValidationError({"status": [f"A {claim.status} claim cannot become {status}."]})
    claim.status = status
    if status == ClaimStatus.SUBMITTED:
        claim.submitted_at = at
    elif status in (ClaimStatus.APPROVED, ClaimStatus.REJECTED, ClaimStatus.REIMBURSED):
        claim.decided_at = at
    if status == ClaimStatus.REIMBURSED:
        claim.amount_reimbursed = amount_reimbursed
    claim.full_clean()
    claim.save()
    return claim


def coop_claim_window_warnings(*, today: date, horizon_days: int = EXPIRING_DAYS) -> int:
    """Tell every member of a workspace that a co-op campaign's claim window closes within
    ``horizon_days`` and no claim went in; once per window. Returns the windows warned of.

    Marking the link is a conditional UPDATE (null → now), so two runs at once warn once."""
    links = CoopCampaign.objects.filter(
        window_warned_at__isnull=True, campaign__ends_on__isnull=False
    ).select_related("program", "campaign")
    warned = 0
    for link in links:
        closes = link.claim_window_closes()
        if closes is None or not today <= closes <= today + timedelta(days=horizon_days):
            continue
        claimed = CoopClaim.objects.filter(
            program_id=link.program_id, campaign_id=link.campaign_id, status__in=CLAIMED_STATUSES
        ).exists()
        if claimed:
            continue
        with transaction.atomic():
            marked = CoopCampaign.objects.filter(pk=link.pk, window_warned_at__isnull=True).update(
                window_warned_at=timezone.now()
            )
            if not marked:
                continue
            users = sorted(
                set(
                    Membership.objects.filter(workspace_id=link.workspace_id).values_list(
                        "user_id", flat=True
                    )
                )
            )
            days = (closes - today).days
            Notification.objects.bulk_create(
                Notification(
                    workspace_id=link.workspace_id,
                    user_id=user_id,
                    title=f"Co-op claim window closes in {days} days: {link.campaign.name}"[:200],
                    body=(
                        f"The claim for {link.campaign.name} under {link.program.name} must "
                        f"reach {link.program.oem} by {closes:%Y-%m-%d}; no claim has been "
                        "submitted yet."
                    ),
                    link=f"/admin/vertical_automotive/coopprogram/{link.program_id}/change/",
                )
                for user_id in users
            )
            warned += 1
    return warned

"""Co-op programs, the campaigns run under them and the claims made for those campaigns.

A program is the OEM's rules as data: which brands and rooftops it covers, which channels it
pays for, what a creative must say and must not say, how its fund accrues and how long a
dealer has to claim. The defaults seeded from :mod:`.defaults` are illustrative: the dealer
confirms each against its OEM's current program guide (``confirmed`` stays False until then).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from como.campaigns.models import Campaign
from como.workspaces.scoping import WorkspaceOwned

from ..inventory.models import Rooftop
from .validation import program_errors


class AccrualBasis(models.TextChoices):
    PER_UNIT = "per_unit", "A fixed amount per new unit sold"
    MSRP_SHARE = "msrp_share", "A share of each new unit's MSRP"
    NONE = "none", "Not accrued here (the OEM states the balance)"


class ClaimStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    REIMBURSED = "reimbursed", "Reimbursed"
    REJECTED = "rejected", "Rejected"


#: Claims that count against the fund (a draft is not claimed yet; a rejected one no longer).
CLAIMED_STATUSES = (ClaimStatus.SUBMITTED, ClaimStatus.APPROVED, ClaimStatus.REIMBURSED)


def _texts(help_text: str) -> ArrayField[Any, Any]:
    return ArrayField(
        models.CharField(max_length=500), default=list, blank=True, size=200, help_text=help_text
    )


class CoopProgram(WorkspaceOwned):
    key = models.CharField(
        max_length=64,
        validators=[RegexValidator(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$", "Use a-z, 0-9, - and _.")],
        help_text="A slug, unique in the workspace (e.g. ford-fdaf).",
    )
    name = models.CharField(max_length=200)
    oem = models.CharField(max_length=100, help_text="The manufacturer running the program.")
    brands = _texts("The makes it covers, e.g. Ford, Lincoln (matched without case).")
    rooftops = models.ManyToManyField(
        Rooftop, blank=True, related_name="+", help_text="The rooftops it covers (none: all)."
    )
    eligible_channels = _texts("Channel keys it reimburses: paid_social, paid_search, email…")
    eligible_media = _texts("Media it reimburses, as the OEM names them (digital, print, TV…).")
    required_disclaimers = models.JSONField(
        default=dict,
        blank=True,
        help_text='Per channel ("*": every channel): {"paid_social": ["Offer ends 3/31."]}.',
    )
    prohibited_phrases = _texts("Words and phrases a creative must never use.")
    required_claims = _texts("Statements every creative must carry (a brand tagline).")
    forbidden_claims = _texts("Claims the OEM forbids (e.g. lowest price in the state).")
    required_asset_ids = _texts("Logo and asset ids the OEM requires in a creative.")
    preapproval_required = models.BooleanField(
        default=False, help_text="The OEM must approve each creative before it runs."
    )
    reimbursement_rate = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
        help_text="The share of eligible spend reimbursed, 0 to 1 (0.5: half).",
    )
    accrual_basis = models.CharField(
        max_length=10, choices=AccrualBasis.choices, default=AccrualBasis.PER_UNIT
    )
    accrual_amount = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text="Per new unit sold (per-unit programs).",
    )
    accrual_rate = models.DecimalField(
        max_digits=7,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
        help_text="Share of MSRP per new unit sold (MSRP-share programs; Ford: 0.0005).",
    )
    accrual_split = models.JSONField(
        default=dict,
        blank=True,
        help_text='Shares of the fund by media, summing to 1: {"traditional": 0.25, '
        '"digital": 0.75}; empty: one fund.',
    )
    claim_window_days = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text="Days after a campaign ends to submit its claim.",
    )
    active_from = models.DateField(null=True, blank=True)
    active_until = models.DateField(null=True, blank=True)
    confirmed = models.BooleanField(
        default=False,
        help_text="The dealer checked these rules against the OEM's current program guide.",
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "key"], name="coopprogram_unique_key"),
            models.CheckConstraint(
                condition=Q(reimbursement_rate__gte=0) & Q(reimbursement_rate__lte=1),
                name="coopprogram_rate_0_1",
            ),
            models.CheckConstraint(
                condition=Q(accrual_basis__in=AccrualBasis.values),
                name="coopprogram_accrual_basis_known",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = program_errors(self)
        if self.workspace_id and self.key:
            clash = CoopProgram.objects.filter(workspace_id=self.workspace_id, key=self.key)
            if clash.exclude(pk=self.pk).exists():
                errors.setdefault("key", []).append("The workspace has a program with this key.")
        if errors:
            raise ValidationError(errors)


#: A program's terms as an editor and the API show them (the admin form adds the workspace,
#: the API the id): one list, so a new term appears in both.
PROGRAM_FIELDS = [
    "key",
    "name",
    "oem",
    "brands",
    "rooftops",
    "eligible_channels",
    "eligible_media",
    "required_disclaimers",
    "prohibited_phrases",
    "required_claims",
    "forbidden_claims",
    "required_asset_ids",
    "preapproval_required",
    "reimbursement_rate",
    "accrual_basis",
    "accrual_amount",
    "accrual_rate",
    "accrual_split",
    "claim_window_days",
    "active_from",
    "active_until",
    "confirmed",
    "notes",
]


class CoopCampaign(WorkspaceOwned):
    """A campaign run under a program: its spend counts towards the program's claims.

    The link lives in the vertical, so como's Campaign knows nothing of co-op. It also
    remembers the claim-window warning, so the beat task warns once per window."""

    program = models.ForeignKey(CoopProgram, on_delete=models.CASCADE, related_name="campaigns")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    window_warned_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["program_id", "campaign_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "campaign"], name="coopcampaign_once_per_program"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign} under {self.program}"

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        for name in ("program", "campaign"):
            target = getattr(self, f"{name}_id") and getattr(self, name)
            if target and self.workspace_id and target.workspace_id != self.workspace_id:
                errors[name] = [f"The {name} belongs to another workspace."]
        if errors:
            raise ValidationError(errors)

    def claim_window_closes(self) -> date | None:
        """The last day to claim: the campaign's end plus the program's window."""
        ends_on = self.campaign.ends_on
        if ends_on is None:
            return None
        return ends_on + timedelta(days=self.program.claim_window_days)


class CoopClaim(WorkspaceOwned):
    """A claim for one campaign's spend under one program, and what the OEM made of it."""

    program = models.ForeignKey(CoopProgram, on_delete=models.PROTECT, related_name="claims")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.DRAFT)
    amount_claimed = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    amount_reimbursed = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    invoice_refs = _texts("The platforms' invoice numbers proving the spend.")
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["program", "campaign"], name="coopclaim_one_per_pair"),
            models.CheckConstraint(
                condition=Q(status__in=ClaimStatus.values), name="coopclaim_status_known"
            ),
            models.CheckConstraint(
                condition=Q(amount_claimed__gte=0), name="coopclaim_claimed_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"Claim {self.pk}: {self.campaign} under {self.program}"

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        for name in ("program", "campaign"):
            target = getattr(self, f"{name}_id") and getattr(self, name)
            if target and self.workspace_id and target.workspace_id != self.workspace_id:
                errors[name] = [f"The {name} belongs to another workspace."]
        if self.status == ClaimStatus.REIMBURSED and self.amount_reimbursed is None:
            errors["amount_reimbursed"] = ["Say how much was reimbursed."]
        if (
            self.amount_reimbursed is not None
            and self.amount_claimed is not None
            and self.amount_reimbursed > self.amount_claimed
        ):
            errors.setdefault("amount_reimbursed", []).append("More than the amount claimed.")
        if errors:
            raise ValidationError(errors)

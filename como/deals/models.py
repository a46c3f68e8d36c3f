"""Deals: opportunities from a CRM (or a DMS, through a vertical) and their stage history.

An opportunity names a contact, an account or both; its external id is the CRM's, unique per
workspace, so a re-sent deal updates the row. ``status`` is como's reading (open, won, lost);
``stage_name`` is the CRM's own stage ("Negotiation/Review", "closedwon"). Every change of
either is an append-only :class:`OpportunityTransition`, which attribution reads for its
milestones (opportunity created, closed won).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from como.leads.models import Account, ActorKind, Contact
from como.workspaces.scoping import WorkspaceOwned


class OpportunityStatus(models.TextChoices):
    OPEN = "open", "Open"
    WON = "won", "Closed won"
    LOST = "lost", "Closed lost"


CLOSED = frozenset({OpportunityStatus.WON, OpportunityStatus.LOST})


class Opportunity(WorkspaceOwned):
    external_id = models.CharField(max_length=128, help_text="The CRM's id; unique per workspace.")
    name = models.CharField(max_length=200, blank=True)
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="opportunities"
    )
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="opportunities"
    )
    amount = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, default="USD", help_text="ISO 4217.")
    status = models.CharField(
        max_length=4, choices=OpportunityStatus.choices, default=OpportunityStatus.OPEN
    )
    stage_name = models.CharField(max_length=100, blank=True, help_text="The CRM's stage.")
    opened_at = models.DateTimeField(help_text="When the opportunity was created in the CRM.")
    closed_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was won or lost; empty while open."
    )
    source = models.CharField(max_length=100, blank=True, help_text="The CRM's lead source.")
    vin = models.CharField(max_length=17, blank=True, help_text="The vehicle sold, if any.")
    attributes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name_plural = "opportunities"
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "external_id"], name="opportunity_external_id_once"
            ),
            models.CheckConstraint(
                condition=Q(status=OpportunityStatus.OPEN, closed_at__isnull=True)
                | (~Q(status=OpportunityStatus.OPEN) & Q(closed_at__isnull=False)),
                name="opportunity_closed_when_won_or_lost",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="opportunity_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(contact__isnull=False) | Q(account__isnull=False),
                name="opportunity_names_someone",
                violation_error_message="An opportunity names a contact or an account.",
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "status", "-closed_at"], name="opportunity_closed"),
            models.Index(fields=["workspace", "-opened_at", "-id"], name="opportunity_recent"),
        ]

    def __str__(self) -> str:
        return self.name or self.external_id

    @property
    def is_won(self) -> bool:
        return self.status == OpportunityStatus.WON


class OpportunityTransition(WorkspaceOwned):
    """An opportunity's move to a status or CRM stage: from what, to what, when, by whom.

    Append-only: written by :mod:`como.deals.services` and never changed. The first row of
    an opportunity has an empty ``from_status``."""

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField(max_length=4, blank=True, choices=OpportunityStatus.choices)
    to_status = models.CharField(max_length=4, choices=OpportunityStatus.choices)
    from_stage_name = models.CharField(max_length=100, blank=True)
    to_stage_name = models.CharField(max_length=100, blank=True)
    amount = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    at = models.DateTimeField(help_text="When the move happened (a close: the close instant).")
    recorded_at = models.DateTimeField(auto_now_add=True)
    via = models.CharField(max_length=16, help_text="api, csv, dms, demo …")
    actor_kind = models.CharField(
        max_length=16, choices=ActorKind.choices, default=ActorKind.SYSTEM
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["opportunity", "at", "id"]
        indexes = [models.Index(fields=["opportunity", "at"], name="opportunity_transition_at")]

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("opportunity transitions are append-only")
        super().save(*args, **kwargs)

"""The MQL handoff's models: territories and their reps, the handoffs and their escalations.

The agent that writes them is :mod:`como.agents.handoff`; the action a handoff executes is an
:class:`~como.agents.models.actions.AgentAction`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from como.workspaces.scoping import WorkspaceOwned, WorkspaceScopedQuerySet


class HandoffRouting(models.TextChoices):
    ACCOUNT_OWNER = "account_owner", "The account's owner, else round robin in the territory"
    ROUND_ROBIN = "round_robin_by_territory", "Round robin in the contact's territory"


class RouteVia(models.TextChoices):
    """How an MQL's rep was chosen."""

    ACCOUNT_OWNER = "account_owner", "The account's owner"
    ROUND_ROBIN = "round_robin", "Next in the territory's round robin"
    MANAGER = "manager", "The territory's manager (it has no reps)"
    NONE = "none", "Nobody (no rep or manager)"


class Territory(WorkspaceOwned):
    """Where a contact is, and who sells there: reps taking MQLs in turn, and their manager.

    A contact matches a territory when every criterion the territory lists matches it (a
    country in ``countries``, a region in ``regions``, a postal code starting with one of
    ``postal_prefixes``); of several matches the most specific wins (the longest postal prefix,
    then a region, then a country), then the lower ``position``. Contacts matching none go to
    the workspace's default territory.
    """

    name = models.CharField(max_length=100)
    countries = ArrayField(
        models.CharField(max_length=2),
        default=list,
        blank=True,
        help_text="ISO 3166-1 alpha-2 codes, e.g. US,CA. Blank: any.",
    )
    regions = ArrayField(
        models.CharField(max_length=100),
        default=list,
        blank=True,
        help_text="States or regions as contacts carry them, e.g. IL,WI (any case). Blank: any.",
    )
    postal_prefixes = ArrayField(
        models.CharField(max_length=20),
        default=list,
        blank=True,
        help_text="Postal code prefixes, e.g. 606,607. Blank: any.",
    )
    is_default = models.BooleanField(
        default=False, help_text="Takes the contacts no other territory matches."
    )
    position = models.PositiveIntegerField(
        default=0, help_text="Between equally specific matches, the lower position wins."
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The last step of an escalation.",
    )
    rr_cursor = models.PositiveIntegerField(
        default=0, editable=False, help_text="How many MQLs the round robin has handed out."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["workspace", "position", "name"]
        verbose_name_plural = "territories"
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="territory_unique_name"),
            models.UniqueConstraint(
                fields=["workspace"],
                condition=Q(is_default=True),
                name="territory_one_default",
                violation_error_message="This workspace already has a default territory.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TerritoryRepQuerySet(WorkspaceScopedQuerySet):
    workspace_lookup = "territory__workspace_id"


class TerritoryRep(models.Model):
    """A sales rep of a territory, in round-robin order."""

    territory = models.ForeignKey(Territory, on_delete=models.CASCADE, related_name="reps")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField(default=0)

    objects = TerritoryRepQuerySet.as_manager()

    class Meta:
        ordering = ["territory", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "user"], name="territory_rep_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.territory}"


class HandoffOutcome(models.TextChoices):
    ACCEPTED = "accepted", "Accepted (SQL)"
    REJECTED = "rejected", "Rejected (recycled)"


class RejectReason(models.TextChoices):
    NOT_A_FIT = "not_a_fit", "Not a fit (size, industry, geography)"
    NO_BUDGET = "no_budget", "No budget"
    NOT_A_DECISION_MAKER = "not_a_decision_maker", "Not a decision maker"
    BAD_TIMING = "bad_timing", "Bad timing / not ready to buy"
    UNREACHABLE = "unreachable", "Could not be reached"
    EXISTING_CUSTOMER = "existing_customer", "Already a customer or in an open deal"
    DUPLICATE = "duplicate", "Duplicate of another lead"
    SPAM = "spam", "Spam, student, job seeker or competitor"
    OTHER = "other", "Other (say why)"


class Handoff(WorkspaceOwned):
    """An MQL handed to a sales rep: who has it, the SLA timer, escalations and sales' verdict.

    Created when its ``mql_handoff`` action is executed (``handed_at``). ``sla_due_at`` is the
    first deadline and never moves; ``due_at`` is the running timer, re-armed on each escalation
    and cleared when nobody is left to escalate to. Touching or deciding stops the timer.
    """

    contact = models.ForeignKey("leads.Contact", on_delete=models.CASCADE, related_name="+")
    # RESTRICT: an executed action cannot be deleted from under its handoff, but a workspace
    # (which cascades to both) can be.
    action = models.OneToOneField(
        "agents.AgentAction", on_delete=models.RESTRICT, related_name="handoff"
    )
    territory = models.ForeignKey(
        Territory, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    route = models.CharField(
        max_length=32,
        blank=True,
        choices=RouteVia.choices,
        help_text="How the rep was chosen (account owner, territory…).",
    )
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who has the handoff now.",
    )
    mql_at = models.DateTimeField(help_text="When the contact became an MQL.")
    handed_at = models.DateTimeField(help_text="When the first rep was notified (SLA start).")
    sla_due_at = models.DateTimeField(help_text="The first deadline: handed_at plus the SLA.")
    assigned_at = models.DateTimeField(help_text="When the current rep got it.")
    due_at = models.DateTimeField(
        null=True, blank=True, help_text="The running timer; blank once nobody is left."
    )
    level = models.PositiveSmallIntegerField(
        default=0,
        help_text="0: the first rep; 1: the next rep; 2: the manager; one more: nobody left.",
    )
    breached_at = models.DateTimeField(
        null=True, blank=True, help_text="When the SLA was missed (recorded once)."
    )
    email_message_id = models.CharField(max_length=200, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    first_touch_at = models.DateTimeField(null=True, blank=True)
    touched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=10, choices=HandoffOutcome.choices, blank=True)
    reason = models.CharField(max_length=32, choices=RejectReason.choices, blank=True)
    note = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-handed_at", "-id"]
        indexes = [
            models.Index(fields=["workspace", "handed_at"], name="handoff_workspace_handed"),
            # The escalation scan: running timers of untouched, undecided handoffs.
            models.Index(
                fields=["due_at"],
                condition=Q(
                    due_at__isnull=False, first_touch_at__isnull=True, decided_at__isnull=True
                ),
                name="handoff_overdue_scan",
            ),
        ]

    def __str__(self) -> str:
        return f"handoff of {self.contact} to {self.rep or 'nobody'}"


class HandoffEscalation(WorkspaceOwned):
    """Append-only: a handoff passed on because its timer ran out."""

    handoff = models.ForeignKey(Handoff, on_delete=models.CASCADE, related_name="escalations")
    level = models.PositiveSmallIntegerField(help_text="The handoff's level after this step.")
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Blank: nobody was left to escalate to.",
    )
    at = models.DateTimeField()
    why = models.TextField()

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            # Two escalators cannot both record the same step.
            models.UniqueConstraint(fields=["handoff", "level"], name="handoff_escalation_once")
        ]

    def __str__(self) -> str:
        return f"escalation to level {self.level}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("handoff escalations are append-only")
        super().save(*args, **kwargs)

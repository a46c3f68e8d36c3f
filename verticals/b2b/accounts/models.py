"""Buying-committee members and the background runs that link existing contacts to accounts."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from como.leads.models import Account, Contact
from como.workspaces.scoping import WorkspaceOwned

from .titles import LEVELS


class RoleSource(models.TextChoices):
    """Where a member's role comes from; a person's choice beats the CRM, which beats the title."""

    INFERRED = "inferred", "Inferred from the title"
    CRM = "crm", "From the CRM"
    MANUAL = "manual", "Set by hand"


class Level(models.TextChoices):
    C_LEVEL = "c_level", "C-level"
    VP = "vp", "VP"
    DIRECTOR = "director", "Director"
    MANAGER = "manager", "Manager"
    OTHER = "other", "Other"


assert tuple(Level.values) == LEVELS  # the title rules and the column speak the same levels


class CommitteeMember(WorkspaceOwned):
    """A contact's place on its account's buying committee: one row per contact that has an
    account, kept in step by :mod:`.committee` whenever the contact's account, title or CRM role
    changes. Everything an account score reads is a field (role, its source, level), so it can
    be read set-based: ``account → members → level``; engagement is time-dependent and computed
    at an instant (:mod:`.selectors`), never stored.
    """

    contact = models.OneToOneField(
        Contact, on_delete=models.CASCADE, related_name="committee_member"
    )
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="committee_members")
    #: a key of the playbook's roles; "" when no role applies (a CRM's BLOCKER, an HR manager)
    role = models.CharField(max_length=40, blank=True)
    role_source = models.CharField(
        max_length=10, choices=RoleSource.choices, default=RoleSource.INFERRED
    )
    level = models.CharField(max_length=10, choices=Level.choices, default=Level.OTHER)
    department = models.CharField(
        max_length=40, blank=True, help_text="The department the title's keywords name."
    )
    title = models.CharField(
        max_length=200, blank=True, help_text="The title the role and level were read from."
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who set the role by hand.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["account", "role", "contact"]
        indexes = [models.Index(fields=["account", "role"], name="committee_account_role")]

    def __str__(self) -> str:
        return f"{self.contact} ({self.role or 'no role'}, {self.level})"


class AccountLinkRun(WorkspaceOwned):
    """One background pass linking a workspace's existing contacts to accounts by email domain
    (and inferring their committee roles). The row is the run's progress: contacts are done in
    id order, ``last_contact_id`` is the checkpoint advanced in each batch's transaction, so a
    resumed run neither redoes nor skips a contact. One unfinished run per workspace."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    UNFINISHED = (Status.QUEUED, Status.RUNNING)

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0, help_text="Contacts when the run started.")
    done = models.PositiveIntegerField(default=0, help_text="Contacts looked at so far.")
    linked = models.PositiveIntegerField(default=0, help_text="Contacts linked to an account.")
    accounts_created = models.PositiveIntegerField(default=0)
    last_contact_id = models.BigIntegerField(default=0)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace"],
                condition=Q(status__in=["queued", "running"]),
                name="account_link_run_one_unfinished",
                violation_error_message="This workspace already has an unfinished link run.",
            )
        ]

    def __str__(self) -> str:
        return f"account link run {self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, self.done * 100 // self.total)


class AccountStage(models.TextChoices):
    TARGET = "target", "Target"
    AWARE = "aware", "Aware"
    ENGAGED = "engaged", "Engaged"
    MQA = "mqa", "MQA"
    OPPORTUNITY = "opportunity", "Opportunity"
    CUSTOMER = "customer", "Customer"


class AccountTransition(WorkspaceOwned):
    """An account's move from one stage to another, like a contact's LifecycleTransition.

    Append-only: written by :func:`.score_state.accounts_rescore` (score and coverage) and the
    deals reaction (opportunity, customer) in the mover's transaction, never changed. ``score``
    and ``roles_engaged`` are the account's at ``at``: the history explains each move."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="transitions")
    from_stage = models.CharField(max_length=20, choices=AccountStage.choices)
    to_stage = models.CharField(max_length=20, choices=AccountStage.choices)
    at = models.DateTimeField()
    reason = models.TextField(blank=True)
    score = models.FloatField(null=True, blank=True, help_text="The account's score at the time.")
    roles_engaged = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Required roles with an engaged member at the time."
    )

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["account", "-at"], name="account_transition_at"),
            models.Index(fields=["workspace", "to_stage", "-at"], name="account_transition_to"),
        ]

    def __str__(self) -> str:
        return f"{self.from_stage} → {self.to_stage} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("account transitions are append-only")
        super().save(*args, **kwargs)

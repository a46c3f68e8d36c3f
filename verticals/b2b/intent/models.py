"""Intent signals (one per provider, account domain, topic and week) and the providers that
push them to como's signed webhook.

A signal names its account by domain. ``account`` is filled when the workspace has an account of
that domain when the signal arrives, and later by :func:`.services.intent_accounts_link` (by
the next batch naming the domain, and on beat) for a signal that arrived first: a signal is
never lost for arriving before its account, and the reader (:mod:`.selectors`) matches by
domain as well, so an unlinked signal already counts.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from como.channels.signatures import SecretUnusable, standard_secret_validate
from como.leads.models import Account
from como.workspaces.scoping import WorkspaceOwned

#: A provider's key as it appears in the idempotency key: "6sense", "bombora", "g2" …
PROVIDER_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,31}$"
_PROVIDER = RegexValidator(PROVIDER_PATTERN, "A lowercase key: letters, digits, _ . - (6sense).")


class BuyingStage(models.TextChoices):
    """6sense's buying stages; Bombora sends none."""

    TARGET = "target", "Target"
    AWARENESS = "awareness", "Awareness"
    CONSIDERATION = "consideration", "Consideration"
    DECISION = "decision", "Decision"
    PURCHASE = "purchase", "Purchase"


class ProfileFit(models.TextChoices):
    """6sense's profile fit bands (strong 81-100, moderate 50-80, weak 0-49)."""

    STRONG = "strong", "Strong"
    MODERATE = "moderate", "Moderate"
    WEAK = "weak", "Weak"


class SignalSource(models.TextChoices):
    API = "api", "API"
    WEBHOOK = "webhook", "Signed webhook"
    CSV = "csv", "CSV import"
    DEMO = "demo", "Demo"


class IntentSignal(WorkspaceOwned):
    """One provider's reading of one account's interest in one topic in one ISO week.

    Unique by (workspace, provider, domain, topic, week): a re-send of the same key updates the
    row in place (the provider revised its reading), so there is never a duplicate, and a
    re-send with the same values changes nothing (``revision`` counts real changes). ``topic``
    is empty for a company-level score (6sense's ``company_intent_score``).
    ``occurred_at`` is when the signal counts from (``observed_at`` when sent, else the week's
    Monday 00:00 UTC); decay runs from there."""

    provider = models.CharField(max_length=32, validators=[_PROVIDER])
    account = models.ForeignKey(
        Account,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="intent_signals",
        help_text="Blank until the workspace has an account of this domain.",
    )
    domain = models.CharField(max_length=253)
    topic = models.CharField(max_length=200, blank=True)
    score = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(0), MaxValueValidator(100)], help_text="0-100."
    )
    buying_stage = models.CharField(max_length=16, choices=BuyingStage.choices, blank=True)
    week = models.DateField(help_text="The Monday of the ISO week the reading is for.")
    observed_at = models.DateTimeField(null=True, blank=True)
    occurred_at = models.DateTimeField(help_text="Counts from here: observed_at, else the week.")
    keywords = models.JSONField(default=list, blank=True)
    profile_fit = models.CharField(max_length=8, choices=ProfileFit.choices, blank=True)
    profile_score = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    source = models.CharField(max_length=8, choices=SignalSource.choices)
    payload = models.JSONField(default=dict, blank=True, help_text="The item as received.")
    received_at = models.DateTimeField(help_text="When this reading last arrived.")
    revision = models.PositiveIntegerField(default=1, help_text="1, +1 per changed re-send.")

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "provider", "domain", "topic", "week"],
                name="intentsignal_once_per_week",
            ),
            models.CheckConstraint(condition=Q(score__lte=100), name="intentsignal_score_0_100"),
        ]
        indexes = [
            models.Index(fields=["account", "occurred_at"], name="intentsignal_account"),
            models.Index(fields=["workspace", "domain"], name="intentsignal_domain"),
            models.Index(
                fields=["workspace", "domain"],
                condition=Q(account__isnull=True),
                name="intentsignal_unlinked",
            ),
        ]

    def __str__(self) -> str:
        topic = f" {self.topic}" if self.topic else ""
        return f"{self.provider} {self.domain}{topic} {self.week}: {self.score}"


class IntentWebhook(WorkspaceOwned):
    """A provider that pushes signals to ``POST /api/v1/intent/webhooks/<id>/deliveries``,
    signed in the Standard Webhooks scheme with ``secret`` (``whsec_<base64>``).

    During a rotation the sender may sign with both keys (several ``v1,`` entries, any one
    matching is enough), and ``previous_secret`` keeps deliveries signed with the old key
    verifying until it is cleared."""

    provider = models.CharField(max_length=32, validators=[_PROVIDER])
    name = models.CharField(max_length=100, blank=True)
    secret = models.CharField(max_length=200, help_text="whsec_ and base64 of 24+ random bytes.")
    previous_secret = models.CharField(
        max_length=200, blank=True, help_text="The key being rotated out; blank when none."
    )
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["provider", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "provider"], name="intentwebhook_one_per_provider"
            )
        ]

    def __str__(self) -> str:
        return self.name or f"{self.provider} intent webhook"

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        for field in ("secret", "previous_secret"):
            value = getattr(self, field)
            if not value and field == "previous_secret":
                continue
            try:
                standard_secret_validate(value)
            except SecretUnusable as error:
                errors[field] = [str(error)]
        if errors:
            raise ValidationError(errors)

    def secrets(self) -> list[str]:
        """The keys a delivery may be signed with, current first."""
        return [s for s in (self.secret, self.previous_secret) if s]

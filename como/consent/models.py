"""The consent ledger and the suppression list.

The ledger is append-only: a grant, a revocation, an expiry are rows; nothing is edited, so the
question "what did this person agree to, when, on which wording" always has its evidence. The
suppression list outlives the person: it is keyed by a hash of the normalised email or phone
(:func:`como.consent.hashing.suppression_digest`), so an erased person imported again stays
suppressed without como keeping who they were.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from como.workspaces.scoping import WorkspaceOwned

from .state import Basis, Channel

#: The ledger's channels as choices; the API schema names this set ConsentChannelEnum.
CHANNEL_CHOICES = [(c.value, c.name.title()) for c in Channel]


class ConsentAction(models.TextChoices):
    GRANT = "grant", "Grant"
    REVOKE = "revoke", "Revoke"


class ConsentRecord(WorkspaceOwned):
    """One entry of the ledger: a contact granted or revoked consent for a channel."""

    contact = models.ForeignKey(
        "leads.Contact", on_delete=models.CASCADE, related_name="consent_records"
    )
    channel = models.CharField(max_length=10, choices=CHANNEL_CHOICES)
    action = models.CharField(max_length=6, choices=ConsentAction.choices)
    basis = models.CharField(
        max_length=24,
        blank=True,
        choices=[(b.value, b.value.replace("_", " ")) for b in Basis],
        help_text="For grants: the legal basis.",
    )
    jurisdiction = models.CharField(
        max_length=10, blank=True, help_text="Where it was given: US, US-FL, CA, EU…"
    )
    source = models.CharField(
        max_length=64, help_text="Where it came from: web_form, sms_keyword, unsubscribe_link…"
    )
    wording = models.TextField(blank=True, help_text="The exact text the person was shown.")
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(help_text="When the person gave or withdrew it.")
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="Implied consent ends (CASL: 2 years or 6 months)."
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["contact", "channel", "-at", "-id"])]

    def __str__(self) -> str:
        return f"{self.action} {self.channel} for contact {self.contact_id} at {self.at:%Y-%m-%d}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError("The consent ledger is append-only: record a new entry instead.")
        super().save(*args, **kwargs)


class SuppressionReason(models.TextChoices):
    ERASED = "erased", "Erased (GDPR art. 17)"
    UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
    STOP = "stop", "Replied STOP"
    GPC = "gpc", "Global Privacy Control / do not sell or share"
    ADMIN = "admin", "Suppressed by a member"
    BOUNCED = "bounced", "Hard bounce or complaint"


class Suppression(WorkspaceOwned):
    """An address (email or phone) that must not be contacted on a channel ("*": any)."""

    digest = models.CharField(max_length=64, help_text="SHA-256 of the normalised address.")
    channel = models.CharField(max_length=10, help_text="email, sms, phone, ads, or * for all.")
    reason = models.CharField(max_length=16, choices=SuppressionReason.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "digest", "channel"], name="suppression_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.digest[:12]}… suppressed on {self.channel} ({self.reason})"


class ErasureSource(models.TextChoices):
    API = "api", "API"
    ADMIN = "admin", "Admin"
    COMMAND = "command", "Management command"
    SYSTEM = "system", "System"


class Erasure(WorkspaceOwned):
    """The audit trail of a GDPR art. 17 erasure, holding no personal data.

    It says that someone was erased, by whom, when and why; the only trace of who was erased is
    the suppression digests (salted hashes, the same values the suppression list keeps), which
    prove the person stays suppressed without revealing the address."""

    digests = models.JSONField(
        default=list, help_text="Suppression digests of the erased addresses (never addresses)."
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The member who asked for it (empty: an operator command or the system).",
    )
    source = models.CharField(max_length=10, choices=ErasureSource.choices)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"erasure {self.pk} ({len(self.digests)} addresses) at {self.created_at:%Y-%m-%d}"

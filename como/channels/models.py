"""What the channels keep: per-workspace provider accounts, every message sent or received,
what the sandbox transport would have sent, and the webhook deliveries already applied."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from como.workspaces.scoping import WorkspaceOwned


class TransportKind(models.TextChoices):
    SANDBOX = "sandbox", "Sandbox: record what would be sent, send nothing"
    HTTP = "http", "HTTP: call the provider's API"


class ChannelAccount(WorkspaceOwned):
    """A workspace's account with a provider for one channel: where to call and with what.

    Without one, a channel uses the sandbox transport. Credentials are stored as given; keep
    the database as private as the provider's console."""

    channel = models.CharField(max_length=32)
    transport = models.CharField(
        max_length=8, choices=TransportKind.choices, default=TransportKind.SANDBOX
    )
    base_url = models.URLField(blank=True, help_text="Blank: the provider's public API.")
    account_id = models.CharField(
        max_length=128, blank=True, help_text="Twilio Account SID, Google Ads customer id, …"
    )
    sender = models.CharField(
        max_length=128, blank=True, help_text="The From number, messaging service or page id."
    )
    credentials = models.JSONField(default=dict, blank=True)
    webhook_secret = models.CharField(
        max_length=200, blank=True, help_text="Signs the provider's webhooks to como."
    )
    settings = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "channel"], name="channel_account_once")
        ]

    def __str__(self) -> str:
        return f"{self.channel} ({self.transport})"

    def clean(self) -> None:
        from .account_secrets import account_secrets_validate

        account_secrets_validate(
            channel=self.channel, webhook_secret=self.webhook_secret, credentials=self.credentials
        )


class Direction(models.TextChoices):
    OUTBOUND = "out", "Outbound"
    INBOUND = "in", "Inbound"


class MessagePurpose(models.TextChoices):
    MARKETING = "marketing", "Marketing"
    CONFIRMATION = "confirmation", "Opt-out confirmation"
    HELP = "help", "Help reply"
    TRANSACTIONAL = "transactional", "Transactional"
    REPLY = "reply", "Inbound reply"


class MessageStatus(models.TextChoices):
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    BOUNCED = "bounced", "Bounced"
    FAILED = "failed", "Failed"
    RECEIVED = "received", "Received"


class Message(WorkspaceOwned):
    """One email or text, out or in, to or from one person."""

    channel = models.CharField(max_length=16)
    direction = models.CharField(max_length=3, choices=Direction.choices)
    purpose = models.CharField(max_length=16, choices=MessagePurpose.choices)
    contact = models.ForeignKey(
        "leads.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    #: The agent action that sent it (agents live above channels: an id, not a foreign key).
    action_id = models.BigIntegerField(null=True, blank=True)
    campaign_id = models.BigIntegerField(null=True, blank=True)
    #: Unique per workspace: sending the same key twice is one message.
    idempotency_key = models.CharField(max_length=200)
    to = models.CharField(max_length=254)
    sender = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=998, blank=True)
    body = models.TextField(blank=True)
    provider_id = models.CharField(max_length=128, blank=True)
    status = models.CharField(max_length=10, choices=MessageStatus.choices)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "idempotency_key"], name="message_unique_idempotency_key"
            )
        ]
        indexes = [
            models.Index(fields=["workspace", "channel", "contact", "purpose"]),
            models.Index(
                fields=["workspace", "provider_id"],
                condition=~Q(provider_id=""),
                name="message_provider_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.direction} {self.to}"


class SandboxRequest(WorkspaceOwned):
    """Exactly what the HTTP transport would have sent: method, URL, headers, body."""

    channel = models.CharField(max_length=32)
    idempotency_key = models.CharField(max_length=200)
    method = models.CharField(max_length=8)
    url = models.TextField()
    headers = models.JSONField(default=dict)
    body = models.TextField(blank=True)
    response = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "channel", "idempotency_key"],
                name="sandbox_request_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.url}"


class WebhookReceipt(models.Model):
    """A provider's delivery already applied: a replay finds its id here and changes nothing.

    Not workspace-owned on purpose: a receipt is written before the workspace is trusted."""

    source = models.CharField(max_length=32)
    delivery_id = models.CharField(max_length=200)
    workspace_id = models.BigIntegerField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "delivery_id"], name="webhook_receipt_once")
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.delivery_id}"

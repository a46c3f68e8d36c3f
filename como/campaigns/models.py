"""Campaigns and their channel metrics, per campaign, channel and day."""

from __future__ import annotations

from django.db import models

from como.workspaces.scoping import WorkspaceOwned


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    ENDED = "ended", "Ended"


class Campaign(WorkspaceOwned):
    name = models.CharField(max_length=200)
    status = models.CharField(
        max_length=8, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    channels = models.JSONField(default=list, blank=True, help_text="Channel keys it runs on.")
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    budget = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="campaign_name_once")
        ]

    def __str__(self) -> str:
        return self.name


#: The counters a metric row holds; spend is money, the rest are counts.
COUNTERS = (
    "sent",
    "delivered",
    "opened",
    "clicked",
    "unsubscribed",
    "bounced",
    "impressions",
    "clicks",
)


class ChannelMetric(WorkspaceOwned):
    """One campaign's numbers on one channel for one day (UTC).

    Email and SMS counts are recomputed from the messages; ad numbers come from the platform's
    report. Either way a sync or an import replaces the day's row, so running it twice is
    harmless. ``campaign`` is null for sends that belong to no campaign (an MQL handoff)."""

    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.CASCADE, related_name="metrics"
    )
    channel = models.CharField(max_length=32)
    day = models.DateField()
    sent = models.PositiveIntegerField(default=0)
    delivered = models.PositiveIntegerField(default=0)
    opened = models.PositiveIntegerField(default=0)
    clicked = models.PositiveIntegerField(default=0)
    unsubscribed = models.PositiveIntegerField(default=0)
    bounced = models.PositiveIntegerField(default=0)
    impressions = models.PositiveBigIntegerField(default=0)
    clicks = models.PositiveBigIntegerField(default=0)
    spend = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-day", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "campaign", "channel", "day"],
                nulls_distinct=False,
                name="metric_once_per_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.day}"

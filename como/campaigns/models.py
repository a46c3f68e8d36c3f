"""Campaigns and their channel metrics, per campaign, channel and day."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from como.channels.feeds import FEED_FIELD_NAME, FEED_FIELD_NAME_MAX
from como.workspaces.scoping import WorkspaceOwned, WorkspaceScopedQuerySet


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
    utm_campaigns = models.JSONField(
        default=list,
        blank=True,
        help_text="The utm_campaign values its links carry: people whose first touch of the "
        "campaign is an event with one of them count as its leads, on the channel of the "
        "event's utm_source and utm_medium.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="campaign_name_once")
        ]

    def __str__(self) -> str:
        return self.name


class TargetMetric(models.TextChoices):
    """What a campaign may aim at on a channel. The cost ones are ceilings (lower is better);
    the others are totals to reach by the campaign's end."""

    SPEND = "spend", "Spend (budget)"
    IMPRESSIONS = "impressions", "Impressions"
    CLICKS = "clicks", "Clicks"
    SENT = "sent", "Sent"
    OPENED = "opened", "Opened"
    LEADS = "leads", "Leads"
    MQLS = "mqls", "MQLs"
    COST_PER_LEAD = "cost_per_lead", "Cost per lead"
    COST_PER_MQL = "cost_per_mql", "Cost per MQL"


#: Targets that cap a ratio rather than a total to reach.
CEILINGS = frozenset({TargetMetric.COST_PER_LEAD, TargetMetric.COST_PER_MQL})


class CampaignTargetQuerySet(WorkspaceScopedQuerySet):
    workspace_lookup = "campaign__workspace_id"


class CampaignTarget(models.Model):
    """One figure a campaign aims at on one channel (its spend budget there, its MQLs…)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="targets")
    channel = models.CharField(max_length=32)
    metric = models.CharField(max_length=16, choices=TargetMetric.choices)
    value = models.DecimalField(max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])

    objects = CampaignTargetQuerySet.as_manager()

    class Meta:
        ordering = ["campaign", "channel", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "channel", "metric"], name="campaign_target_once"
            ),
            models.CheckConstraint(
                condition=models.Q(value__gte=0), name="campaign_target_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.metric} {self.value}"


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


class MetricSource(models.TextChoices):
    SYNC = "sync", "Synced from como's own log"
    IMPORT = "import", "Imported from the platform's report"


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
    #: On ad channels a sync replaces only synced rows: an imported report stays until it is
    #: imported again. Email and SMS are never imported (see campaigns.services).
    source = models.CharField(max_length=6, choices=MetricSource.choices, default=MetricSource.SYNC)
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


class Availability(models.TextChoices):
    """Google Merchant Center's values (Meta's catalogs accept the same)."""

    IN_STOCK = "in_stock", "In stock"
    OUT_OF_STOCK = "out_of_stock", "Out of stock"
    PREORDER = "preorder", "Preorder"
    BACKORDER = "backorder", "Backorder"


class Condition(models.TextChoices):
    NEW = "new", "New"
    REFURBISHED = "refurbished", "Refurbished"
    USED = "used", "Used"


def validate_feed_attributes(value: Any) -> None:
    """Attribute keys become feed columns (CSV header cells, XML elements): each must be a
    feed field name, so a key never starts a formula nor vanishes from the XML feed."""
    if not isinstance(value, dict):
        raise ValidationError("Give a JSON object of feed field names to values.")
    bad = [key for key in value if len(key) > FEED_FIELD_NAME_MAX or not FEED_FIELD_NAME.match(key)]
    if bad:
        shown = ", ".join(repr(key[:40]) for key in bad[:5])
        raise ValidationError(
            f"Not a feed field name: {shown}. A name starts with a letter or _ and holds only "
            f"letters, digits, _ . - (at most {FEED_FIELD_NAME_MAX} characters)."
        )


class CatalogItem(WorkspaceOwned):
    """A product in the workspace's catalog: one row of the generic ``catalog`` feed.

    ``item_id`` is the platform-facing id (Google's ``id``, Meta's ``id``/``retailer_id``) and
    must stay stable, since the platforms key their ads and statistics on it."""

    item_id = models.CharField(max_length=50, help_text="Stable id the platforms key on (SKU).")
    title = models.CharField(max_length=150)
    description = models.TextField(max_length=5000)
    url = models.URLField(max_length=2000, help_text="The product's landing page.")
    image_url = models.URLField(max_length=2000)
    price = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="USD", help_text="ISO 4217.")
    availability = models.CharField(
        max_length=12, choices=Availability.choices, default=Availability.IN_STOCK
    )
    condition = models.CharField(max_length=11, choices=Condition.choices, default=Condition.NEW)
    brand = models.CharField(max_length=70, blank=True)
    attributes = models.JSONField(
        default=dict,
        blank=True,
        validators=[validate_feed_attributes],
        help_text="Further feed fields by their feed name (gtin, color…): letters, digits, "
        "_ . -, starting with a letter or _.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["item_id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "item_id"], name="catalog_item_id_once")
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.title}"


class ConversionKind(models.TextChoices):
    OPPORTUNITY = "opportunity", "Opportunity"
    MQL = "mql", "MQL"


def _share() -> Any:
    return models.DecimalField(max_digits=16, decimal_places=15, default=0)


def _amount() -> Any:
    return models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)


class AttributionCredit(WorkspaceOwned):
    """One touch's credit for one conversion, under every model at once (a column pair each).

    Written only by :mod:`como.campaigns.attribution.store` (set-based, per batch of
    conversions; a recompute replaces a conversion's rows). One row per counted touch rather
    than one per touch and model: the models count the same touches (a position-based model
    gives those after its last milestone 0), so this is an eighth of the rows to write, and a
    report reads every model side by side in one pass. A model's share is its exact fraction
    rounded half-up to 15 places (credit.py's Fractions can need more: time decay's are powers
    of two); its amount is the conversion's amount split to the cent (money.allocate), so the
    amounts of a conversion sum to it exactly. MQLs have no amount.

    A full recompute writes a row per touch (a million for bench/attribution.py), so the
    table keeps only what a row costs to write: no database foreign keys (PostgreSQL checks
    each one per row at commit: more than the rest of the write; only store.py writes here,
    with ids it read in the same transaction, and Django's collector still cascades and nulls
    on delete) and three indexes besides the key, each serving a reader: the reports'
    (workspace, kind, converted_at), a recompute's delete by opportunity or by MQL move
    (partial: a row has one of the two), and a campaign's delete (SET_NULL).
    """

    workspace = models.ForeignKey(
        "workspaces.Workspace",
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,  # credit_converted leads with it
    )

    kind = models.CharField(max_length=11, choices=ConversionKind.choices)
    opportunity = models.ForeignKey(
        "deals.Opportunity",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,  # credit_opportunity
    )
    transition = models.ForeignKey(
        "leads.LifecycleTransition",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The contact's move to MQL, for an MQL conversion.",
        db_constraint=False,
        db_index=False,  # credit_transition
    )
    converted_at = models.DateTimeField()
    #: The touch: an event's id (not a foreign key: an erased event leaves its credit).
    event_id = models.BigIntegerField()
    contact_id = models.BigIntegerField()
    touch_at = models.DateTimeField()
    touch_type = models.CharField(max_length=16)
    channel = models.CharField(max_length=32)
    campaign = models.ForeignKey(
        Campaign,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    first_touch = _share()
    first_touch_amount = _amount()
    last_touch = _share()
    last_touch_amount = _amount()
    last_non_direct = _share()
    last_non_direct_amount = _amount()
    linear = _share()
    linear_amount = _amount()
    u_shaped = _share()
    u_shaped_amount = _amount()
    w_shaped = _share()
    w_shaped_amount = _amount()
    full_path = _share()
    full_path_amount = _amount()
    time_decay = _share()
    time_decay_amount = _amount()

    class Meta:
        ordering = ["converted_at", "touch_at", "event_id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="opportunity", opportunity__isnull=False)
                | models.Q(kind="mql", transition__isnull=False),
                name="attribution_credit_names_its_conversion",
            )
        ]
        indexes = [
            models.Index(fields=["workspace", "kind", "converted_at"], name="credit_converted"),
            models.Index(
                fields=["opportunity"],
                name="credit_opportunity",
                condition=models.Q(opportunity__isnull=False),
            ),
            models.Index(
                fields=["transition"],
                name="credit_transition",
                condition=models.Q(transition__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} credit of event {self.event_id}"


class AttributionRun(WorkspaceOwned):
    """A recompute of a workspace's stored credit: what it covered, with which settings, and
    how far it got (the management command's and the settings hook's record)."""

    scope = models.CharField(max_length=16, help_text="all, or opportunities")
    settings = models.JSONField(help_text="The attribution settings it used.")
    conversions = models.PositiveIntegerField(default=0)
    rows = models.PositiveBigIntegerField(default=0)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"attribution {self.scope} at {self.started_at:%Y-%m-%d %H:%M}"

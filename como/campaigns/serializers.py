"""API shapes of campaigns, their metrics and report imports. Types and shapes only; the
rules that need the database live in :mod:`como.campaigns.services`."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from como.workspaces.validators import validate_day

from .models import Campaign, CampaignTarget, ChannelMetric, TargetMetric
from .selectors.performance import MAX_DAYS


class CampaignTargetSerializer(serializers.ModelSerializer):
    metric = serializers.ChoiceField(choices=TargetMetric.choices)
    value = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)

    class Meta:
        model = CampaignTarget
        fields = ["channel", "metric", "value"]


class CampaignSerializer(serializers.ModelSerializer):
    workspace = serializers.CharField(
        source="workspace.slug", read_only=True, help_text="The workspace's slug."
    )
    channels = serializers.ListField(
        child=serializers.CharField(max_length=32),
        required=False,
        help_text="Keys of the channels it runs on (email, sms, paid_search, …).",
    )
    utm_campaigns = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        max_length=100,
        help_text="utm_campaign values its links carry; their touches count as its leads.",
    )
    targets = CampaignTargetSerializer(
        many=True,
        required=False,
        max_length=200,  # type: ignore[call-arg]  # ListSerializer takes it (DRF ≥ 3.14)
        help_text="What it aims at per channel; a write replaces them all.",
    )

    class Meta:
        model = Campaign
        fields = [
            "id",
            "workspace",
            "name",
            "status",
            "channels",
            "starts_on",
            "ends_on",
            "budget",
            "utm_campaigns",
            "targets",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "workspace", "created_at", "updated_at"]


class MetricRowSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChannelMetric
        fields = [
            "day",
            "channel",
            "sent",
            "delivered",
            "opened",
            "clicked",
            "unsubscribed",
            "bounced",
            "impressions",
            "clicks",
            "spend",
            "source",
        ]


class MetricTotalsSerializer(serializers.Serializer):
    sent = serializers.IntegerField()
    delivered = serializers.IntegerField()
    opened = serializers.IntegerField()
    clicked = serializers.IntegerField()
    unsubscribed = serializers.IntegerField()
    bounced = serializers.IntegerField()
    impressions = serializers.IntegerField()
    clicks = serializers.IntegerField()
    spend = serializers.DecimalField(max_digits=16, decimal_places=2)


class CampaignRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CampaignMetricsSerializer(serializers.Serializer):
    campaign = CampaignRefSerializer()
    rows = MetricRowSerializer(many=True)
    totals = MetricTotalsSerializer()


class MetricsQuerySerializer(serializers.Serializer):
    since = serializers.DateField(required=False, help_text="First day (YYYY-MM-DD), inclusive.")
    until = serializers.DateField(required=False, help_text="Last day (YYYY-MM-DD), inclusive.")
    channel = serializers.CharField(required=False, allow_blank=True, max_length=32)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        since, until = attrs.get("since"), attrs.get("until")
        if since and until and until < since:
            raise serializers.ValidationError({"until": ["Is before since."]})
        return attrs


class ReportRowSerializer(serializers.Serializer):
    """One row as given: parsed and checked by the import, so a bad one is reported by its
    number rather than rejecting the whole request."""

    date = serializers.CharField()
    campaign = serializers.CharField()
    impressions = serializers.CharField()
    clicks = serializers.CharField()
    spend = serializers.CharField()


class MetricsImportSerializer(serializers.Serializer):
    channel = serializers.CharField(max_length=32, help_text="paid_search, paid_social, …")
    file = serializers.FileField(
        required=False, help_text="A report CSV: date, campaign, impressions, clicks, spend."
    )
    rows = serializers.ListField(child=serializers.DictField(), required=False, max_length=100_000)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("file" in attrs) == ("rows" in attrs):
            raise serializers.ValidationError({"file": ["Give either a CSV file or rows."]})
        return attrs


class ImportRowResultSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["stored", "error"])
    errors = serializers.DictField(child=serializers.CharField(), required=False)  # type: ignore[assignment]


class MetricsImportResultSerializer(serializers.Serializer):
    channel = serializers.CharField()
    stored = serializers.IntegerField()
    errors = serializers.IntegerField()  # type: ignore[assignment]
    metrics = serializers.IntegerField(help_text="Campaign-days written.")
    rows = ImportRowResultSerializer(many=True)


class PerformanceQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(
        required=False, default=30, min_value=1, max_value=MAX_DAYS, help_text="Days shown."
    )
    until = serializers.DateField(
        required=False,
        validators=[validate_day],
        help_text="Last day shown (YYYY-MM-DD, UTC); today by default.",
    )


class ChannelFiguresSerializer(serializers.Serializer):
    channel = serializers.CharField()
    sent = serializers.IntegerField()
    delivered = serializers.IntegerField()
    opened = serializers.IntegerField()
    clicked = serializers.IntegerField()
    impressions = serializers.IntegerField()
    clicks = serializers.IntegerField()
    spend = serializers.DecimalField(max_digits=16, decimal_places=2)
    leads = serializers.IntegerField()
    mqls = serializers.IntegerField()
    ctr = serializers.DecimalField(max_digits=12, decimal_places=4, allow_null=True)
    open_rate = serializers.DecimalField(max_digits=12, decimal_places=4, allow_null=True)
    cost_per_lead = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    cost_per_mql = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    share_of_spend = serializers.DecimalField(max_digits=12, decimal_places=4, allow_null=True)


class PaceSerializer(serializers.Serializer):
    starts_on = serializers.DateField(allow_null=True)
    ends_on = serializers.DateField(allow_null=True)
    as_of = serializers.DateField()
    elapsed = serializers.DecimalField(max_digits=6, decimal_places=4, allow_null=True)


class TargetProgressSerializer(serializers.Serializer):
    channel = serializers.CharField()
    metric = serializers.CharField()
    title = serializers.CharField(help_text="The metric's name, for people.")
    target = serializers.DecimalField(max_digits=14, decimal_places=2)
    actual = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True)
    progress = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True)
    expected = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    on_track = serializers.BooleanField(allow_null=True)
    ceiling = serializers.BooleanField(help_text="A cost that must stay at or under the target.")


class DailySeriesSerializer(serializers.Serializer):
    channel = serializers.CharField()
    sent = serializers.ListField(child=serializers.IntegerField())
    delivered = serializers.ListField(child=serializers.IntegerField())
    opened = serializers.ListField(child=serializers.IntegerField())
    clicked = serializers.ListField(child=serializers.IntegerField())
    impressions = serializers.ListField(child=serializers.IntegerField())
    clicks = serializers.ListField(child=serializers.IntegerField())
    spend = serializers.ListField(child=serializers.DecimalField(max_digits=16, decimal_places=2))
    leads = serializers.ListField(child=serializers.IntegerField())
    mqls = serializers.ListField(child=serializers.IntegerField())


_PERFORMANCE = ("campaign", "since", "until", "days", "channels", "total", "pace", "targets")


class CampaignPerformanceSerializer(serializers.Serializer):
    campaign = CampaignRefSerializer()
    since = serializers.DateField()
    until = serializers.DateField()
    days = serializers.ListField(child=serializers.DateField())
    series = DailySeriesSerializer(many=True, help_text="Per channel, one value per day.")
    channels = ChannelFiguresSerializer(many=True, help_text="Per channel over the days shown.")
    total = ChannelFiguresSerializer()
    pace = PaceSerializer()
    targets = TargetProgressSerializer(many=True, help_text="From the campaign's start.")

    def to_representation(self, instance: Any) -> Any:
        series = [{"channel": c, **figures} for c, figures in instance.series.items()]
        return super().to_representation(
            {**{name: getattr(instance, name) for name in _PERFORMANCE}, "series": series}
        )

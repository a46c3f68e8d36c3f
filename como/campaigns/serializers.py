"""API shapes of campaigns, their metrics and report imports. Types and shapes only; the
rules that need the database live in :mod:`como.campaigns.services`."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from .models import Campaign, ChannelMetric


class CampaignSerializer(serializers.ModelSerializer):
    workspace = serializers.CharField(
        source="workspace.slug", read_only=True, help_text="The workspace's slug."
    )
    channels = serializers.ListField(
        child=serializers.CharField(max_length=32),
        required=False,
        help_text="Keys of the channels it runs on (email, sms, paid_search, …).",
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

"""The dashboard API's query and answer."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from .panels import DEFAULT_DAYS, PERIODS


class DashboardQuerySerializer(serializers.Serializer):
    days = serializers.ChoiceField(
        choices=PERIODS, required=False, default=DEFAULT_DAYS, help_text="The period in days."
    )
    workspace = serializers.SlugField(
        required=False, help_text="The workspace (by slug); needed if you may view several."
    )


class DashboardWorkspaceSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    vertical = serializers.CharField()


class DashboardSerializer(serializers.Serializer):
    workspace = DashboardWorkspaceSerializer()
    days = serializers.IntegerField()
    panels = serializers.DictField(
        child=serializers.DictField(),
        help_text="Each dashboard panel's figures by panel key, as the page shows them.",
    )

    def to_representation(self, instance: Any) -> Any:
        # The figures are plain JSON already (como.console.panels); passed through as they are.
        data = super().to_representation(instance)
        data["panels"] = instance["panels"]
        return data

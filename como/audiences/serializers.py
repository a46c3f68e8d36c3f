"""Serializers of the audiences API: translate; the services validate the rule."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from como.workspaces.serializer_fields import JSONField

from .models import SavedAudience


class AudienceSerializer(serializers.ModelSerializer[SavedAudience]):
    rule = JSONField(
        help_text="Criteria that must all hold: stages, score_at_least, score_below, event "
        "{type, within_days, properties}, consented (channels), countries, attributes."
    )

    class Meta:
        model = SavedAudience
        fields = ["id", "name", "description", "rule", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


class PreviewContactSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    email = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    lifecycle_stage = serializers.CharField()
    country = serializers.CharField()


class PreviewSerializer(serializers.Serializer[Any]):
    count = serializers.IntegerField(help_text="How many contacts are in the audience now.")
    sample = PreviewContactSerializer(many=True, help_text="The most recently seen few.")

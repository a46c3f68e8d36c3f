"""API shapes of scores, scoring model versions and their re-score runs."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from como.leads.ranking import SCORE_DECIMALS
from como.workspaces.api_base import AwareDateTimeField
from como.workspaces.serializer_fields import JSONField

from .models import RescoreRun, ScoringModel

#: Scores are shown rounded to this many decimals (half to even); the engine's numbers, and
#: ``is_mql``, are exact.
DISPLAY_DECIMALS = SCORE_DECIMALS


class ScoreQuerySerializer(serializers.Serializer):
    at = AwareDateTimeField(
        required=False, help_text="The instant to score at (ISO 8601 with offset); default now."
    )
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text="Explain with this version of the workspace's model; default the active one.",
    )


class BreakdownItemSerializer(serializers.Serializer):
    rule = serializers.CharField(help_text="The rule's key in the model.")
    kind = serializers.ChoiceField(choices=["fit", "intent"])
    points = serializers.FloatField(
        help_text="Fit points as is; intent points summed over the rule's counted events and "
        "decayed to `at`."
    )


class ContactScoreSerializer(serializers.Serializer):
    contact = serializers.IntegerField(help_text="The contact's id.")
    at = serializers.DateTimeField(help_text="The instant scored, in UTC.")
    score = serializers.FloatField(help_text="fit + intent.")
    fit = serializers.FloatField(help_text="Attribute points; fit never decays.")
    intent = serializers.FloatField(help_text="Behaviour points, decayed continuously to `at`.")
    threshold = serializers.FloatField(help_text="The model's MQL threshold.")
    min_fit = serializers.FloatField(
        allow_null=True, help_text="The minimum fit an MQL needs, if the model sets one."
    )
    is_mql = serializers.BooleanField(
        help_text="score >= threshold (and fit >= min_fit), decided on the exact numbers."
    )
    stage = serializers.CharField(help_text="The contact's lifecycle stage now.")
    model_version = serializers.IntegerField(help_text="The model version that scored.")
    breakdown = BreakdownItemSerializer(many=True)


class ScoringModelSerializer(serializers.ModelSerializer):
    workspace = serializers.CharField(
        source="workspace.slug", read_only=True, help_text="The workspace's slug."
    )
    created_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    definition = JSONField(
        read_only=True, help_text="The model's rules (see the scoring rule language)."
    )

    class Meta:
        model = ScoringModel
        fields = [
            "id",
            "workspace",
            "version",
            "is_active",
            "definition",
            "note",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class RescoreRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = RescoreRun
        fields = ["id", "status", "total", "done"]
        read_only_fields = fields


class ScoringModelCreatedSerializer(ScoringModelSerializer):
    """A new version, with the background re-score its activation started."""

    rescore_run = RescoreRunSerializer(
        source="rescore_runs.first",
        read_only=True,
        allow_null=True,
        help_text="Re-scoring the workspace's contacts with this version, in the background; "
        "null when the version replaced no active one (not activated, or the first).",
    )

    class Meta(ScoringModelSerializer.Meta):
        fields = [*ScoringModelSerializer.Meta.fields, "rescore_run"]
        read_only_fields = fields


class ScoringModelCreateSerializer(serializers.Serializer):
    definition = JSONField(
        help_text="The whole model: threshold, min_fit, decay, market, fit and intent rules. "
        "Errors name the rule path, e.g. intent[2].cap.per_days."
    )
    note = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default="", help_text="What changed."
    )
    activate = serializers.BooleanField(
        required=False, default=True, help_text="Make the new version the active one."
    )

"""The DMS imports API's shapes: the upload, and the report an import answers with."""

from __future__ import annotations

from rest_framework import serializers

from ..inventory.importing.serializers import ImportErrorSerializer
from .models import DmsImport
from .presets import BY_KEY, DmsKind


class DmsImportUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DmsKind.choices)
    rooftop = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    file = serializers.FileField(allow_empty_file=True, help_text="The CSV export (multipart).")
    preset = serializers.ChoiceField(
        choices=["", *BY_KEY], required=False, default="", help_text="Blank: recognise."
    )


class DmsCountsSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    duplicate = serializers.IntegerField()
    rejected = serializers.IntegerField()
    ownerships = serializers.IntegerField()
    opportunities = serializers.IntegerField(
        required=False, help_text="Won opportunities created or updated from the deals."
    )


class DmsImportSerializer(serializers.ModelSerializer):
    counts = DmsCountsSerializer(read_only=True)
    errors = ImportErrorSerializer(many=True, read_only=True)  # type: ignore[assignment]

    class Meta:
        model = DmsImport
        fields = [
            "id",
            "kind",
            "rooftop",
            "preset",
            "file_name",
            "counts",
            "errors",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

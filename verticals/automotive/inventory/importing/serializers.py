"""The imports API's shapes: the upload, and the report an import answers with."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from como.workspaces.column_limits import column_max_length

from ..models import InventoryImport


class InventoryImportUploadSerializer(serializers.Serializer):
    rooftop = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    file = serializers.FileField(
        required=False, allow_empty_file=True, help_text="The feed file (multipart)."
    )
    content = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="The feed's text, instead of a file (a JSON body; UTF-8).",
    )
    file_name = serializers.CharField(
        required=False,
        max_length=column_max_length(InventoryImport, "file_name"),
        allow_blank=True,
    )
    format = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=column_max_length(InventoryImport, "format_key"),
        help_text="A format key; blank: recognise.",
    )
    full = serializers.BooleanField(
        default=False, help_text="The file lists the whole inventory: missing vehicles are removed."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("file" in attrs) == ("content" in attrs):
            raise serializers.ValidationError({"file": ["Give either a file or content."]})
        return attrs


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The row number in the file; 0: the whole file.")
    field = serializers.CharField(help_text="The canonical field, or blank for the row.")
    message = serializers.CharField()


class ImportCountsSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    changed = serializers.IntegerField()
    sold = serializers.IntegerField()
    removed = serializers.IntegerField()
    returned = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rejected = serializers.IntegerField()


class InventoryImportSerializer(serializers.ModelSerializer):
    format = serializers.CharField(source="format_key", read_only=True)
    counts = ImportCountsSerializer(read_only=True)
    errors = ImportErrorSerializer(many=True, read_only=True)  # type: ignore[assignment]
    phases = serializers.DictField(child=serializers.FloatField(), read_only=True)
    held_removals = serializers.ListField(child=serializers.IntegerField(), read_only=True)

    class Meta:
        model = InventoryImport
        fields = [
            "id",
            "status",
            "rooftop",
            "source",
            "full",
            "format",
            "file_name",
            "counts",
            "errors",
            "phases",
            "progress",
            "message",
            "held_removals",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

"""Serializers of the sequences API: translate; the services validate the program."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from como.workspaces.serializer_fields import JSONField

from .models import ReEntry, Sequence, SequenceMember, SequenceVersion
from .selectors import member_progress


class VersionSerializer(serializers.ModelSerializer[SequenceVersion]):
    class Meta:
        model = SequenceVersion
        fields = ["id", "number", "state", "program", "approving_action", "approved_at"]
        read_only_fields = fields


class SequenceSerializer(serializers.ModelSerializer[Sequence]):
    versions = VersionSerializer(many=True, read_only=True)
    program = JSONField(write_only=True, help_text="Trigger, steps and exits.")
    re_entry = serializers.ChoiceField(choices=ReEntry.choices, default=ReEntry.NEVER)

    class Meta:
        model = Sequence
        fields = [
            "id",
            "key",
            "name",
            "re_entry",
            "default_key",
            "enabled",
            "created_at",
            "versions",
            "program",
        ]
        read_only_fields = ["id", "default_key", "enabled", "created_at", "versions"]


class ProgramSerializer(serializers.Serializer[Any]):
    program = JSONField(help_text="The edited program: a new draft version.")


class MemberSerializer(serializers.ModelSerializer[SequenceMember]):
    contact_name = serializers.CharField(source="contact.__str__", read_only=True)
    version_number = serializers.IntegerField(source="version.number", read_only=True)
    progress = serializers.SerializerMethodField()

    class Meta:
        model = SequenceMember
        fields = [
            "id",
            "sequence",
            "contact",
            "contact_name",
            "version_number",
            "subject",
            "state",
            "current_step",
            "next_due_at",
            "exit_reason",
            "entered_at",
            "ended_at",
            "progress",
        ]
        read_only_fields = fields

    def get_progress(self, member: SequenceMember) -> list[dict[str, Any]]:
        return member_progress(member)


class EnrolSerializer(serializers.Serializer[Any]):
    contact_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)

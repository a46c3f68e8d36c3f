"""DRF serializers: reading events back, and documenting the ingest response.

The ingest request is validated by :mod:`como.ingest.schema` (pydantic), not here.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from como.leads.models import Event


class UtmSerializer(serializers.Serializer[Any]):
    source = serializers.CharField(source="utm_source")
    medium = serializers.CharField(source="utm_medium")
    campaign = serializers.CharField(source="utm_campaign")
    term = serializers.CharField(source="utm_term")
    content = serializers.CharField(source="utm_content")


class EventSerializer(serializers.ModelSerializer[Event]):
    id = serializers.CharField(source="event_id", help_text="The sender's id for the event.")
    utm = UtmSerializer(source="*")

    class Meta:
        model = Event
        fields = [
            "id",
            "type",
            "contact",
            "occurred_at",
            "received_at",
            "source",
            "properties",
            "utm",
        ]
        read_only_fields = fields


class EventResultSerializer(serializers.Serializer[Any]):
    index = serializers.IntegerField(help_text="Position of the event in the request.")
    id = serializers.CharField(allow_null=True, help_text="The event's id, when it had one.")
    status = serializers.ChoiceField(choices=["created", "duplicate", "rejected"])
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text='Only when rejected: messages by dotted field path, e.g. "contact.email".',
    )


class EventIngestResponseSerializer(serializers.Serializer[Any]):
    results = EventResultSerializer(many=True, help_text="One per event, in request order.")
    created = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    rejected = serializers.IntegerField()

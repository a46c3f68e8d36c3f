"""The shape of the ingest response.

The ingest request is validated by :mod:`como.ingest.schema` (pydantic), not by a serializer,
and its response is built as plain dicts of the ``TypedDict`` shapes below, which also document
it. Events are read back with :class:`como.leads.serializers.EventSerializer`, the same
representation as a contact's timeline.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired

from pydantic import TypeAdapter
from typing_extensions import TypedDict

from .openapi import AdapterDoc


class EventResultOut(TypedDict):
    index: int
    id: str | None
    status: Literal["created", "duplicate", "rejected"]
    errors: NotRequired[dict[str, list[str]]]


class EventIngestResponse(TypedDict):
    results: list[EventResultOut]
    created: int
    duplicates: int
    rejected: int


EVENT_INGEST_RESPONSE_DOC = AdapterDoc(
    "EventIngestResponse", TypeAdapter(EventIngestResponse), mode="serialization"
)
ERRORS_DOC: dict[str, Any] = {
    "type": "object",
    "description": 'Messages by dotted field path, e.g. {"contact.email": ["…"]}, '
    'or {"detail": "…"} when the body as a whole is wrong.',
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
    "properties": {"detail": {"type": "string"}},
}


class CollectResponse(TypedDict):
    id: str
    status: Literal["accepted"]


COLLECT_RESPONSE_DOC = AdapterDoc(
    "EventCollectResponse", TypeAdapter(CollectResponse), mode="serialization"
)

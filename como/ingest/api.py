"""``/api/v1/events``: ingest one event or a batch (POST), list the caller's events (GET).

The POST body is read and parsed here (``pydantic_core.from_json``) instead of through DRF's
parsers and serializers: at 1,000 events per request those dominate the cost. DRF still does
authentication, permissions, routing and the OpenAPI schema.

Status codes of POST:

* 200 — every event was created or a duplicate;
* 207 Multi-Status — a batch in which at least one event was rejected (the valid ones are
  stored; each result says what happened to its event);
* 400 — the body is not JSON, has the wrong shape, is an empty or over-long batch, or is a single
  event that was rejected (answered with its field errors, as DRF answers a rejected object);
* 413 — the body is larger than :data:`MAX_BODY_BYTES`; 415 — it is not JSON;
* 429 — the key's ``COMO_RATE_INGEST_EVENTS`` would be passed by this request's events (nothing
  of it is stored; ``Retry-After`` says when to send it again).

``POST /api/v1/events/collect`` takes one event and answers 202 once it is durably accepted
(:mod:`como.ingest.buffer`): the same validation and 4xx answers, but stored and scored by
the drain within seconds instead of before the answer. It is charged only to the key's event
rate (one event), not to ``COMO_RATE_API``: a site's tracking snippet sends one request per
event, and its events are what the key's budget counts.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.utils import timezone
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from pydantic import Field, TypeAdapter
from pydantic_core import to_json
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from typing_extensions import TypedDict

from como import jsonsafe
from como.leads.filters import IdFilter
from como.leads.models import Event
from como.leads.serializers import EventSerializer
from como.workspaces.api_base import WorkspaceScopedViewSet, target_workspace
from como.workspaces.pagination import StrictCursorPagination
from como.workspaces.parsers import LenientJSONParser
from como.workspaces.throttling import ingest_charge

from .buffer import event_accept
from .openapi import AdapterDoc
from .schema import OUT_OF_UTC_RANGE, EventIn, event_adapter, event_validate
from .serializers import (
    COLLECT_RESPONSE_DOC,
    ERRORS_DOC,
    EVENT_INGEST_RESPONSE_DOC,
    EventIngestResponse,
    EventResultOut,
)
from .services import EventResult, events_ingest

#: 1,000 events with properties near their 8 KiB cap, plus the envelope.
MAX_BODY_BYTES = 10 * 1024 * 1024
SOURCE = "api"


class EventBatch(TypedDict):
    """Up to ``COMO_INGEST_MAX_BATCH`` events in one request."""

    events: Annotated[list[EventIn], Field(min_length=1, max_length=settings.COMO_INGEST_MAX_BATCH)]


_REQUEST_DOC = AdapterDoc("EventIngest", TypeAdapter(EventIn | EventBatch))
_COLLECT_DOC = AdapterDoc("EventCollect", event_adapter)
#: What a 202 of ``collect`` promises, in the schema and the README.
DRAIN_PROMISE_SECONDS = 5


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 timestamp, converted to UTC.

    PostgreSQL rejects offsets beyond 15:59, which Python (up to 23:59) parses; in UTC every
    instant Python can hold is one PostgreSQL can compare.
    """

    def to_python(self, value: Any) -> datetime | None:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(UTC)
        except OverflowError:  # 0001-01-01T00:00+05:00 is before the first UTC datetime
            raise DjangoValidationError(OUT_OF_UTC_RANGE, code="invalid") from None


class UtcIsoDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class EventFilter(filters.FilterSet):
    contact = IdFilter(field_name="contact_id", help_text="A contact's id.")
    type = filters.CharFilter(field_name="type")
    occurred_after = UtcIsoDateTimeFilter(
        field_name="occurred_at", lookup_expr="gte", help_text="Inclusive, ISO 8601."
    )
    occurred_before = UtcIsoDateTimeFilter(
        field_name="occurred_at", lookup_expr="lt", help_text="Exclusive, ISO 8601."
    )

    class Meta:
        model = Event
        fields: list[str] = []


class EventCursorPagination(StrictCursorPagination):
    ordering = ("-occurred_at", "-id")  # newest first
    page_size = 100
    page_size_query_param = "limit"
    max_page_size = 1000


@extend_schema_view(
    list=extend_schema(summary="List events", description="The caller's events, newest first.")
)
class EventViewSet(mixins.ListModelMixin, WorkspaceScopedViewSet):
    queryset = Event.objects.all()
    serializer_class = EventSerializer
    pagination_class = EventCursorPagination
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = EventFilter
    parser_classes = [LenientJSONParser]  # documents the media type; the body is parsed in create()

    @extend_schema(
        summary="Ingest events",
        description=(
            'One event object, or `{"events": [...]}` with up to '
            f"{settings.COMO_INGEST_MAX_BATCH}. Each event is answered in request order: "
            "`created`, `duplicate` (its `id` is already stored, or repeats an earlier event "
            "of the batch: stored once, never twice) or `rejected` with field errors. Valid "
            "events are stored even when others are rejected. 200 when nothing was rejected, "
            "207 when some events of a batch were; a single rejected event answers 400 with "
            "its field errors."
        ),
        request={"application/json": _REQUEST_DOC},
        responses={
            200: OpenApiResponse(EVENT_INGEST_RESPONSE_DOC, description="Nothing rejected."),
            207: OpenApiResponse(
                EVENT_INGEST_RESPONSE_DOC,
                description="A batch in which some events were rejected; see each result.",
            ),
            400: OpenApiResponse(
                ERRORS_DOC,
                description="Malformed body or batch, or a single event that was rejected.",
            ),
            413: OpenApiResponse(ERRORS_DOC, description="Body too large."),
            415: OpenApiResponse(ERRORS_DOC, description="Body is not JSON."),
            429: OpenApiResponse(
                ERRORS_DOC,
                description="Over the key's event rate; nothing stored, see Retry-After.",
            ),
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        workspace = target_workspace(request)
        payload = _parse(request)
        if isinstance(payload, dict) and "events" in payload:
            events = _batch(payload)
            ingest_charge(request, events=len(events))
            results = events_ingest(workspace=workspace, events=events, source=SOURCE)
            body = results_envelope(results)
            partial = body["rejected"] > 0
            return _answer(body, status.HTTP_207_MULTI_STATUS if partial else status.HTTP_200_OK)
        if not isinstance(payload, dict):
            raise exceptions.ValidationError(
                {"detail": 'Send one event object or {"events": [...]}.'}
            )
        ingest_charge(request, events=1)
        (result,) = events_ingest(workspace=workspace, events=[payload], source=SOURCE)
        if result.status == "rejected":
            return Response(result.errors, status=status.HTTP_400_BAD_REQUEST)
        return _answer(results_envelope([result]), status.HTTP_200_OK)

    @extend_schema(
        summary="Collect one event (buffered)",
        description=(
            "One event object, validated as `POST /api/v1/events` validates it (a rejected "
            "event answers 400 with its field errors). 202 means accepted: the event is "
            "committed to a durable buffer in PostgreSQL and will be stored and scored within "
            f"{DRAIN_PROMISE_SECONDS} s by the ingest drain (about 1 s at p99 when it keeps "
            "up); it is idempotent by its `id`, so a retry after a lost answer is stored "
            "once. Nothing is said about `created` or `duplicate`: read the event back, or "
            "use `POST /api/v1/events` for a synchronous answer. Charged to the key's event "
            "rate only."
        ),
        request={"application/json": _COLLECT_DOC},
        responses={
            202: OpenApiResponse(COLLECT_RESPONSE_DOC, description="Accepted: will be stored."),
            400: OpenApiResponse(
                ERRORS_DOC, description="Malformed body, or an event that was rejected."
            ),
            413: OpenApiResponse(ERRORS_DOC, description="Body too large."),
            415: OpenApiResponse(ERRORS_DOC, description="Body is not JSON."),
            429: OpenApiResponse(
                ERRORS_DOC,
                description="Over the key's event rate; nothing accepted, see Retry-After.",
            ),
        },
    )
    @action(detail=False, methods=["post"], url_path="collect", throttle_classes=[])
    def collect(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        workspace = target_workspace(request)
        body = _read(request)
        payload = _loads(body)
        if not isinstance(payload, dict) or "events" in payload:
            raise exceptions.ValidationError(
                {"detail": "Send one event object; batches go to POST /api/v1/events."}
            )
        accepted_at = timezone.now()
        event, errors = event_validate(payload, now=accepted_at)
        if event is None:
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        ingest_charge(request, events=1)
        event_accept(workspace=workspace, payload=body, source=SOURCE, accepted_at=accepted_at)
        return Response({"id": event["id"], "status": "accepted"}, status=202)


def _answer(body: EventIngestResponse, status_code: int) -> HttpResponse:
    """The ingest answer as JSON, encoded by pydantic_core: a batch's answer holds a result per
    event (1,000), which DRF's renderer (the json module) takes several times longer to encode.
    The body is plain data, the bytes are what the renderer would give (compact, UTF-8)."""
    return HttpResponse(to_json(body), status=status_code, content_type="application/json")


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = f"The body is larger than {MAX_BODY_BYTES} bytes."
    default_code = "payload_too_large"


def _parse(request: Request) -> Any:
    return _loads(_read(request))


def _read(request: Request) -> bytes:
    media_type = (request.content_type or "").split(";", 1)[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise exceptions.UnsupportedMediaType(media_type or "(none)")
    declared = request.META.get("CONTENT_LENGTH") or "0"
    # 20 digits already exceed the cap, and int() of thousands of digits raises.
    if declared.isascii() and declared.isdigit() and int(declared[:20]) > MAX_BODY_BYTES:
        raise PayloadTooLarge()
    # Read the stream ourselves: Django's request.body stops at DATA_UPLOAD_MAX_MEMORY_SIZE
    # (2.5 MB), less than a full batch may need.
    stream = request.stream
    body = stream.read(MAX_BODY_BYTES + 1) if stream is not None else b""
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLarge()
    return body


def _loads(body: bytes) -> Any:
    if not body.strip():
        raise exceptions.ValidationError({"detail": "The body is empty; send JSON."})
    try:
        # Values that cannot be stored (NaN, lone surrogates, …) are judged per event.
        return jsonsafe.loads(body)
    except jsonsafe.JSONSyntaxError as error:
        raise exceptions.ValidationError({"detail": f"Malformed JSON: {error}"}) from None


def _batch(payload: dict[str, Any]) -> list[Any]:
    extra = sorted(set(payload) - {"events"})
    if extra:
        raise exceptions.ValidationError(
            {key: ["Unexpected next to events; put fields inside each event."] for key in extra}
        )
    events = payload["events"]
    if not isinstance(events, list):
        raise exceptions.ValidationError({"events": ["Must be a list of event objects."]})
    if not events:
        raise exceptions.ValidationError({"events": ["Send at least one event."]})
    limit = settings.COMO_INGEST_MAX_BATCH
    if len(events) > limit:
        raise exceptions.ValidationError(
            {"events": [f"At most {limit} events per request (got {len(events)}); split it."]}
        )
    return events


def results_envelope(results: list[EventResult]) -> EventIngestResponse:
    counts = {"created": 0, "duplicate": 0, "rejected": 0}
    items: list[EventResultOut] = []
    for result in results:
        counts[result.status] += 1
        item: EventResultOut = {"index": result.index, "id": result.id, "status": result.status}
        if result.errors is not None:
            item["errors"] = result.errors
        items.append(item)
    return {
        "results": items,
        "created": counts["created"],
        "duplicates": counts["duplicate"],
        "rejected": counts["rejected"],
    }

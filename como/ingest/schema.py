"""The shape of one incoming event, validated with pydantic v2.

This is the ingest hot path's validator. DRF serializers manage ~6k events/s per core
(docs/architecture.md, "Hot paths"); pydantic models ~60k/s here, pydantic ``TypedDict``
adapters several times that because no model instance is built per event, so the shapes are
``TypedDict``\\ s.
The same adapter documents the endpoint in the OpenAPI schema (:mod:`como.ingest.openapi`), so
the docs cannot drift from what is enforced. String limits are read from the Django model
fields the values end up in.

Errors are reported per event as ``{"dotted.path": ["message", ...]}``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Annotated, Any, NotRequired

from django.core.exceptions import ValidationError as DjangoValidationError
from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    with_config,
)
from pydantic_core import PydanticCustomError, to_json
from typing_extensions import TypedDict

from como import jsonsafe
from como.leads.models import AnonymousId, Contact, Event
from como.leads.normalize import normalize_email

#: How far ahead of the receiving clock ``occurred_at`` may be (clock skew, not time travel).
FUTURE_TOLERANCE = timedelta(days=1)
#: A timestamp whose offset pushes it past year 1 or 9999 in UTC.
OUT_OF_UTC_RANGE = "Out of range once converted to UTC."
#: The size of ``properties`` encoded as JSON. Events describe a moment, not a document.
MAX_PROPERTIES_BYTES = 8 * 1024
EVENT_TYPE_PATTERN = r"^[a-z0-9][a-z0-9_.:\-]*$"
#: PostgreSQL text cannot hold NUL: reject it per field rather than fail the whole batch later.
NO_NUL = r"^[^\x00]*$"
_PATTERN_MESSAGES = {
    EVENT_TYPE_PATTERN: "Use a lowercase token of letters, digits and _ . : - "
    "(for example page_view).",
    NO_NUL: "Must not contain the NUL character.",
}
UTM_PARTS = ("source", "medium", "campaign", "term", "content")
#: The key of errors that belong to the event as a whole (DRF's name for it).
NON_FIELD = "non_field_errors"

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)
_ESCAPED_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def _max(model: Any, field: str) -> int:
    length = model._meta.get_field(field).max_length
    assert isinstance(length, int)
    return length


@lru_cache(maxsize=8192)
def _normalized_email(value: str) -> str:
    # One person sends many events; validate each distinct address once, not once per event.
    return normalize_email(value)


def _email(value: str | None) -> str | None:
    if not value:  # "" means not given (see _names_someone)
        return value
    try:
        email = _normalized_email(value)
    except DjangoValidationError:
        raise PydanticCustomError("email", "Enter a valid email address.") from None
    if len(email) > _EMAIL_MAX:  # lowercasing can lengthen some non-ASCII addresses
        raise PydanticCustomError("email", "Enter a valid email address.")
    return email


def _timestamp_is_text(value: Any) -> Any:
    # pydantic would read a number as Unix time in seconds or milliseconds, guessed by size;
    # one unambiguous format keeps the contract small.
    if isinstance(value, int | float):
        raise PydanticCustomError(
            "datetime_format", "Send an ISO 8601 timestamp such as 2026-01-01T10:00:00Z."
        )
    return value


def _aware_and_not_future(value: datetime, info: ValidationInfo) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise PydanticCustomError(
            "datetime_naive",
            "Give a timezone (for example 2026-01-01T10:00:00Z); "
            "a timestamp without one is ambiguous.",
        )
    try:
        # UTC, not the sender's offset: PostgreSQL takes offsets up to 15:59, Python up to 23:59.
        value = value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+05:00 is before the first UTC datetime
        raise PydanticCustomError("datetime_range", OUT_OF_UTC_RANGE) from None
    now = (info.context or {}).get("now") or datetime.now(UTC)
    if value > now + FUTURE_TOLERANCE:
        raise PydanticCustomError("datetime_future", "Must not be more than one day in the future.")
    return value


def encode_properties(value: dict[str, Any]) -> bytes:
    """``properties`` as the JSON stored in the JSONB column."""
    return to_json(value)


def _unstorable(value: dict[str, Any]) -> None:
    found = jsonsafe.problems(value)
    if found:
        raise PydanticCustomError("properties_value", "; ".join(jsonsafe.flat(found)))


def _properties(value: dict[str, Any]) -> dict[str, Any]:
    properties_json(value)
    return value


def properties_json(value: dict[str, Any]) -> bytes:
    """``encode_properties(value)`` once the checks of ``properties`` pass (else the
    ``PydanticCustomError`` the field reports): the batch path keeps these bytes for the
    ``COPY`` instead of encoding every event's properties a second time."""
    try:
        encoded = encode_properties(value)
    except ValueError:  # a lone surrogate, or a Python caller's value JSON cannot hold
        _unstorable(value)
        raise PydanticCustomError("properties_json", "Properties must be JSON values.") from None
    # Walking every event's properties in Python would cost the hot path; the encoding
    # tells cheaply when a walk can find something (NaN, ±Infinity, deep nesting).
    # find(), not `in`: bytes.__contains__ first tries its argument as an integer, and raises
    # and clears a TypeError each time (three per event before: the swallowed errors of the
    # profiles).
    if (
        encoded.find(b"NaN") != -1
        or encoded.find(b"Infinity") != -1
        or encoded.count(b"[") + encoded.count(b"{") > jsonsafe.MAX_DEPTH
    ):
        _unstorable(value)
    if len(encoded) > MAX_PROPERTIES_BYTES:
        raise PydanticCustomError(
            "properties_size",
            "At most {limit} bytes once encoded as JSON (got {size}).",
            {"limit": MAX_PROPERTIES_BYTES, "size": len(encoded)},
        )
    # JSONB rejects NUL. The substring test is the fast path; the pattern then tells a real
    # escaped NUL from an escaped backslash followed by the text "u0000".
    if encoded.find(b"\\u0000") != -1 and _ESCAPED_NUL.search(encoded):
        raise PydanticCustomError("nul_character", "Must not contain the NUL character.")
    return encoded


def _names_someone(value: ContactRef) -> ContactRef:
    # Senders often fill an unknown identifier with "" (or spaces, stripped by now): that
    # means "not given", not an id.
    if not (value.get("email") or value.get("external_id") or value.get("anonymous_id")):
        raise PydanticCustomError(
            "contact_unnamed",
            "Name the person with at least one of email, external_id or anonymous_id.",
        )
    return value


# Python validators cost a call from pydantic's core each; checks that a pattern can express
# run in the core instead, and field_errors() words their messages.
_EMAIL_MAX = _max(Contact, "email")
Email = Annotated[
    Annotated[str, StringConstraints(max_length=_EMAIL_MAX)] | None,
    AfterValidator(_email),
]
ExternalId = Annotated[
    str | None, StringConstraints(max_length=_max(Contact, "external_id"), pattern=NO_NUL)
]
AnonymousIdValue = Annotated[
    str | None, StringConstraints(max_length=_max(AnonymousId, "value"), pattern=NO_NUL)
]
UtmText = Annotated[
    str | None,
    StringConstraints(max_length=min(_max(Event, f"utm_{p}") for p in UTM_PARTS), pattern=NO_NUL),
]


@with_config(
    ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "anyOf": [
                {"required": ["email"]},
                {"required": ["external_id"]},
                {"required": ["anonymous_id"]},
            ]
        },
    )
)
class ContactRef(TypedDict):
    """Who did it: ``email`` and ``external_id`` identify a person, ``anonymous_id`` a browser or
    device until the person identifies. At least one is required."""

    email: NotRequired[Email]
    external_id: NotRequired[ExternalId]
    anonymous_id: NotRequired[AnonymousIdValue]


@with_config(_STRICT)
class Utm(TypedDict):
    """Campaign parameters, as in the landing page's ``utm_*`` query parameters."""

    source: NotRequired[UtmText]
    medium: NotRequired[UtmText]
    campaign: NotRequired[UtmText]
    term: NotRequired[UtmText]
    content: NotRequired[UtmText]


@with_config(_STRICT)
class EventIn(TypedDict):
    """One event as a sender posts it.

    ``id`` is required: it is the idempotency key that makes a retried POST safe. An event whose
    id the workspace already holds is reported as ``duplicate`` and stored once, never twice.
    """

    id: Annotated[
        str,
        StringConstraints(min_length=1, max_length=_max(Event, "event_id"), pattern=NO_NUL),
        Field(description="The sender's unique id for this event; a repeat is a duplicate."),
    ]
    type: Annotated[
        str,
        StringConstraints(max_length=_max(Event, "type"), pattern=EVENT_TYPE_PATTERN),
        Field(description="What happened, as a lowercase token (page_view, form_submit, …)."),
    ]
    occurred_at: Annotated[
        datetime,
        BeforeValidator(_timestamp_is_text),
        AfterValidator(_aware_and_not_future),
        Field(description="ISO 8601 with a timezone; at most one day ahead of the server."),
    ]
    contact: Annotated[ContactRef, AfterValidator(_names_someone)]
    properties: NotRequired[
        Annotated[
            dict[str, Any],
            AfterValidator(_properties),
            Field(description=f"A JSON object of at most {MAX_PROPERTIES_BYTES} bytes encoded."),
        ]
    ]
    utm: NotRequired[Utm | None]


event_adapter: TypeAdapter[EventIn] = TypeAdapter(EventIn)


def _message(error: Any) -> str:
    if error["type"] in ("dict_type", "model_type") and not error["loc"]:
        return "Each event must be a JSON object."
    if error["type"] == "string_pattern_mismatch":
        return _PATTERN_MESSAGES.get(error["ctx"]["pattern"], str(error["msg"]))
    return str(error["msg"])


def field_errors(error: ValidationError) -> dict[str, list[str]]:
    """pydantic's error list as ``{"contact.email": ["Enter a valid email address."]}``."""
    errors: dict[str, list[str]] = {}
    for item in error.errors(include_url=False, include_input=False):
        key = ".".join(str(part) for part in item["loc"]) or NON_FIELD
        errors.setdefault(key, []).append(_message(item))
    return errors


def event_validate(
    item: Any, *, now: datetime
) -> tuple[EventIn, None] | tuple[None, dict[str, list[str]]]:
    """``(event, None)`` or ``(None, field errors)``; ``now`` anchors the future-time check."""
    try:
        return event_adapter.validate_python(item, context={"now": now}), None
    except ValidationError as error:
        return None, field_errors(error)

"""A batch's events validated in one call, falling back to :func:`schema.event_validate` per
event whenever the fast path is not sure.

:data:`schema.event_adapter` calls five Python validators per event from pydantic's core (the
timestamp's type, its time zone and future bound, the email, the properties, "names
someone"); at 1,000 events a batch those calls cost more than the core's own work. Here the
core validates the whole list at once against the same shapes and constraints without them
(:data:`_batch_adapter`), and one Python loop then applies the same checks, calling the
same functions. An event passes only when every check passes, and then its value is the one
:data:`schema.event_adapter` returns; on anything else (a core error anywhere in the list, a
check that fails or raises) the event, or the whole list, is validated again by
:func:`schema.event_validate`, so every rejection keeps its exact field errors and wording.
tests/como/ingest/test_fastvalidate.py holds the two paths equal.
"""

from __future__ import annotations

import types
import typing
from datetime import UTC, datetime
from typing import Annotated, Any, NotRequired, Union, cast

from pydantic import AfterValidator, BeforeValidator, TypeAdapter, ValidationError
from pydantic_core import PydanticCustomError
from typing_extensions import TypedDict, get_type_hints, is_typeddict

from .schema import (
    FUTURE_TOLERANCE,
    EventIn,
    _email,
    encode_properties,
    event_validate,
    properties_json,
)

#: The result of validating one item: the event, or the field errors.
Validated = tuple[EventIn, None] | tuple[None, dict[str, list[str]]]

_PYTHON_VALIDATORS = (AfterValidator, BeforeValidator)
#: A tuple, not ``int | float``: that expression builds a new union object at every call.
_NUMBERS = (int, float)


def _core_only(hint: Any) -> Any:
    """``hint`` without its Python validators, every other constraint kept, all the way down:
    built from schema.EventIn itself, so the two shapes cannot drift apart."""
    if is_typeddict(hint):
        hints = get_type_hints(hint, include_extras=True)
        # (__required_keys__ cannot be trusted under `from __future__ import annotations`;
        # the resolved hints keep NotRequired.)
        fields = {
            name: NotRequired[_core_only(typing.get_args(value)[0])]
            if typing.get_origin(value) is NotRequired
            else _core_only(value)
            for name, value in hints.items()
        }
        make: Any = TypedDict  # the functional form, with a computed name
        shape = make(f"{hint.__name__}CoreOnly", fields)
        shape.__pydantic_config__ = hint.__pydantic_config__
        return shape
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Annotated:
        kept = tuple(m for m in hint.__metadata__ if not isinstance(m, _PYTHON_VALIDATORS))
        inner = _core_only(args[0])
        return Annotated[(inner, *kept)] if kept else inner
    if origin in (Union, types.UnionType):
        return Union[tuple(_core_only(arg) for arg in args)]  # noqa: UP007
    return hint


_batch_adapter: TypeAdapter[list[Any]] = TypeAdapter(cast(Any, list)[_core_only(EventIn)])


#: ``encode_properties({})``: what an event without properties stores.
EMPTY_PROPERTIES_JSON = encode_properties({})


def events_validate(items: list[Any], *, now: datetime) -> list[Validated]:
    """:func:`schema.event_validate` of each item, in order, ``now`` anchoring the future
    bound; the common batch (every event valid) in one core call and one loop."""
    return events_validate_encoded(items, now=now)[0]


def events_validate_encoded(
    items: list[Any], *, now: datetime
) -> tuple[list[Validated], list[bytes | None]]:
    """:func:`events_validate`, and for each item the ``encode_properties`` bytes of its valid
    event's properties (``{}`` when it has none), made while checking them, or None where the
    per-event path judged the item (encode those when they are needed)."""
    try:
        shaped = _batch_adapter.validate_python(items)
    except ValidationError:
        # Something in the list is wrong; only the per-event path says exactly what.
        return [event_validate(item, now=now) for item in items], [None] * len(items)
    latest = now + FUTURE_TOLERANCE
    out: list[Validated] = []
    encoded: list[bytes | None] = []
    for item, event in zip(items, shaped, strict=True):
        properties = _finish(item, event, latest)
        if properties is not None:
            out.append((event, None))
        else:
            out.append(event_validate(item, now=now))
        encoded.append(properties)
    return out, encoded


def _finish(item: Any, event: dict[str, Any], latest: datetime) -> bytes | None:
    """Apply schema.EventIn's Python validators to ``event`` (shaped from ``item``) in place
    and return its properties' JSON; None when one refuses it (or cannot tell), and the
    per-event path must judge it."""
    occurred_at = item.get("occurred_at")
    if isinstance(occurred_at, _NUMBERS):  # schema._timestamp_is_text
        return None
    value = event["occurred_at"]
    # schema._aware_and_not_future
    offset = None if value.tzinfo is None else value.utcoffset()
    if offset is None:
        return None
    if offset:
        try:
            value = value.astimezone(UTC)
        except OverflowError:
            return None
    elif type(value) is datetime and not value.fold:
        # What astimezone(UTC) gives at offset zero, without its calls into pydantic's TzInfo
        # (the common "…Z"): each costs more than the rest of this check. Built positionally:
        # replace(tzinfo=…) parses its keywords at 2-3x the cost of the whole constructor.
        value = datetime(
            value.year,
            value.month,
            value.day,
            value.hour,
            value.minute,
            value.second,
            value.microsecond,
            UTC,
        )
    else:
        value = value.replace(tzinfo=UTC)
    if value > latest:
        return None
    event["occurred_at"] = value
    contact = event["contact"]
    try:
        email = contact.get("email")
        if email:
            contact["email"] = _email(email)
        # schema._names_someone
        if not (contact.get("email") or contact.get("external_id") or contact.get("anonymous_id")):
            return None
        properties = event.get("properties")
        if properties is None:
            return EMPTY_PROPERTIES_JSON
        return properties_json(properties)
    except PydanticCustomError:
        return None

"""The one cursor pagination every API list is built on (the settings' default).

DRF's ``CursorPagination`` trusts the position it decodes: a forged ``p=`` reaches the
database as a comparison with the ordering column (a word against a date or an id answered
500), a stray ``r=2`` counts as reverse and an ``o=`` past the cap is silently clamped. Here a
cursor is read strictly and its position is parsed by the ordering column's own field, so
anything a cursor could not have been encoded from answers 400 ``{"cursor": [...]}``.
"""

from __future__ import annotations

import binascii
from base64 import b64decode
from typing import Any
from urllib import parse

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request

CURSOR_KEYS = frozenset({"o", "r", "p"})
INVALID = "Invalid cursor: use the next or previous link of a page as given."


def invalid_cursor() -> serializers.ValidationError:
    return serializers.ValidationError({"cursor": [INVALID]})


def ordering_field(queryset: QuerySet[Any], name: str) -> models.Field[Any, Any] | None:
    """The field whose values a cursor's position holds: an annotation's or a column's."""
    annotation = queryset.query.annotations.get(name)
    if annotation is not None:
        return annotation.output_field
    model: Any = queryset.model
    field: Any = None
    for part in name.split("__"):
        if model is None:
            return None
        try:
            field = model._meta.pk if part == "pk" else model._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        model = field.related_model
    return field if isinstance(field, models.Field) else None


def parse_position(field: models.Field[Any, Any] | None, position: str) -> Any:
    """``position`` as the column's value, or :func:`invalid_cursor` when it cannot be one."""
    if "\x00" in position:
        raise invalid_cursor()
    if field is None:
        return position
    try:
        value = field.to_python(position)
        # A real position is a stored value: it fits the column (integer range, digits).
        field.run_validators(value)
    except (DjangoValidationError, ValueError, TypeError, OverflowError, ArithmeticError):
        raise invalid_cursor() from None
    if value is None or (isinstance(field, models.DateTimeField) and value.tzinfo is None):
        raise invalid_cursor()
    return value


class StrictCursorPagination(CursorPagination):
    """``CursorPagination`` that refuses, with 400, any cursor it could not have written."""

    _queryset: QuerySet[Any] | None = None

    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any] | None:
        self._queryset = queryset
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request: Request) -> Cursor | None:
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        try:
            querystring = b64decode(encoded.encode("ascii"), validate=True).decode("ascii")
            pairs = parse.parse_qsl(querystring, keep_blank_values=True, strict_parsing=True)
        except (binascii.Error, ValueError):
            if encoded:
                raise invalid_cursor() from None
            pairs = []  # an empty cursor is the first page
        tokens = dict(pairs)
        if len(tokens) != len(pairs) or not tokens.keys() <= CURSOR_KEYS:
            raise invalid_cursor()
        offset_text = tokens.get("o", "0")
        if not offset_text.isascii() or not offset_text.isdigit() or len(offset_text) > 6:
            raise invalid_cursor()
        offset = int(offset_text)
        if offset > self.offset_cutoff or tokens.get("r", "0") not in ("0", "1"):
            raise invalid_cursor()
        position = tokens.get("p")
        if position is not None:
            position = self._position(position)
        return Cursor(offset=offset, reverse=tokens.get("r") == "1", position=position)

    def _position(self, position: str) -> Any:
        order = self.ordering[0] if self.ordering else ""
        field = None
        if self._queryset is not None and order:
            field = ordering_field(self._queryset, order.lstrip("-"))
        return parse_position(field, position)

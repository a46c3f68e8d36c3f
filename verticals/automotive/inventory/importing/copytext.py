"""The stage's rows as PostgreSQL ``COPY`` text, built a column at a time.

psycopg's ``write_row`` adapts a row's 26 values one by one, in Python frames; here each column
becomes text at once (a column's distinct numbers, amounts and dates converted once each, a
text column escaped only when it holds a character ``COPY`` reserves) and the rows are joined
in C. JSON goes in as text, as the stage's ``jsonb`` columns read it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from json.encoder import encode_basestring_ascii
from operator import attrgetter
from typing import Any

from ..formats.base import CANONICAL_FIELDS
from ..rows import VehicleData

#: ``COPY``'s text format: NULL, and the characters a value must escape.
NULL = "\\N"
_RESERVED = ("\\", "\t", "\n", "\r")
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
#: The columns holding numbers, amounts, dates and booleans: the rest are text or JSON.
_SCALARS = frozenset(
    {"year", "certified", "mileage", "msrp", "price", "internet_price", "cost", "received_at"}
)


def copy_text(vehicles: Sequence[VehicleData], start: int) -> str:
    """``vehicles`` as the stage's rows (``ord`` from ``start``, ``row``, then every field)."""
    columns = [
        list(map(str, range(start, start + len(vehicles)))),
        [str(vehicle.row) for vehicle in vehicles],
        *(_column(name, list(map(attrgetter(name), vehicles))) for name in CANONICAL_FIELDS),
    ]
    return "".join(line + "\n" for line in map("\t".join, zip(*columns, strict=True)))


def _column(name: str, values: list[Any]) -> list[str]:
    if name in _SCALARS:
        texts = {value: _scalar(value) for value in set(values)}
        return list(map(texts.__getitem__, values))
    if name == "photos":
        return _escaped(list(map(json_texts, values)))
    if name == "dealer_charges":
        charges = {value: _charges_json(value) for value in set(values)}
        return _escaped(list(map(charges.__getitem__, values)))
    return _escaped(values)


def _scalar(value: object) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)  # an int, a Decimal


def _escaped(texts: list[Any]) -> list[str]:
    """Texts (or None) as ``COPY`` values: escaped when the column holds a reserved character
    (rare: a quoted cell with a tab or a line break, a JSON escape), NULL for None."""
    nulls = None in texts
    joined = "".join(text for text in texts if text is not None) if nulls else "".join(texts)
    if any(reserved in joined for reserved in _RESERVED):
        texts = [None if text is None else text.translate(_ESCAPES) for text in texts]
    return [NULL if text is None else text for text in texts] if nulls else texts


def _charges_json(charges: Sequence[tuple[str, Any]]) -> str:
    if not charges:
        return "[]"
    return json.dumps([{"name": name, "amount": str(amount)} for name, amount in charges])


def json_texts(texts: Sequence[str]) -> str:
    """``json.dumps(list(texts))``, the same text, without its encoder's Python frames: each
    string is escaped by the C escaper."""
    return "[" + ", ".join(map(encode_basestring_ascii, texts)) + "]"

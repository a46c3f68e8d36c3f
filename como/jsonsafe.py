"""JSON that PostgreSQL can store and Python can walk: one decoder and one check for every door.

JSON's grammar admits values that break later, far from where they came in: ``NaN`` and
``Infinity`` (and ``1e400``, which overflows to infinity) are not JSON to PostgreSQL's
``jsonb``; a lone surrogate (``"\\ud800"``) cannot be encoded as UTF-8; NUL cannot be held by
``text`` or ``jsonb``; and 5,000 levels of nesting exhaust Python's recursion. Each used to
surface as a 500 (and, in a batch, the loss of its good rows).

:func:`loads` turns bytes into Python values and refuses only what is not JSON or is nested
beyond the parser's reach; :func:`problems` then names every value above by its path, so a
caller decides the scope of a refusal: a whole request (:mod:`como.workspaces.parsers`), one
event of a batch (ingest), one row of an import, one admin form field (:class:`JSONFormField`).
"""

from __future__ import annotations

import json
import math
from typing import Any

import pydantic_core
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.forms.fields import InvalidJSONInput

#: Containers inside containers; deeper is refused everywhere JSON comes in. Real payloads
#: (event properties, attributes, scoring models) stay within a handful of levels, and the
#: bound keeps every recursive walk (Python's json, our serialisers) far from the stack's end.
MAX_DEPTH = 64
#: A body can hold a million bad values; the first few tell the sender what to fix.
MAX_REPORTED = 20

NOT_FINITE = "Must be a finite number (NaN, Infinity and numbers beyond ±1.8e308 are not JSON)."
SURROGATE = "Must be valid Unicode: a lone surrogate (\\ud800 to \\udfff) cannot be stored."
#: Django's wording for NUL in a form field, so a JSON body and a form say the same.
NUL = str(ProhibitNullCharactersValidator.message)
TOO_DEEP = f"Nested more than {MAX_DEPTH} levels deep."
#: The key of a problem with the document itself (DRF's name for errors of the whole object).
ROOT = "non_field_errors"


class JSONSyntaxError(ValueError):
    """The text is not JSON, or is nested beyond what can be parsed."""


def loads(data: bytes | str) -> Any:
    """Parse JSON text; :class:`JSONSyntaxError` when it is not JSON or is far too deep.

    Values JSON's grammar allows but storage does not (see the module's docstring) are
    returned as they are, so that :func:`problems` can name them by their path."""
    try:
        # pydantic_core is several times faster than json and caps nesting (at 200) instead
        # of recursing until the stack ends. allow_inf_nan: a NaN is one field's problem.
        return pydantic_core.from_json(data, allow_inf_nan=True)
    except ValueError as error:
        if "recursion limit" in str(error):
            raise JSONSyntaxError(TOO_DEEP) from None
    # pydantic_core refuses a lone surrogate ("\ud800") as a syntax error, which would reject
    # a whole batch for one string; Python's json, the reference, reads it so that the
    # string's path can be named (and words a real syntax error as well).
    try:
        return json.loads(data)
    except RecursionError:
        raise JSONSyntaxError(TOO_DEEP) from None
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError, too many digits
        raise JSONSyntaxError(str(error)) from None


def text_problem(text: str) -> str | None:
    """Why a string cannot be stored in PostgreSQL, or None when it can."""
    if "\x00" in text:
        return NUL
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return SURROGATE
    return None


def printable(text: str) -> str:
    """``text`` fit to be echoed in an error (a lone surrogate would break the response)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def problems(value: Any, *, path: str = "") -> dict[str, list[str]]:
    """``{"dotted.path": [message]}`` for each value that cannot be stored (empty: all good).

    Walks without recursion, so a value nested far beyond :data:`MAX_DEPTH` (built in Python
    rather than parsed) is reported, not a RecursionError."""
    found: dict[str, list[str]] = {}
    stack: list[tuple[Any, str, int]] = [(value, path, 0)]
    while stack and len(found) < MAX_REPORTED:
        node, where, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth >= MAX_DEPTH:
                found.setdefault(where or ROOT, []).append(TOO_DEEP)
                continue
            items = node.items() if isinstance(node, dict) else enumerate(node)
            children = []
            for key, child in items:
                name = f"{where}.{printable(str(key))}" if where else printable(str(key))
                if isinstance(key, str) and (message := text_problem(key)):
                    found.setdefault(name, []).append(f"In the key: {message}")
                children.append((child, name, depth + 1))
            stack.extend(reversed(children))  # report in document order
        elif isinstance(node, float) and not math.isfinite(node):
            found.setdefault(where or ROOT, []).append(NOT_FINITE)
        elif isinstance(node, str) and (message := text_problem(node)):
            found.setdefault(where or ROOT, []).append(message)
    return found


def flat(found: dict[str, list[str]]) -> list[str]:
    """``problems()`` as ``["path: message", …]``, for a field that takes a list of messages."""
    return [
        f"{where}: {message}" if where else message
        for where, messages in found.items()
        for message in messages
    ]


def validate_json(value: Any) -> None:
    """A Django validator (forms, models): the JSON value can be stored."""
    found = problems(value)
    if found:
        raise ValidationError(flat(found), code="invalid_json_value")


class _Decoder(json.JSONDecoder):
    # forms.JSONField decodes in to_python and again in bound_data, catching only
    # JSONDecodeError; routing both through loads() makes deep nesting a form error.
    def decode(self, s: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return loads(s)
        except JSONSyntaxError as error:
            raise json.JSONDecodeError(str(error), s, 0) from None


class JSONFormField(forms.JSONField):
    """``forms.JSONField`` that refuses what :func:`problems` names, with the value's path.

    The admin's base classes use it for every model ``JSONField``."""

    default_validators = [validate_json]

    def __init__(
        self,
        *,
        decoder: type[json.JSONDecoder] | None = None,
        shape: type[dict[Any, Any]] | type[list[Any]] | None = None,
        **kwargs: Any,
    ) -> None:
        # shape: the column holds only objects (or lists); JSON null or a number there was
        # saved as is, and failed later (a NOT NULL column, code iterating a number).
        self.shape = shape
        super().__init__(decoder=decoder or _Decoder, **kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if self.shape is not None and not isinstance(value, self.shape):
            kind = "object" if self.shape is dict else "list"
            found = "null" if value is None else type(value).__name__
            raise ValidationError(f"Must be a JSON {kind}, not {found}.", code="shape")

    def bound_data(self, data: Any, initial: Any) -> Any:
        value = super().bound_data(data, initial)
        # Redisplay what was typed, not its decoding: a lone surrogate decoded from "\ud800"
        # would break the page's UTF-8 encoding.
        if not self.disabled and not isinstance(value, InvalidJSONInput) and problems(value):
            return InvalidJSONInput(data)
        return value


class PrettyJSONField(JSONFormField):
    """JSON shown indented, so nested data (a scoring model, a setting) reads as structure."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, InvalidJSONInput):
            return value
        return json.dumps(value, indent=2, ensure_ascii=False, cls=self.encoder)

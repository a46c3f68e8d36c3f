"""A value checked against the column it will be stored in, before the database sees it.

PostgreSQL answers a number past an integer's range or a decimal's digits, and a string past a
varchar's length, with an error: a 500 that takes the rest of the batch with it. The model
fields already carry the right validators (Django's integer fields add the backend's range,
``DecimalField`` its digits, ``CharField`` its length), and ModelSerializers and model forms
run them. Code that writes without either — report imports, provider webhooks — asks here, so
the limits are read from the models and never restated.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models


def column_errors(model: type[models.Model], values: Mapping[str, Any]) -> dict[str, list[str]]:
    """Per field of ``model``, what its validators say of the value; empty when all fit."""
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        try:
            model._meta.get_field(name).run_validators(value)  # type: ignore[union-attr]
        except ValidationError as error:
            errors[name] = error.messages
    return errors


def column_max_length(model: type[models.Model], name: str) -> int:
    length = getattr(model._meta.get_field(name), "max_length", None)
    assert isinstance(length, int), f"{model.__name__}.{name} has no max_length"
    return length


def refuse_longer(values: Mapping[str, Any], limits: Mapping[str, int]) -> None:
    """Raise a field-keyed ValidationError for every value longer than its limit.

    For fields from outside (a provider's form post) that are stored: an over-long one is
    refused, never cut, since a cut id no longer matches anything and a cut status lies."""
    errors = {
        name: [f"At most {limit} characters (got {len(values[name])})."]
        for name, limit in limits.items()
        if isinstance(values.get(name), str) and len(values[name]) > limit
    }
    if errors:
        raise ValidationError(errors)

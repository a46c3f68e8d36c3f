"""The API's JSON field: :mod:`como.jsonsafe` for JSON typed into a form, too.

A JSON body is checked by the parser (:mod:`como.workspaces.parsers`) before any field sees it;
a form-encoded or multipart body carries a JSON field as text that DRF's ``JSONField`` decodes
with ``json.loads`` — 5,000 levels of nesting were a RecursionError (500) and ``NaN`` was kept.
Every ``ModelSerializer`` maps model JSONFields here (:func:`install`), and serializers that
declare a JSON field use this class; a test walks every serializer to keep it so.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import models
from rest_framework import serializers

from como import jsonsafe


class JSONField(serializers.JSONField):
    def to_internal_value(self, data: Any) -> Any:
        if self.binary or getattr(data, "is_json_string", False):
            try:
                text = data.decode() if isinstance(data, bytes) else data
                data = jsonsafe.loads(text)
            except (jsonsafe.JSONSyntaxError, UnicodeDecodeError, TypeError):
                self.fail("invalid")
        found = jsonsafe.problems(data)
        if found:
            raise serializers.ValidationError(jsonsafe.flat(found), code="invalid")
        try:
            json.dumps(data, cls=self.encoder)
        except (TypeError, ValueError):
            self.fail("invalid")
        return data


def install() -> None:
    """Make every ModelSerializer build model JSONFields as :class:`JSONField`."""
    serializers.ModelSerializer.serializer_field_mapping[models.JSONField] = JSONField

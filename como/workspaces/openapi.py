"""The OpenAPI error responses every API module documents, written once.

Every API answers a bad request the same way (``service_errors_as_400`` and DRF's validation):
messages by field, and ``{"detail": "…"}`` for a refusal of the request as a whole. Each module
describes its own 400 in words; the schema is this one.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse

_DETAIL_SCHEMA = {"type": "object", "properties": {"detail": {"type": "string"}}}

#: A refusal (403, 404…): ``{"detail": "…"}``.
DETAIL = OpenApiResponse(_DETAIL_SCHEMA, description="Why the request was refused.")


def errors_response(
    description: str, *, nested: bool = False, detail: bool = True
) -> OpenApiResponse:
    """A 400: a list of messages per field (``nested``: any JSON per field, as a nested
    serializer answers), plus ``detail`` (unless ``detail`` is false, for an endpoint whose
    every refusal names a field)."""
    schema: dict[str, Any] = {
        "type": "object",
        "additionalProperties": True if nested else {"type": "array", "items": {"type": "string"}},
    }
    if detail:
        schema["properties"] = _DETAIL_SCHEMA["properties"]
    return OpenApiResponse(schema, description=description)

"""Documenting pydantic-validated bodies in the OpenAPI schema.

The ingest endpoint validates with pydantic ``TypeAdapter``\\ s, not DRF serializers (speed), so
its request schema is generated from the very adapter that enforces it. drf-spectacular's own
pydantic extension only knows ``BaseModel`` classes; this one documents any adapter, and puts
the nested types (``$defs``) into ``components/schemas``.
"""

from __future__ import annotations

from typing import Any, Literal

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.settings import spectacular_settings
from pydantic import TypeAdapter


class AdapterDoc:
    """Pass an instance wherever ``extend_schema`` takes a serializer."""

    def __init__(
        self,
        name: str,
        adapter: TypeAdapter[Any],
        mode: Literal["validation", "serialization"] = "validation",
    ) -> None:
        self.name = name
        self.adapter = adapter
        self.mode = mode


class AdapterDocExtension(OpenApiSerializerExtension):
    target_class = AdapterDoc

    def get_name(self, auto_schema: Any, direction: Any) -> str:
        return str(self.target.name)

    def map_serializer(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        schema = self.target.adapter.json_schema(
            ref_template="#/components/schemas/{model}", mode=self.target.mode
        )
        for name, definition in schema.pop("$defs", {}).items():
            auto_schema.registry.register_on_missing(
                ResolvedComponent(
                    name=name,
                    type=ResolvedComponent.SCHEMA,
                    object=name,
                    schema=_for_openapi(definition),
                )
            )
        return _for_openapi(schema)


_NULL = {"type": "null"}


def _for_openapi(node: Any) -> Any:
    """pydantic writes JSON Schema 2020-12; OpenAPI 3.0 spells "or null" as ``nullable``."""
    if isinstance(node, list):
        return [_for_openapi(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _for_openapi(value) for key, value in node.items()}
    if not str(spectacular_settings.OAS_VERSION).startswith("3.0"):
        return node
    if "const" in node and not isinstance(node.get("properties"), dict):
        node["enum"] = [node.pop("const")]  # a one-value Literal; 3.0 has no const
    options = node.get("anyOf")
    if isinstance(options, list) and _NULL in options and len(options) == 2:
        (other,) = [option for option in options if option != _NULL]
        del node["anyOf"]
        # A $ref cannot carry siblings in OpenAPI 3.0, hence the allOf wrapper.
        node.update({"allOf": [other]} if "$ref" in other else other)
        node["nullable"] = True
    return node

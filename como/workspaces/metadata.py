"""What ``OPTIONS`` answers on the API.

DRF's :class:`~rest_framework.metadata.SimpleMetadata` describes a view's writable fields by
asking the view for its serializer, and a viewset made only of ``@action`` methods (each with
the serializers it documents to drf-spectacular) has none: DRF's ``get_serializer_class``
asserts, and ``OPTIONS`` answered 500. Such a view is described by name, description and media
types only; a view that names its serializer is described as DRF does.
"""

from __future__ import annotations

from typing import Any

from rest_framework.metadata import SimpleMetadata
from rest_framework.request import Request


def names_its_serializer(view: Any) -> bool:
    """Whether ``view`` has a serializer DRF can ask for (a class, or its own method)."""
    # Imported here: DRF imports this module while rest_framework.generics is half-loaded.
    from rest_framework.generics import GenericAPIView

    if getattr(view, "serializer_class", None) is not None:
        return True
    method = getattr(type(view), "get_serializer_class", None)
    return method is not None and method is not GenericAPIView.get_serializer_class


class Metadata(SimpleMetadata):
    def determine_actions(self, request: Request, view: Any) -> dict[str, Any]:
        if not names_its_serializer(view):
            return {}
        return super().determine_actions(request, view)

"""The audiences API: saved audiences (CRUD) and a preview of who is in one now. Every view is
a WorkspaceScopedViewSet: another workspace's audiences are 404."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from como.workspaces.api_base import (
    WorkspaceScopedViewSet,
    service_errors_as_400,
    target_workspace,
)
from como.workspaces.openapi import DETAIL, errors_response
from como.workspaces.pagination import StrictCursorPagination

from . import services
from .models import SavedAudience
from .selectors import audience_preview
from .serializers import AudienceSerializer, PreviewSerializer

_ERRORS = errors_response(
    'Messages by field (a rule\'s by its path, e.g. "rule.event.within_days"), or '
    '{"detail": "…"} when the body cannot be read.'
)
_WRITE = {400: _ERRORS, 403: DETAIL, 404: DETAIL}


class AudiencePagination(StrictCursorPagination):
    ordering = ("-created_at", "-id")


@extend_schema_view(
    create=extend_schema(summary="Save an audience", responses={201: AudienceSerializer, **_WRITE}),
    update=extend_schema(
        summary="Change an audience", responses={200: AudienceSerializer, **_WRITE}
    ),
    partial_update=extend_schema(
        summary="Change part of an audience", responses={200: AudienceSerializer, **_WRITE}
    ),
    destroy=extend_schema(
        summary="Delete an audience (approved sequences keep the rule they were approved with)",
        responses={204: None, 403: DETAIL, 404: DETAIL},
    ),
)
class AudienceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    WorkspaceScopedViewSet,
):
    queryset = SavedAudience.objects.all()
    serializer_class = AudienceSerializer
    pagination_class = AudiencePagination
    lookup_value_regex = r"\d+"

    def perform_create(self, serializer: Any) -> None:
        with service_errors_as_400():
            serializer.instance = services.audience_create(
                workspace=target_workspace(self.request), **serializer.validated_data
            )

    def perform_update(self, serializer: Any) -> None:
        with service_errors_as_400():
            serializer.instance = services.audience_update(
                audience=serializer.instance, **serializer.validated_data
            )

    def perform_destroy(self, instance: SavedAudience) -> None:
        services.audience_delete(audience=instance)

    @extend_schema(
        summary="Who is in the audience now: the count and a sample",
        responses={200: PreviewSerializer, 404: DETAIL},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def preview(self, request: Request, pk: str | None = None) -> Response:
        return Response(PreviewSerializer(audience_preview(self.get_object())).data)

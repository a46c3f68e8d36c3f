"""The inventory API: rooftops (list, create, read, change) and vehicles (list, read).

Every view is a WorkspaceScopedViewSet: another workspace's rooftop or vehicle is a 404, and a
new rooftop goes to the caller's workspace (from the credentials, never from the body).
Vehicles are written by imports only.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.request import Request
from rest_framework.response import Response

from como.workspaces.api_base import (
    WorkspaceScopedViewSet,
    service_errors_as_400,
    target_workspace,
)
from como.workspaces.pagination import StrictCursorPagination

from . import services
from .models import Rooftop, Vehicle, VehicleChange
from .serializers import (
    RooftopSerializer,
    VehicleDetailSerializer,
    VehicleQuerySerializer,
    VehicleSerializer,
)


class NewestFirst(StrictCursorPagination):
    ordering = ("-id",)


@extend_schema_view(
    list=extend_schema(summary="List rooftops (dealership locations)"),
    create=extend_schema(summary="Create a rooftop"),
    retrieve=extend_schema(summary="Get a rooftop"),
    partial_update=extend_schema(summary="Change some of a rooftop's fields"),
)
class RooftopViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    WorkspaceScopedViewSet,
):
    queryset = Rooftop.objects.select_related("workspace")
    serializer_class = RooftopSerializer
    pagination_class = NewestFirst
    lookup_value_regex = r"\d+"

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # PATCH only: no PUT route, so a rooftop is never blanked by a field left out.
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        self.perform_update(serializer)
        return Response(serializer.data)

    def perform_create(self, serializer: Any) -> None:
        with service_errors_as_400():
            serializer.instance = services.rooftop_create(
                workspace=target_workspace(self.request), fields=dict(serializer.validated_data)
            )

    def perform_update(self, serializer: Any) -> None:
        with service_errors_as_400():
            services.rooftop_update(
                rooftop=serializer.instance, fields=dict(serializer.validated_data)
            )


@extend_schema_view(
    list=extend_schema(
        summary="List vehicles, newest first, filtered", parameters=[VehicleQuerySerializer]
    ),
    retrieve=extend_schema(summary="Get a vehicle with its change history"),
)
class VehicleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, WorkspaceScopedViewSet):
    queryset = Vehicle.objects.all()
    serializer_class = VehicleSerializer
    pagination_class = NewestFirst
    lookup_value_regex = r"\d+"

    def get_serializer_class(self) -> Any:
        return VehicleDetailSerializer if self.action == "retrieve" else VehicleSerializer

    def get_queryset(self) -> Any:
        queryset = super().get_queryset()
        if self.action == "retrieve":
            history = VehicleChange.objects.order_by("-at", "-id")
            return queryset.prefetch_related(Prefetch("history", queryset=history))
        if self.action != "list":
            return queryset
        query = VehicleQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        filters = {
            ("rooftop_id" if name == "rooftop" else name): value
            for name, value in query.validated_data.items()
        }
        return queryset.filter(**filters)

"""The inventory-ads API: a vehicle's ads, and its creative previewed (with unsaved edits).

Both are routes of one vehicle on the scoped base, so another workspace's vehicle is a 404.
A preview writes nothing, so it needs only ``view``. A template that does not render is not a
bad request: the answer is a 200 whose findings hold a blocking ``creative.render`` finding
naming the field and the line, exactly as a proposal would carry it; malformed input (an
unknown channel, kind or field, a source that is not text) is a 400 naming the field."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from como.workspaces.api_base import WorkspaceScopedViewSet, service_errors_as_400
from como.workspaces.permissions import IsWorkspaceCaller
from como.workspaces.roles import Permission

from ..inventory.models import Vehicle
from .creative.preview import vehicle_preview
from .models import VehicleAd
from .serializers import CreativeResultSerializer, PreviewRequestSerializer, VehicleAdSerializer


class PreviewIsARead(IsWorkspaceCaller):
    """A preview is a POST (it carries sources) that changes nothing: ``view`` suffices."""

    def needed(self, request: Request) -> Permission:
        return Permission.VIEW


class VehicleAdsViewSet(WorkspaceScopedViewSet):
    queryset = Vehicle.objects.select_related("workspace")
    lookup_value_regex = r"\d+"
    pagination_class = None
    filter_backends: list[Any] = []

    @extend_schema(
        summary="A vehicle's ads: one per channel, with its state and the action behind it",
        responses=VehicleAdSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def ads(self, request: Request, pk: str | None = None) -> Response:
        vehicle = self.get_object()
        rows = VehicleAd.objects.filter(workspace_id=vehicle.workspace_id, vehicle=vehicle)
        return Response(VehicleAdSerializer(rows.order_by("channel"), many=True).data)

    @extend_schema(
        summary="Preview a vehicle's creative for a channel or kind, with its findings",
        request=PreviewRequestSerializer,
        responses=CreativeResultSerializer,
    )
    @action(detail=True, methods=["post"], permission_classes=[PreviewIsARead])
    def preview(self, request: Request, pk: str | None = None) -> Response:
        vehicle = self.get_object()
        given = PreviewRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        with service_errors_as_400():
            result = vehicle_preview(
                vehicle=vehicle,
                kind=given.validated_data["kind"],
                sources=given.validated_data.get("fields"),
            )
        return Response(result.as_dict())

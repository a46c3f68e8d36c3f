"""``/api/v1/inventory/imports``: upload a feed (it runs inline and answers its report), read
one import's report, list them. Every view is workspace-scoped; the rooftop named in an upload
must be the caller's."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from como.workspaces.api_base import (
    WorkspaceScopedViewSet,
    service_errors_as_400,
    target_workspace,
)
from como.workspaces.pagination import StrictCursorPagination
from como.workspaces.parsers import JSONParser

from ..models import InventoryImport, Rooftop
from .serializers import InventoryImportSerializer, InventoryImportUploadSerializer
from .services import inventory_import_upload


class ImportPagination(StrictCursorPagination):
    ordering = ("-started_at", "-id")


@extend_schema_view(
    list=extend_schema(summary="List inventory imports, newest first"),
    retrieve=extend_schema(summary="An inventory import's report"),
)
class InventoryImportViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, WorkspaceScopedViewSet
):
    queryset = InventoryImport.objects.all()
    serializer_class = InventoryImportSerializer
    pagination_class = ImportPagination
    lookup_value_regex = r"\d+"
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        summary="Import a feed file into a rooftop (runs inline): the import's report",
        request={
            "multipart/form-data": InventoryImportUploadSerializer,
            "application/json": InventoryImportUploadSerializer,
        },
        responses={201: InventoryImportSerializer},
    )
    def create(self, request: Request) -> Response:
        given = InventoryImportUploadSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        values = given.validated_data
        workspace = target_workspace(request)
        rooftop = Rooftop.objects.filter(workspace=workspace, pk=values["rooftop"]).first()
        if rooftop is None:
            raise serializers.ValidationError({"rooftop": ["No such rooftop in this workspace."]})
        with service_errors_as_400():
            record = inventory_import_upload(
                rooftop=rooftop,
                upload=values.get("file"),
                content=values.get("content"),
                file_name=values.get("file_name") or "",
                full=values["full"],
                format_key=values.get("format"),
                user=request.user if getattr(request.user, "is_authenticated", False) else None,
            )
        return Response(InventoryImportSerializer(record).data, status=status.HTTP_201_CREATED)

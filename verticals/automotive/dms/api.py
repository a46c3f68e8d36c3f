"""``/api/v1/dms/imports``: upload a DMS export (it runs inline), read one import's report,
list them; every view workspace-scoped, the rooftop named in an upload must be the caller's.

An upload whose every row was good answers 201 with the report. One with bad rows answers
400 with the same report: ``errors`` names each row and field, and ``counts`` says what the
good rows stored (they are kept; sending the file again after fixing it adds only the fixed
rows, since each deal and RO is stored once).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from como.workspaces.api_base import WorkspaceScopedViewSet, target_workspace
from como.workspaces.openapi import errors_response
from como.workspaces.pagination import StrictCursorPagination

from ..inventory.importing.settings import max_bytes
from ..inventory.models import Rooftop
from .models import DmsImport
from .serializers import DmsImportSerializer, DmsImportUploadSerializer
from .services import dms_import


class DmsImportPagination(StrictCursorPagination):
    ordering = ("-started_at", "-id")


#: A 400 is either the request refused by field (no rooftop, no file, a bad kind) or the
#: import's report when some rows were bad (the good ones are stored: see its counts).
_REJECTED = OpenApiResponse(
    {
        "oneOf": [
            {"$ref": "#/components/schemas/DmsImport"},
            errors_response("").response,
        ]
    },
    description="The import's report with its bad rows (the good rows were stored), or "
    "messages by field when the request itself was refused.",
)


@extend_schema_view(
    list=extend_schema(summary="List DMS imports, newest first"),
    retrieve=extend_schema(summary="A DMS import's report"),
)
class DmsImportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, WorkspaceScopedViewSet):
    queryset = DmsImport.objects.all()
    serializer_class = DmsImportSerializer
    pagination_class = DmsImportPagination
    lookup_value_regex = r"\d+"
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="Import a DMS deals or repair-orders CSV into a rooftop (runs inline)",
        request={"multipart/form-data": DmsImportUploadSerializer},
        responses={201: DmsImportSerializer, 400: _REJECTED},
    )
    def create(self, request: Request) -> Response:
        given = DmsImportUploadSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        values = given.validated_data
        workspace = target_workspace(request)
        rooftop = Rooftop.objects.filter(workspace=workspace, pk=values["rooftop"]).first()
        if rooftop is None:
            raise serializers.ValidationError({"rooftop": ["No such rooftop in this workspace."]})
        upload = values["file"]
        if upload.size > max_bytes():
            raise serializers.ValidationError({"file": [f"At most {max_bytes()} bytes."]})
        record = dms_import(
            rooftop=rooftop,
            kind=values["kind"],
            data=upload.read(),
            file_name=upload.name or "",
            preset_key=values["preset"],
            # An API key's caller is no user: the import then names none.
            user=request.user if isinstance(request.user, get_user_model()) else None,
        )
        answer = status.HTTP_400_BAD_REQUEST if record.errors else status.HTTP_201_CREATED
        return Response(DmsImportSerializer(record).data, status=answer)

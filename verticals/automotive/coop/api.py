"""The co-op API: programs and their funds (read), claims (list, read, create) and each
claim's package as a ZIP.

``GET /api/v1/coop/programs``, ``GET /api/v1/coop/programs/{id}``,
``GET /api/v1/coop/programs/{id}/funds``, ``GET|POST /api/v1/coop/claims``,
``GET /api/v1/coop/claims/{id}``, ``GET /api/v1/coop/claims/{id}/package``. Programs are
edited in the admin; every view is workspace-scoped (another workspace's row is a 404)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from como.workspaces.api_base import (
    WorkspaceScopedViewSet,
    service_errors_as_400,
    target_workspace,
)
from como.workspaces.pagination import StrictCursorPagination

from . import services
from .claims.export import claim_package, package_name
from .models import CoopClaim, CoopProgram
from .selectors import program_funds
from .serializers import (
    CoopClaimCreateSerializer,
    CoopClaimSerializer,
    CoopProgramSerializer,
    FundsQuerySerializer,
)

NOT_FOUND = 'Invalid pk "{pk}" - object does not exist.'


class NewestFirst(StrictCursorPagination):
    ordering = ("-id",)


@extend_schema_view(
    list=extend_schema(summary="List co-op programs"),
    retrieve=extend_schema(summary="Get a co-op program"),
)
class CoopProgramViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, WorkspaceScopedViewSet):
    queryset = CoopProgram.objects.prefetch_related("rooftops")
    serializer_class = CoopProgramSerializer
    pagination_class = NewestFirst
    lookup_value_regex = r"\d+"

    @extend_schema(
        summary="A program's funds: accrued, spent, claimed, reimbursed, expiring",
        parameters=[FundsQuerySerializer],
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["get"])
    def funds(self, request: Request, pk: str | None = None) -> Response:
        query = FundsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        funds = program_funds(
            self.get_object(),
            today=timezone.localdate(),
            horizon_days=query.validated_data["horizon_days"],
        )
        return Response(funds.as_dict())


@extend_schema_view(
    list=extend_schema(summary="List co-op claims, newest first"),
    retrieve=extend_schema(summary="Get a co-op claim"),
    create=extend_schema(
        summary="Open a claim for a campaign's spend under a program",
        request=CoopClaimCreateSerializer,
        responses={201: CoopClaimSerializer},
    ),
)
class CoopClaimViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    WorkspaceScopedViewSet,
):
    queryset = CoopClaim.objects.select_related("program", "campaign", "workspace")
    serializer_class = CoopClaimSerializer
    pagination_class = NewestFirst
    lookup_value_regex = r"\d+"

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = CoopClaimCreateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        values = body.validated_data
        workspace = target_workspace(request)
        program, campaign = values["program"], values["campaign"]
        # Visible is not writable: the claim goes to the workspace the caller writes to.
        for name, row in (("program", program), ("campaign", campaign)):
            if row.workspace_id != workspace.pk:
                raise serializers.ValidationError({name: [NOT_FOUND.format(pk=row.pk)]})
        with service_errors_as_400():
            claim = services.coop_claim_create(
                program=program,
                campaign=campaign,
                invoice_refs=values["invoice_refs"],
                amount_claimed=values["amount_claimed"],
                note=values["note"],
            )
        return Response(CoopClaimSerializer(claim).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="The claim package: a ZIP of proof pages per channel and summary.csv",
        responses={
            (200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY, description="ZIP")
        },
    )
    @action(detail=True, methods=["get"])
    def package(self, request: Request, pk: str | None = None) -> HttpResponse:
        claim = self.get_object()
        response = HttpResponse(
            claim_package(claim, now=timezone.now()), content_type="application/zip"
        )
        response["Content-Disposition"] = f'attachment; filename="{package_name(claim)}"'
        return response

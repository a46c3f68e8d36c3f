"""``GET /api/v1/dashboard``: the dashboard's figures, from the same panels as the page."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from como.workspaces.api_base import WORKSPACE_HEADER, WorkspaceScopedViewSet
from como.workspaces.models import Workspace

from .dashboard import figures, viewable_workspaces
from .serializers import DashboardQuerySerializer, DashboardSerializer


class DashboardViewSet(WorkspaceScopedViewSet):
    queryset = Workspace.objects.all()
    serializer_class = DashboardSerializer
    pagination_class = None
    filter_backends: list[Any] = []

    @extend_schema(
        summary="The dashboard's figures for one workspace and period",
        description="Waiting approvals, MQLs, handoff SLA, per-channel figures with their daily "
        "series, the lifecycle funnel, compliance blocks by rule family and the vertical's "
        "panels (the automotive inventory-ads health), exactly as the admin's dashboard shows "
        f"them. A caller who may view several workspaces names one (`workspace` or the "
        f"`{WORKSPACE_HEADER}` header).",
        parameters=[DashboardQuerySerializer],
        responses={200: DashboardSerializer},
    )
    def retrieve_dashboard(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = DashboardQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        days = int(query.validated_data["days"])
        visible = viewable_workspaces(self.principal)
        slug = query.validated_data.get("workspace") or request.headers.get(WORKSPACE_HEADER)
        if slug:
            workspace = visible.filter(slug=slug).first()
            if workspace is None:
                raise exceptions.NotFound(f"No workspace {slug!r} you may view.")
        else:
            found = list(visible[:2])
            if not found:
                raise exceptions.PermissionDenied("You may not view any workspace.")
            if len(found) > 1:
                raise serializers.ValidationError(
                    {"workspace": ["You may view several workspaces; name one."]}
                )
            workspace = found[0]
        body = {
            "workspace": workspace,
            "days": days,
            "panels": figures(principal=self.principal, workspace=workspace, days=days),
        }
        return Response(DashboardSerializer(body).data)

"""The campaigns API: campaigns (CRUD), a campaign's daily metrics, and report imports.

Every view is a WorkspaceScopedViewSet: a campaign of another workspace is a 404, and an import
writes to the caller's workspace only (taken from the credentials, never from the body).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from como import jsonsafe
from como.workspaces.api_base import (
    WorkspaceScopedViewSet,
    service_errors_as_400,
    target_workspace,
)
from como.workspaces.pagination import StrictCursorPagination
from como.workspaces.parsers import LenientJSONParser

from . import selectors, services
from .models import Campaign
from .serializers import (
    CampaignMetricsSerializer,
    CampaignSerializer,
    MetricsImportResultSerializer,
    MetricsImportSerializer,
    MetricsQuerySerializer,
)


class CampaignPagination(StrictCursorPagination):
    ordering = ("-created_at", "-id")


@extend_schema_view(
    list=extend_schema(summary="List campaigns"),
    create=extend_schema(summary="Create a campaign"),
    retrieve=extend_schema(summary="Get a campaign"),
    update=extend_schema(summary="Replace a campaign's fields"),
    partial_update=extend_schema(summary="Change some of a campaign's fields"),
    destroy=extend_schema(summary="Delete a campaign and its metrics"),
)
class CampaignViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    WorkspaceScopedViewSet,
):
    queryset = Campaign.objects.select_related("workspace")
    serializer_class = CampaignSerializer
    pagination_class = CampaignPagination
    lookup_value_regex = r"\d+"

    def _validate(self, serializer: Any, workspace: Any, instance: Campaign | None) -> None:
        data = serializer.validated_data

        def current(name: str) -> Any:
            return data[name] if name in data else getattr(instance, name, None)

        with service_errors_as_400():
            services.campaign_validate(
                workspace=workspace,
                name=current("name") or "",
                channels=current("channels") or [],
                starts_on=current("starts_on"),
                ends_on=current("ends_on"),
                instance=instance,
            )

    def perform_create(self, serializer: Any) -> None:
        workspace = target_workspace(self.request)
        self._validate(serializer, workspace, None)
        serializer.save(workspace=workspace)

    def perform_update(self, serializer: Any) -> None:
        self._validate(serializer, serializer.instance.workspace, serializer.instance)
        serializer.save()

    @extend_schema(
        summary="A campaign's daily metrics per channel, with totals",
        parameters=[MetricsQuerySerializer],
        responses=CampaignMetricsSerializer,
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def metrics(self, request: Request, pk: str | None = None) -> Response:
        campaign = self.get_object()
        query = MetricsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        found = selectors.campaign_metrics(
            campaign=campaign,
            since=query.validated_data.get("since"),
            until=query.validated_data.get("until"),
            channel=query.validated_data.get("channel", ""),
        )
        return Response(
            CampaignMetricsSerializer(
                {"campaign": campaign, "rows": found.rows, "totals": found.totals}
            ).data
        )

    @extend_schema(
        summary="Import a platform's report (CSV upload or JSON rows): per-row results",
        request={
            "multipart/form-data": MetricsImportSerializer,
            "application/json": MetricsImportSerializer,
        },
        responses=MetricsImportResultSerializer,
    )
    @action(
        detail=False,
        methods=["post"],
        pagination_class=None,
        url_path="metrics/import",
        parser_classes=[LenientJSONParser, MultiPartParser, FormParser],
    )
    def metrics_import(self, request: Request) -> Response:
        if isinstance(request.data, dict):
            # The lenient parser leaves bad values to be judged here: rows one by one (the
            # good ones are stored), everything else for the whole request.
            found = jsonsafe.problems({k: v for k, v in request.data.items() if k != "rows"})
            if found:
                raise serializers.ValidationError(found)
        given = MetricsImportSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        workspace = target_workspace(request)
        csv_text = None
        upload = given.validated_data.get("file")
        if upload is not None:
            try:
                csv_text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise serializers.ValidationError({"file": ["Must be UTF-8 text."]}) from None
        with service_errors_as_400():
            result = services.metrics_import(
                workspace=workspace,
                channel=given.validated_data["channel"],
                rows=given.validated_data.get("rows"),
                csv_text=csv_text,
            )
        return Response(result.as_dict(), status=status.HTTP_200_OK)

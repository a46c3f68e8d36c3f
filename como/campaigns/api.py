"""The campaigns API: campaigns (CRUD), a campaign's daily metrics, and report imports.

Every view is a WorkspaceScopedViewSet: a campaign of another workspace is a 404, and an import
writes to the caller's workspace only (taken from the credentials, never from the body).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
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
from .selectors.performance import campaign_performance
from .serializers import (
    CampaignMetricsSerializer,
    CampaignPerformanceSerializer,
    CampaignSerializer,
    MetricsImportResultSerializer,
    MetricsImportSerializer,
    MetricsQuerySerializer,
    PerformanceQuerySerializer,
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
    queryset = Campaign.objects.select_related("workspace").prefetch_related("targets")
    serializer_class = CampaignSerializer
    pagination_class = CampaignPagination
    lookup_value_regex = r"\d+"

    def _validate(
        self, serializer: Any, workspace: Any, instance: Campaign | None
    ) -> list[services.TargetSpec] | None:
        """Check the campaign as it will be; return its new targets (``None``: unchanged)."""
        data = serializer.validated_data

        def current(name: str) -> Any:
            return data[name] if name in data else getattr(instance, name, None)

        targets = data.pop("targets", None)
        specs = None
        if targets is not None:
            specs = [services.TargetSpec(**target) for target in targets]
        with service_errors_as_400():
            services.campaign_validate(
                workspace=workspace,
                name=current("name") or "",
                channels=current("channels") or [],
                starts_on=current("starts_on"),
                ends_on=current("ends_on"),
                utm_campaigns=current("utm_campaigns") or [],
                instance=instance,
            )
        if specs is not None:
            channels = current("channels") or []
            if errors := services.target_errors(channels=channels, targets=specs):
                raise serializers.ValidationError(errors)
        elif instance is not None and "channels" in data:
            # Targets of a channel the campaign no longer runs on would be orphans.
            kept = [
                services.TargetSpec(t.channel, t.metric, t.value) for t in instance.targets.all()
            ]
            if services.target_errors(channels=data["channels"], targets=kept):
                raise serializers.ValidationError(
                    {"channels": ["Targets name a channel left out; send targets too."]}
                )
        return specs

    @transaction.atomic
    def perform_create(self, serializer: Any) -> None:
        workspace = target_workspace(self.request)
        targets = self._validate(serializer, workspace, None)
        campaign = serializer.save(workspace=workspace)
        services.campaign_targets_set(campaign=campaign, targets=targets or [])

    @transaction.atomic
    def perform_update(self, serializer: Any) -> None:
        targets = self._validate(serializer, serializer.instance.workspace, serializer.instance)
        campaign = serializer.save()
        if targets is not None:
            services.campaign_targets_set(campaign=campaign, targets=targets)

    @extend_schema(
        summary="A campaign's performance per channel: daily series, channels compared, "
        "targets against actuals",
        parameters=[PerformanceQuerySerializer],
        responses=CampaignPerformanceSerializer,
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def performance(self, request: Request, pk: str | None = None) -> Response:
        campaign = self.get_object()
        query = PerformanceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        found = campaign_performance(
            campaign=campaign,
            days=query.validated_data["days"],
            until=query.validated_data.get("until"),
        )
        return Response(CampaignPerformanceSerializer(found).data)

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

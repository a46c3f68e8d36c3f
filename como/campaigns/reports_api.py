"""``/api/v1/reports/…``: the funnel, attribution side by side per model, and the VIN report,
for the caller's workspace (an API key's, or the member's named one), over ``since``…``until``.

The same selectors the console's reports page draws (:mod:`como.console.reports`). A bad
parameter is a 400 naming the field; the span is at most :data:`MAX_DAYS` days.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from como.workspaces.api_base import WorkspaceScopedViewSet, target_workspace
from como.workspaces.roles import Permission

from .attribution.credit import MODELS
from .attribution.report import side_by_side
from .attribution.vin import vin_sales
from .models import Campaign
from .selectors.funnel import GROUPINGS, funnel

MAX_DAYS = 366
DEFAULT_DAYS = 90


class PeriodSerializer(serializers.Serializer):
    since = serializers.DateField(
        required=False, help_text=f"First UTC day (default: {DEFAULT_DAYS} days before until)."
    )
    until = serializers.DateField(required=False, help_text="Last UTC day (default: today).")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        until = attrs.get("until") or datetime.now(UTC).date()
        since = attrs.get("since") or until - timedelta(days=DEFAULT_DAYS - 1)
        if until < since:
            raise serializers.ValidationError({"until": ["Must not be before since."]})
        if (until - since).days >= MAX_DAYS:
            raise serializers.ValidationError({"since": [f"At most {MAX_DAYS} days."]})
        return attrs | {"since": since, "until": until}


class FunnelQuerySerializer(PeriodSerializer):
    by = serializers.ChoiceField(choices=GROUPINGS, default="channel")


class AttributionQuerySerializer(PeriodSerializer):
    by = serializers.ChoiceField(choices=("channel", "campaign"), default="channel")
    model = serializers.MultipleChoiceField(
        choices=list(MODELS), required=False, help_text="Models to show (default: every one)."
    )
    campaign = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


def period_of(query: serializers.Serializer) -> tuple[date, date]:
    return query.validated_data["since"], query.validated_data["until"]


def campaign_of(workspace: Any, pk: int | None) -> Campaign | None:
    """The workspace's campaign ``pk``; another workspace's is a field error, like a missing one."""
    if pk is None:
        return None
    found = Campaign.objects.filter(workspace=workspace, pk=pk).first()
    if found is None:
        raise serializers.ValidationError({"campaign": ["No such campaign."]})
    return found


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    if hasattr(value, "as_tuple"):  # Decimal: a string, as DRF serves money
        return str(value)
    return value


class ReportsViewSet(WorkspaceScopedViewSet):
    pagination_class = None
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:  # no model: every read goes through target_workspace
        return Campaign.objects.none()

    @extend_schema(
        summary="The lifecycle funnel with conversion rates and median times",
        parameters=[FunnelQuerySerializer],
        responses={200: dict},
    )
    def funnel(self, request: Request) -> Response:
        query = FunnelQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        workspace = target_workspace(request, Permission.VIEW)
        since, until = period_of(query)
        found = funnel(workspace=workspace, by=query.validated_data["by"], since=since, until=until)
        return Response(_jsonable(asdict(found)))

    @extend_schema(
        summary="Attribution side by side for every model, per channel or campaign",
        parameters=[AttributionQuerySerializer],
        responses={200: dict},
    )
    def attribution(self, request: Request) -> Response:
        query = AttributionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        workspace = target_workspace(request, Permission.VIEW)
        since, until = period_of(query)
        rows = side_by_side(
            workspace,
            by=query.validated_data["by"],
            since=since,
            until=until,
            campaign=campaign_of(workspace, query.validated_data.get("campaign")),
            models=sorted(query.validated_data.get("model") or MODELS, key=list(MODELS).index),
        )
        body = {"since": since, "until": until, "rows": [asdict(row) for row in rows]}
        return Response(_jsonable(body))

    @extend_schema(
        summary="Sold vehicles and the touches about their VIN",
        parameters=[PeriodSerializer],
        responses={200: dict},
    )
    def vin(self, request: Request) -> Response:
        query = PeriodSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        workspace = target_workspace(request, Permission.VIEW)
        since, until = period_of(query)
        sales = vin_sales(workspace, since=since, until=until)
        body = {"since": since, "until": until, "sales": [asdict(sale) for sale in sales]}
        return Response(_jsonable(body))

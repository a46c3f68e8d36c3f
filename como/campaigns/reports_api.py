"""``GET /api/v1/reports/funnel``: the lifecycle funnel of the caller's workspace (an API
key's, or the member's named one) over ``since``…``until``, grouped ``by`` channel, campaign or
score band (:mod:`como.campaigns.selectors.funnel`, which the console's reports page draws too).
Attribution side by side and the VIN report are served by ``/api/v1/attribution…``.

A bad parameter is a 400 naming the field; the span is at most :data:`MAX_DAYS` days.
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
from como.workspaces.validators import validate_day

from .models import Campaign
from .selectors.funnel import GROUPINGS, funnel

MAX_DAYS = 366
DEFAULT_DAYS = 90


class PeriodSerializer(serializers.Serializer):
    # Bounded (1970-2999): the funnel reads touches a year before since and a day past until.
    since = serializers.DateField(
        required=False,
        validators=[validate_day],
        help_text=f"First UTC day (default: {DEFAULT_DAYS} days before until).",
    )
    until = serializers.DateField(
        required=False, validators=[validate_day], help_text="Last UTC day (default: today)."
    )

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


def period_of(query: serializers.Serializer) -> tuple[date, date]:
    return query.validated_data["since"], query.validated_data["until"]


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
        # Which workspace answered, as the dashboard's API says it.
        return Response(_jsonable({"workspace": workspace.slug, **asdict(found)}))

"""``GET /api/v1/attribution`` (every model side by side, per channel or campaign) and
``GET /api/v1/attribution/vins`` (which channel and ad sold which vehicle): reads of the stored
credit for the caller's workspace; ``?format=csv`` for the same rows through como's
formula-safe CSV writer. Bad parameters are a 400 naming the field."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import renderers, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from como import csvsafe
from como.workspaces.api_base import WorkspaceScopedViewSet, target_workspace
from como.workspaces.roles import Permission
from como.workspaces.validators import validate_day

from ..models import AttributionCredit, Campaign
from .credit import MODELS
from .report import Row, side_by_side
from .vin import VinSale, vin_sales

MAX_DAYS = 731
DEFAULT_DAYS = 30


class CsvRenderer(renderers.BaseRenderer):
    """``?format=csv``: the view hands over the CSV text; anything else (an error body) is
    JSON, so a 400 still names its fields."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None
    ) -> Any:
        if isinstance(data, str):
            return data.encode()
        return json.dumps(data, default=str).encode()


class PeriodSerializer(serializers.Serializer):
    since = serializers.DateField(required=False, validators=[validate_day])
    until = serializers.DateField(required=False, validators=[validate_day])

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        until = attrs.get("until") or timezone.now().date()
        since = attrs.get("since") or until - timedelta(days=DEFAULT_DAYS - 1)
        if since > until:
            raise serializers.ValidationError({"since": ["Must not be after `until`."]})
        if (until - since).days >= MAX_DAYS:
            raise serializers.ValidationError({"since": [f"At most {MAX_DAYS} days."]})
        return attrs | {"since": since, "until": until}


class AttributionQuerySerializer(PeriodSerializer):
    by = serializers.ChoiceField(choices=["channel", "campaign"], default="channel")
    model = serializers.ChoiceField(choices=list(MODELS), required=False)
    campaign = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


ROW_FIELDS = (
    "key",
    "label",
    "model",
    "mqls",
    "pipeline",
    "revenue",
    "spend",
    "cost_per_mql",
    "roi",
)
SALE_FIELDS = (
    "opportunity_id",
    "vin",
    "sold_at",
    "amount",
    "contact_id",
    "first_touch_at",
    "days_to_sale",
    "credited_channel",
    "credited_ad",
    "other_touches",
)


def _text(value: Any) -> Any:
    if value is None or isinstance(value, (int, str)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csvsafe.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _row(row: Row) -> dict[str, Any]:
    return {name: _text(getattr(row, name)) for name in ROW_FIELDS}


def _sale(sale: VinSale) -> dict[str, Any]:
    body = {name: _text(getattr(sale, name)) for name in SALE_FIELDS}
    body["vin_touches"] = [
        {
            "at": touch.at.isoformat(),
            "kind": touch.kind,
            "channel": touch.channel,
            "campaign_id": touch.campaign_id,
            "ad_id": touch.ad_id,
            "event_id": touch.event_id,
        }
        for touch in sale.vin_touches
    ]
    return body


class AttributionViewSet(WorkspaceScopedViewSet):
    queryset = AttributionCredit.objects.all()
    pagination_class = None
    filter_backends: list[Any] = []
    renderer_classes = [renderers.JSONRenderer, CsvRenderer]

    def _csv_wanted(self, request: Request) -> bool:
        return getattr(request.accepted_renderer, "format", "") == "csv"

    @extend_schema(
        summary="Attributed MQLs, pipeline, revenue, spend, cost per MQL and ROI per channel or "
        "campaign, every model side by side (or one, with `model`)",
        parameters=[AttributionQuerySerializer],
        responses={200: OpenApiTypes.OBJECT},
    )
    def report(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        workspace = target_workspace(request, Permission.VIEW)
        query = AttributionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        campaign = None
        if "campaign" in data:
            campaign = Campaign.objects.filter(workspace=workspace, pk=data["campaign"]).first()
            if campaign is None:
                raise serializers.ValidationError({"campaign": ["No such campaign."]})
        models = [data["model"]] if "model" in data else None
        rows = side_by_side(
            workspace,
            by=data["by"],
            since=data["since"],
            until=data["until"],
            campaign=campaign,
            models=models,
        )
        if self._csv_wanted(request):
            text = _csv(ROW_FIELDS, ([_text(getattr(r, n)) for n in ROW_FIELDS] for r in rows))
            return _download(text, "attribution")
        return Response(
            {
                "workspace": workspace.slug,
                "since": data["since"].isoformat(),
                "until": data["until"].isoformat(),
                "by": data["by"],
                "models": models or list(MODELS),
                "rows": [_row(row) for row in rows],
            }
        )

    @extend_schema(
        summary="Sold vehicles and the touches about their VIN: which channel and ad sold "
        "which vehicle, and the days from first touch to sale",
        parameters=[PeriodSerializer],
        responses={200: OpenApiTypes.OBJECT},
    )
    def vins(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        workspace = target_workspace(request, Permission.VIEW)
        query = PeriodSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        since: date = query.validated_data["since"]
        until: date = query.validated_data["until"]
        sales = vin_sales(workspace, since=since, until=until)
        if self._csv_wanted(request):
            header = (*SALE_FIELDS, "vin_touches", "vin_channels")
            text = _csv(
                header,
                (
                    [
                        *(_text(getattr(s, n)) for n in SALE_FIELDS),
                        len(s.vin_touches),
                        " ".join(t.channel for t in s.vin_touches),
                    ]
                    for s in sales
                ),
            )
            return _download(text, "vin-sales")
        return Response(
            {
                "workspace": workspace.slug,
                "since": since.isoformat(),
                "until": until.isoformat(),
                "sales": [_sale(sale) for sale in sales],
            }
        )


def _download(text: str, name: str) -> Response:
    response = Response(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response

"""The MQL handoff API: sales' queue and verdicts, and the report.

* ``GET /api/v1/handoffs[?state=open|accepted|rejected&mine=true]`` and
  ``GET /api/v1/handoffs/{id}`` — handoffs of the caller's workspaces, newest first.
* ``POST /api/v1/handoffs/{id}/touch`` — first contact made: the SLA timer stops.
* ``POST /api/v1/handoffs/{id}/accept`` (``{"note": …}``) — the contact becomes an SQL.
* ``POST /api/v1/handoffs/{id}/reject`` (``{"reason": …, "note": …}``) — recycled.
* ``GET /api/v1/reports/handoffs?from=&to=`` — per workspace: MQL→SQL conversion, median time
  to first touch, SLA hit rate, rejection reasons.

Reading needs the view permission; the verdicts need ``handle_handoff`` (sales, owners) in the
handoff's workspace. API keys and the agent identity never have it. Another workspace's handoff
is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from como.workspaces.api_base import WorkspaceScopedViewSet, service_errors_as_400
from como.workspaces.models import Workspace
from como.workspaces.openapi import DETAIL, errors_response
from como.workspaces.pagination import StrictCursorPagination
from como.workspaces.permissions import IsWorkspaceCaller
from como.workspaces.roles import Permission
from como.workspaces.users import signed_in

from ..models import Handoff, HandoffOutcome
from . import services
from .selectors import handoff_report
from .serializers import (
    HandoffAcceptSerializer,
    HandoffListQuerySerializer,
    HandoffRejectSerializer,
    HandoffReportQuerySerializer,
    HandoffReportsSerializer,
    HandoffSerializer,
    report_body,
)

#: The report's default period, when ``from`` is not given.
DEFAULT_PERIOD = timedelta(days=30)

_ERRORS = errors_response(
    'Messages by field, or {"detail": "…"} when the request as a whole is wrong.'
)


class HandlesHandoffs(IsWorkspaceCaller):
    """Reads: the view permission somewhere. POSTs (the verdicts): ``handle_handoff``
    somewhere, and in the handoff's workspace."""

    message = "Only sales members (and owners) of the handoff's workspace may do this."

    def needed(self, request: Request) -> Permission:
        return Permission.HANDLE_HANDOFF if request.method == "POST" else Permission.VIEW


class HandoffPagination(StrictCursorPagination):
    ordering = ("-id",)


_VERDICT = {
    200: HandoffSerializer,
    400: _ERRORS,
    403: DETAIL,
    404: DETAIL,
}


@extend_schema_view(
    list=extend_schema(
        summary="MQL handoffs of your workspaces, newest first",
        parameters=[HandoffListQuerySerializer],
        responses={200: HandoffSerializer(many=True), 400: _ERRORS},
    ),
    retrieve=extend_schema(summary="An MQL handoff, with its escalations"),
    touch=extend_schema(
        summary="Record the first touch (the SLA timer stops)",
        description="Only the first touch counts; touching again changes nothing.",
        request=None,
        responses=_VERDICT,
    ),
    accept=extend_schema(
        summary="Accept the MQL: the contact becomes an SQL",
        request=HandoffAcceptSerializer,
        responses=_VERDICT,
    ),
    reject=extend_schema(
        summary="Reject the MQL with a reason: the contact is recycled",
        description="`reason` is one of the listed choices; `other` needs a `note`.",
        request=HandoffRejectSerializer,
        responses=_VERDICT,
    ),
)
class HandoffViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, WorkspaceScopedViewSet):
    queryset = Handoff.objects.select_related(
        "workspace", "contact", "rep", "territory"
    ).prefetch_related("escalations__from_user", "escalations__to_user")
    serializer_class = HandoffSerializer
    permission_classes = [HandlesHandoffs]
    pagination_class = HandoffPagination
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        queryset = super().get_queryset()
        if self.action != "list":
            return queryset
        query = HandoffListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        state = query.validated_data.get("state")
        if state == "open":
            queryset = queryset.filter(outcome="")
        elif state:
            queryset = queryset.filter(outcome=HandoffOutcome(state))
        if query.validated_data.get("mine"):
            queryset = queryset.filter(Q(rep_id=self.request.user.pk))
        return queryset

    def _verdict(self, request: Request, decide: Callable[[Handoff], Handoff]) -> Response:
        handoff = self.get_object()
        with service_errors_as_400():
            decide(handoff)
        fresh = self.get_queryset().get(pk=handoff.pk)
        return Response(HandoffSerializer(fresh).data)

    @action(detail=True, methods=["post"])
    def touch(self, request: Request, pk: Any = None) -> Response:
        return self._verdict(
            request,
            lambda handoff: services.handoff_touch(handoff=handoff, user=signed_in(request.user)),
        )

    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: Any = None) -> Response:
        body = HandoffAcceptSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        note = body.validated_data["note"]
        return self._verdict(
            request,
            lambda handoff: services.handoff_accept(
                handoff=handoff, user=signed_in(request.user), note=note
            ),
        )

    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: Any = None) -> Response:
        body = HandoffRejectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        return self._verdict(
            request,
            lambda handoff: services.handoff_reject(
                handoff=handoff,
                user=signed_in(request.user),
                reason=data["reason"],
                note=data["note"],
            ),
        )


class HandoffReportViewSet(WorkspaceScopedViewSet):
    queryset = Handoff.objects.all()
    serializer_class = HandoffReportsSerializer
    pagination_class = None
    filter_backends: list[Any] = []

    @extend_schema(
        summary="The MQL handoff report, per workspace and period",
        description="Handoffs handed to sales in [`from`, `to`): MQL→SQL conversion rate, "
        "median time to first touch, SLA hit rate and rejection reasons, one entry per "
        "workspace you can read.",
        parameters=[HandoffReportQuerySerializer],
        responses={200: HandoffReportsSerializer, 400: _ERRORS},
    )
    def report(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = HandoffReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        end = query.validated_data.get("to") or timezone.now()
        start = query.validated_data.get("from") or end - DEFAULT_PERIOD
        if start >= end:
            raise serializers.ValidationError({"from": ["Must be before `to`."]})
        workspaces = Workspace.objects.visible_to(self.principal).order_by("name", "pk")
        slug = query.validated_data.get("workspace")
        if slug:
            workspaces = workspaces.filter(slug=slug)
        reports = handoff_report(workspaces=list(workspaces), start=start, end=end)
        return Response(HandoffReportsSerializer(report_body(start, end, reports)).data)

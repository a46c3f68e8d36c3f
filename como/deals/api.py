"""``/api/v1/opportunities``: post a batch of deals (idempotent by external id), list and read
them with their stage history; every view workspace-scoped.

POST answers 200 when every item was created, updated or unchanged, and 400 with the same
envelope when some were rejected: each rejected result names its ``index`` and its field
errors, and the good items are stored all the same (send the fixed ones again: what is
stored already comes back ``unchanged``).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from como.leads.filters import IdFilter
from como.workspaces.api_base import WorkspaceScopedViewSet, target_workspace
from como.workspaces.openapi import errors_response
from como.workspaces.pagination import StrictCursorPagination
from como.workspaces.principal import principal_for_request

from .models import Opportunity, OpportunityStatus
from .serializers import (
    OpportunityBatchResultSerializer,
    OpportunityBatchSerializer,
    OpportunityDetailSerializer,
    OpportunityInSerializer,
    OpportunitySerializer,
)
from .services import Outcome, opportunities_save

VIA = "api"


class OpportunityFilter(filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=OpportunityStatus.choices)
    contact = IdFilter(field_name="contact_id", help_text="A contact's id.")
    account = IdFilter(field_name="account_id", help_text="An account's id.")
    external_id = django_filters.CharFilter(help_text="The CRM's id.")

    class Meta:
        model = Opportunity
        fields: list[str] = []


class OpportunityPagination(StrictCursorPagination):
    ordering = ("-opened_at", "-id")


_BATCH_REJECTED = OpenApiResponse(
    {
        "oneOf": [
            {"$ref": "#/components/schemas/OpportunityBatchResult"},
            errors_response("").response,
        ]
    },
    description="The results, with each rejected item's index and field errors (the good "
    "items were stored), or messages by field when the batch itself was refused.",
)


@extend_schema_view(
    list=extend_schema(summary="List opportunities, newest first"),
    retrieve=extend_schema(summary="An opportunity with its stage history"),
)
class OpportunityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, WorkspaceScopedViewSet):
    queryset = Opportunity.objects.all()
    serializer_class = OpportunitySerializer
    pagination_class = OpportunityPagination
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = OpportunityFilter
    lookup_value_regex = r"\d+"

    def get_serializer_class(self) -> Any:
        return OpportunityDetailSerializer if self.action == "retrieve" else OpportunitySerializer

    def get_queryset(self) -> Any:
        queryset = super().get_queryset()
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("transitions")
        return queryset

    @extend_schema(
        summary="Create or update opportunities (a batch, idempotent by external id)",
        request=OpportunityBatchSerializer,
        responses={200: OpportunityBatchResultSerializer, 400: _BATCH_REJECTED},
        description="Each item is an `OpportunityIn`: "
        + ", ".join(OpportunityInSerializer().fields)
        + ". A re-sent item updates the opportunity and records a transition only when its "
        "status or stage moved.",
    )
    def create(self, request: Request) -> Response:
        workspace = target_workspace(request)
        given = OpportunityBatchSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        outcomes = opportunities_save(
            workspace=workspace,
            items=given.validated_data["opportunities"],
            via=VIA,
            actor=principal_for_request(request),
        )
        body = envelope(outcomes)
        answer = status.HTTP_400_BAD_REQUEST if body["rejected"] else status.HTTP_200_OK
        return Response(body, status=answer)


def envelope(outcomes: list[Outcome]) -> dict[str, Any]:
    counts = dict.fromkeys(("created", "updated", "unchanged", "rejected"), 0)
    results = []
    for outcome in outcomes:
        counts[outcome.status] += 1
        item: dict[str, Any] = {
            "index": outcome.index,
            "external_id": outcome.external_id,
            "status": outcome.status,
            "id": outcome.id,
        }
        if outcome.errors is not None:
            item["errors"] = outcome.errors
        results.append(item)
    return {"results": results, **counts}

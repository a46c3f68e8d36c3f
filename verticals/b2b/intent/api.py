"""The intent API.

* ``POST /api/v1/intent/signals`` — a batch ``{"signals": [...]}`` of up to
  :data:`~.services.MAX_BATCH` (members and workspace API keys). Each item is answered in
  request order: ``created``, ``updated`` (its key was stored with other values: the reading is
  revised), ``unchanged`` (stored with the same values: nothing changed), ``superseded`` (a later
  item of the batch has its key; that one is stored) or ``rejected`` with field errors. Good items
  are stored whatever the others are. 200 when nothing was rejected, 207 when some items were,
  400 when every item was (the same body: each result names its index and fields).
* ``GET /api/v1/intent/signals`` — the caller's signals, newest first (``?account=``,
  ``?domain=``, ``?provider=``).
* ``GET /api/v1/accounts/{id}/intent?at=`` — the account's intent at ``at`` (default now) with
  every signal's part of it.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from como.ingest.serializers import ERRORS_DOC
from como.leads.filters import IdFilter
from como.leads.models import Account
from como.workspaces.api_base import WorkspaceScopedViewSet, target_workspace
from como.workspaces.openapi import DETAIL, errors_response
from como.workspaces.pagination import StrictCursorPagination
from como.workspaces.parsers import LenientJSONParser

from .models import IntentSignal, SignalSource
from .selectors import accounts_intent_at
from .serializers import (
    BATCH_DOC,
    BATCH_RESPONSE_DOC,
    AccountIntentSerializer,
    IntentQuerySerializer,
    IntentSignalSerializer,
    account_intent_body,
    batch_response,
)
from .services import MAX_BATCH, intent_signals_record

BATCH_RESPONSES = {
    200: OpenApiResponse(BATCH_RESPONSE_DOC, description="Nothing rejected."),
    207: OpenApiResponse(BATCH_RESPONSE_DOC, description="Some items rejected; see each."),
    400: OpenApiResponse(
        {"oneOf": [{"$ref": "#/components/schemas/IntentSignalBatchResponse"}, ERRORS_DOC]},
        description="Every item rejected (each result names its index and fields), or the "
        "body is not a batch.",
    ),
}


def batch_items(payload: Any) -> list[Any]:
    """The items of ``{"signals": [...]}``; a 400 naming the problem when it is not one."""
    if not isinstance(payload, dict) or "signals" not in payload:
        raise exceptions.ValidationError({"detail": 'Send {"signals": [...]}.'})
    extra = sorted(set(payload) - {"signals"})
    if extra:
        raise exceptions.ValidationError(
            {key: ["Unexpected next to signals; put fields inside each signal."] for key in extra}
        )
    items = payload["signals"]
    if not isinstance(items, list) or not items:
        raise exceptions.ValidationError({"signals": ["Send a list of one or more signals."]})
    if len(items) > MAX_BATCH:
        raise exceptions.ValidationError(
            {"signals": [f"At most {MAX_BATCH} signals per request (got {len(items)}); split it."]}
        )
    return items


def batch_answer(results: list[Any]) -> Response:
    body = batch_response(results)
    answer: int
    if not body["rejected"]:
        answer = status.HTTP_200_OK
    elif body["rejected"] == len(results):
        answer = status.HTTP_400_BAD_REQUEST
    else:
        answer = status.HTTP_207_MULTI_STATUS
    return Response(body, status=answer)


class IntentSignalFilter(filters.FilterSet):
    account = IdFilter(field_name="account_id", help_text="An account's id.")
    domain = filters.CharFilter(field_name="domain", help_text="The account's domain, exact.")
    provider = filters.CharFilter(field_name="provider")

    class Meta:
        model = IntentSignal
        fields: list[str] = []


class IntentSignalPagination(StrictCursorPagination):
    ordering = ("-occurred_at", "-id")
    page_size_query_param = "limit"  # as the events list: a client pages an account's signals
    max_page_size = 1000


@extend_schema_view(list=extend_schema(summary="List intent signals, newest first"))
class IntentSignalViewSet(mixins.ListModelMixin, WorkspaceScopedViewSet):
    queryset = IntentSignal.objects.all()
    serializer_class = IntentSignalSerializer
    pagination_class = IntentSignalPagination
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = IntentSignalFilter
    parser_classes = [LenientJSONParser]  # each item's values are judged on their own

    @extend_schema(
        summary="Record a batch of intent signals (6sense, Bombora, …)",
        description=(
            f'`{{"signals": [...]}}` with up to {MAX_BATCH}. Idempotent by provider, domain, '
            "topic and week: a re-send updates the stored reading or changes nothing, never "
            "stores it twice. Each item is answered in order: created, updated, unchanged, "
            "superseded (a later item of the batch has its key) or rejected with field errors; "
            "good items are stored whatever the others are. 200 when nothing was rejected, 207 "
            "when some items were, 400 when all were."
        ),
        request={"application/json": BATCH_DOC},
        responses=BATCH_RESPONSES,
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        workspace = target_workspace(request)
        items = batch_items(request.data)
        results = intent_signals_record(workspace=workspace, items=items, source=SignalSource.API)
        return batch_answer(results)


@extend_schema_view(
    retrieve=extend_schema(
        summary="An account's intent at an instant, explained signal by signal",
        description="Signals at or above the playbook's surge bar add score * "
        "points_per_score when they occur, decayed like contact intent; per ISO week only the "
        "highest max_surges_per_week count. Signals occurring after `at` are left out.",
        parameters=[IntentQuerySerializer],
        responses={
            200: AccountIntentSerializer,
            400: errors_response("Messages by query parameter."),
            404: OpenApiResponse(DETAIL.response, description="No such account."),
        },
    )
)
class AccountIntentViewSet(mixins.RetrieveModelMixin, WorkspaceScopedViewSet):
    queryset = Account.objects.select_related("workspace")
    serializer_class = AccountIntentSerializer
    filter_backends: list[Any] = []
    pagination_class = None

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = IntentQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        account = self.get_object()
        at = query.validated_data.get("at") or timezone.now()
        (intent,) = accounts_intent_at(
            workspace=account.workspace, at=at, account_ids=[account.pk]
        ).values()
        return Response(AccountIntentSerializer(account_intent_body(account, intent)).data)

"""The scoring API: a contact's score explained at any instant, and the model versions.

* ``GET /api/v1/contacts/{id}/score?at=…&version=…`` — the score, fit, intent and per-rule
  breakdown at ``at`` (default now). Numbers are the engine's exact values rounded to
  :data:`~.serializers.DISPLAY_DECIMALS` decimals (half to even) for display; ``is_mql`` is
  decided on the exact values.
* ``GET /api/v1/scoring-models[/{id}]`` — the caller's versions, newest first.
* ``POST /api/v1/scoring-models`` — a new version (needs the configure-playbook permission in
  the target workspace; API keys never have it). The answer names the background re-score
  run an activated version starts.

Scoring is a floor above leads, so the score route lives here, over the Contact rows, rather
than in :mod:`como.leads.api`.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from como.leads.models import Contact
from como.workspaces.api_base import (
    WORKSPACE_HEADER,
    WorkspaceScopedViewSet,
    service_errors_as_400,
    target_workspace,
)
from como.workspaces.openapi import DETAIL, errors_response
from como.workspaces.pagination import StrictCursorPagination
from como.workspaces.roles import Permission
from como.workspaces.users import signed_in

from . import selectors, services
from .models import ScoringModel
from .serializers import (
    DISPLAY_DECIMALS,
    ContactScoreSerializer,
    ScoreQuerySerializer,
    ScoringModelCreatedSerializer,
    ScoringModelCreateSerializer,
    ScoringModelSerializer,
)

_ERRORS = errors_response(
    'Messages by field, or {"detail": "…"} when the body as a whole is wrong.'
)


@extend_schema_view(
    retrieve=extend_schema(
        summary="A contact's score at an instant, explained rule by rule",
        description="Exact at any past or present instant: events after `at` are ignored and "
        f"intent is decayed to `at`. Numbers are rounded to {DISPLAY_DECIMALS} decimals for "
        "display (each on its own, so the breakdown may differ from the total in the last "
        "digit); `is_mql` is decided on the exact values.",
        parameters=[ScoreQuerySerializer],
        responses={
            200: ContactScoreSerializer,
            400: _ERRORS,
            404: OpenApiResponse(
                DETAIL.response, description="No such contact, or no such model version."
            ),
        },
    )
)
class ContactScoreViewSet(mixins.RetrieveModelMixin, WorkspaceScopedViewSet):
    queryset = Contact.objects.select_related("workspace", "account")
    serializer_class = ContactScoreSerializer
    filter_backends: list[Any] = []
    pagination_class = None

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = ScoreQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        contact = self.get_object()
        at = query.validated_data.get("at") or timezone.now()
        version = query.validated_data.get("version")
        if version is None:
            model = services.scoring_model_active(workspace=contact.workspace)
        else:
            found = ScoringModel.objects.filter(
                workspace_id=contact.workspace_id, version=version
            ).first()
            if found is None:
                raise exceptions.NotFound(f"No version {version} of this workspace's model.")
            model = found
        score = selectors.contact_score_at(contact=contact, at=at, model=model)
        shown = score.rounded(DISPLAY_DECIMALS)
        body = {
            "contact": contact.pk,
            "at": score.at,
            "score": shown["score"],
            "fit": shown["fit"],
            "intent": shown["intent"],
            "threshold": score.threshold,
            "min_fit": score.min_fit,
            "is_mql": score.is_mql,
            "stage": contact.lifecycle_stage,
            "model_version": model.version,
            "breakdown": shown["breakdown"],
        }
        return Response(ContactScoreSerializer(body).data)


class ScoringModelPagination(StrictCursorPagination):
    ordering = ("-id",)


@extend_schema_view(
    list=extend_schema(summary="The scoring model versions you can read, newest first"),
    retrieve=extend_schema(summary="Get a scoring model version"),
    create=extend_schema(
        summary="Create the next version of a workspace's scoring model",
        description="Versions are immutable: a change is a new version (n+1), active unless "
        "`activate` is false; an active one re-scores the workspace's contacts in the "
        "background (`rescore_run`). Needs the configure-playbook permission (owners, "
        "marketers); API keys never have it.",
        parameters=[
            OpenApiParameter(
                WORKSPACE_HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="Slug of the workspace; needed only by members of several.",
            )
        ],
        request=ScoringModelCreateSerializer,
        responses={
            201: ScoringModelCreatedSerializer,
            400: _ERRORS,
            403: DETAIL,
            404: DETAIL,
        },
    ),
)
class ScoringModelViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    WorkspaceScopedViewSet,
):
    queryset = ScoringModel.objects.select_related("workspace", "created_by")
    serializer_class = ScoringModelSerializer
    pagination_class = ScoringModelPagination
    filter_backends: list[Any] = []

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = ScoringModelCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        workspace = target_workspace(request, Permission.CONFIGURE_PLAYBOOK)
        user = signed_in(request.user)  # an API key creates as nobody
        with service_errors_as_400():
            created = services.scoring_model_create_version(
                workspace=workspace, created_by=user, **incoming.validated_data
            )
        return Response(ScoringModelCreatedSerializer(created).data, status=status.HTTP_201_CREATED)

"""``POST /api/v1/account-plays/{id}/drop-parts``: the approver drops parts of a waiting play
before approving it (:func:`.services.play_parts_drop`). A person only: an API key or the agent
identity may not (403); a foreign or unknown play is a 404 whatever the body."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from como.agents.api import MayReadActions, service_refusals_as_403
from como.agents.models import AgentAction
from como.workspaces.api_base import WorkspaceScopedViewSet, service_errors_as_400
from como.workspaces.openapi import DETAIL, errors_response
from como.workspaces.users import signed_in

from ..accounts.settings import PLAY_PARTS
from .agent import KIND
from .services import play_parts_drop


class DropPartsSerializer(serializers.Serializer):
    parts = serializers.ListField(
        child=serializers.ChoiceField(choices=PLAY_PARTS), min_length=1, max_length=3
    )


class PlaySerializer(serializers.ModelSerializer):
    class Meta:
        model = AgentAction
        fields = ["id", "status", "payload", "preview"]
        read_only_fields = fields


class AccountPlayViewSet(WorkspaceScopedViewSet):
    queryset = AgentAction.objects.filter(kind=KIND).select_related("workspace")
    serializer_class = PlaySerializer
    lookup_value_regex = r"\d+"
    filter_backends: list[Any] = []
    pagination_class = None
    # Deciding is not an edit (approvers hold ``approve`` without ``edit_data``): the service
    # checks ``approve`` in the play's own workspace.
    permission_classes = [MayReadActions]

    @extend_schema(
        summary="Drop parts of a waiting account play before approving it",
        request=DropPartsSerializer,
        responses={
            200: PlaySerializer,
            400: errors_response("Not its parts, every part, or the play is not waiting."),
            403: OpenApiResponse(DETAIL.response, description="Only an approver may."),
            404: OpenApiResponse(DETAIL.response, description="No such play in your workspaces."),
        },
    )
    @action(detail=True, methods=["post"], url_path="drop-parts")
    def drop_parts(self, request: Request, pk: str | None = None) -> Response:
        play = self.get_object()
        given = DropPartsSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        with service_errors_as_400(), service_refusals_as_403():
            play_parts_drop(
                action=play, parts=given.validated_data["parts"], user=signed_in(request.user)
            )
        play.refresh_from_db()
        return Response(PlaySerializer(play).data)

"""The actions API: the approval queue, and approving or rejecting one action.

* ``GET /api/v1/actions[?status=proposed&agent=…&kind=…&channel=…&risk=…]`` — the caller's
  actions, newest first.
* ``GET /api/v1/actions/{id}`` — one action with its approvals and its audit trail.
* ``GET /api/v1/playbook/versions`` — the playbook's versions, newest first, each with its
  resolved settings and its changes against the version before.
* ``POST /api/v1/actions/{id}/approve`` (``{"note": "…"}``, needed when the action has
  compliance warnings) and ``POST /api/v1/actions/{id}/reject`` (``{"reason": "…"}``).

Reading needs the view permission in the action's workspace. Deciding needs the approve
permission there, and a person: an API key or the agent identity is refused (403) whatever it
asks; another workspace's action is 404 as on every route. The four-eyes rules themselves
(the proposer never approves, a blocking finding stops approval, a warning needs a note) are the
services' (:mod:`como.agents.services`): their PermissionDenied answers 403 and their
ValidationError 400 with the messages by field.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Prefetch
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from como.workspaces.api_base import WorkspaceScopedViewSet, service_errors_as_400
from como.workspaces.openapi import DETAIL, errors_response
from como.workspaces.pagination import StrictCursorPagination
from como.workspaces.permissions import IsWorkspaceCaller
from como.workspaces.principal import CallerKind
from como.workspaces.roles import Permission
from como.workspaces.users import signed_in

from . import services
from .filters import AgentActionFilter
from .models import ActionApproval, ActionTransition, AgentAction, PlaybookVersion
from .serializers import (
    ActionApproveSerializer,
    ActionRejectSerializer,
    AgentActionSerializer,
    PlaybookVersionSerializer,
)

_ERRORS = errors_response(
    'Messages by field ("non_field_errors" for the action as a whole), or '
    '{"detail": "…"} when the body cannot be read.'
)
_NOT_FOUND = OpenApiResponse(
    DETAIL.response, description="No such action among those you can read."
)


class MayReadActions(IsWorkspaceCaller):
    """Any workspace caller may read (and ask to decide on) the actions it can see.

    Deciding is not an edit: approvers hold ``approve`` without ``edit_data``. Whether the
    caller may decide on a given action is checked by the view, in that action's workspace.
    """

    def needed(self, request: Request) -> Permission:
        return Permission.VIEW


class ActionPagination(StrictCursorPagination):
    ordering = ("-id",)


@contextmanager
def service_refusals_as_403() -> Iterator[None]:
    """Report a service's PermissionDenied as a 403 that keeps the service's reason."""
    try:
        yield
    except DjangoPermissionDenied as error:
        raise exceptions.PermissionDenied(str(error) or None) from None


_DECISION_RESPONSES = {
    200: AgentActionSerializer,
    400: _ERRORS,
    403: DETAIL,
    404: _NOT_FOUND,
}


@extend_schema_view(
    list=extend_schema(
        summary="List agent actions (the approval queue: ?status=proposed), newest first"
    ),
    retrieve=extend_schema(
        summary="Get an action with its approvals and audit trail",
        responses={200: AgentActionSerializer, 404: _NOT_FOUND},
    ),
)
class AgentActionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, WorkspaceScopedViewSet):
    queryset = AgentAction.objects.select_related("workspace", "proposed_by")
    serializer_class = AgentActionSerializer
    permission_classes = [MayReadActions]
    filter_backends = [DjangoFilterBackend]
    filterset_class = AgentActionFilter
    pagination_class = ActionPagination

    def get_queryset(self) -> Any:
        return (
            super()
            .get_queryset()
            .prefetch_related(
                Prefetch(
                    "approvals",
                    queryset=ActionApproval.objects.select_related("user").order_by(
                        "created_at", "id"
                    ),
                ),
                Prefetch("transitions", queryset=ActionTransition.objects.select_related("actor")),
            )
        )

    @extend_schema(
        summary="Approve an action",
        description="Records your approval; with as many approvals as the playbook's policy "
        "requires (one, or two different people) the action is approved and executed. The "
        "proposer cannot approve, nor can an API key or the agent identity (403); a blocking "
        "compliance finding makes approval impossible and a warning needs a `note` (400).",
        request=ActionApproveSerializer,
        responses=_DECISION_RESPONSES,
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def approve(self, request: Request, pk: str | None = None) -> Response:
        agent_action = self._decidable()
        incoming = ActionApproveSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        with service_errors_as_400(), service_refusals_as_403():
            services.action_approve(
                action=agent_action,
                user=signed_in(request.user),
                note=incoming.validated_data["note"],
            )
        return self._answer(agent_action)

    @extend_schema(
        summary="Reject an action, with the reason",
        request=ActionRejectSerializer,
        responses=_DECISION_RESPONSES,
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def reject(self, request: Request, pk: str | None = None) -> Response:
        agent_action = self._decidable()
        incoming = ActionRejectSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        with service_errors_as_400(), service_refusals_as_403():
            services.action_reject(
                action=agent_action,
                user=signed_in(request.user),
                reason=incoming.validated_data["reason"],
            )
        return self._answer(agent_action)

    def _decidable(self) -> AgentAction:
        """The action named in the URL (404 unless the caller can read it), if the caller may
        decide on it at all (403 otherwise)."""
        agent_action: AgentAction = self.get_object()
        principal = self.principal
        if principal.kind is CallerKind.API_KEY:
            raise exceptions.PermissionDenied(
                "An API key cannot approve or reject actions: a decision names a person."
            )
        if principal.kind is CallerKind.AGENT:
            raise exceptions.PermissionDenied(
                "The agent identity proposes actions; it never approves or rejects them."
            )
        if not principal.can(Permission.APPROVE, agent_action.workspace_id):
            raise exceptions.PermissionDenied(
                "You may not approve or reject actions in this workspace."
            )
        return agent_action

    def _answer(self, agent_action: AgentAction) -> Response:
        fresh = self.get_queryset().get(pk=agent_action.pk)
        return Response(AgentActionSerializer(fresh).data)


class PlaybookVersionPagination(StrictCursorPagination):
    ordering = ("-id",)


@extend_schema_view(
    list=extend_schema(summary="List the playbook's versions, newest first, with their changes")
)
class PlaybookVersionViewSet(mixins.ListModelMixin, WorkspaceScopedViewSet):
    queryset = PlaybookVersion.objects.select_related("created_by", "scoring_model")
    serializer_class = PlaybookVersionSerializer
    pagination_class = PlaybookVersionPagination

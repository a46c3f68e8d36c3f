"""The leads API: contacts, accounts, a contact's timeline, and the caller's workspaces.

Views translate HTTP to service calls and back; every one is a WorkspaceScopedViewSet, so its
rows are always the caller's. Writes take the workspace from the credentials
(:func:`~como.workspaces.api_base.target_workspace`), never from the body.
"""

from __future__ import annotations

from typing import Any

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from como.workspaces.api_base import (
    WORKSPACE_HEADER,
    WorkspaceScopedViewSet,
    service_errors_as_400,
    target_workspace,
)
from como.workspaces.models import Workspace
from como.workspaces.pagination import StrictCursorPagination
from como.workspaces.principal import principal_for_request

from . import selectors, services
from .filters import AccountFilter, ContactFilter, StableOrderingFilter
from .models import Account, Contact
from .ranked_list import CURSOR_PARAM, RankedPage, RankedQuerySerializer
from .ranking import AccountScorer, ContactScorer, account_scorer, contact_scorer
from .serializers import (
    AccountSerializer,
    ContactSerializer,
    EventSerializer,
    WorkspaceSerializer,
)

_WORKSPACE_PARAMETER = OpenApiParameter(
    WORKSPACE_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Slug of the workspace to write to; needed only by members of several "
    "workspaces (an API key always writes to its own).",
)


class _CrudViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    WorkspaceScopedViewSet,
):
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]
    #: what a row's serializer reads besides the row (loaded with a ranked page)
    related: tuple[str, ...] = ()


def _ranked_response(
    view: _CrudViewSet, request: Request, model: Any, scorer: ContactScorer | AccountScorer | None
) -> Response:
    """A page of ``model`` rows ranked exactly by current score at one instant, from the
    registered scorer (see ``ranked_list``); shared by contacts and accounts."""
    if scorer is None:
        raise exceptions.ValidationError({"ordering": ["Scoring is not installed."]})
    page = RankedPage.from_request(request)
    # The bare table (no joins) so the scorer can walk its ranking index.
    rows_qs = DjangoFilterBackend().filter_queryset(
        request, model.objects.visible_to(view.principal), view
    )
    rows = scorer.rank(
        rows_qs,
        workspace_ids=selectors.visible_workspace_ids(view.principal),
        at=page.at,
        offset=page.offset,
        limit=page.limit + 1,  # one more tells whether there is a next page
    )
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    scores = dict(rows)
    found = model.objects.select_related(*view.related).in_bulk(scores)  # scoped ids
    context = {**view.get_serializer_context(), "scores": scores}
    serializer = view.get_serializer(
        [found[pk] for pk, _ in rows if pk in found], many=True, context=context
    )
    return Response(
        {
            "next": page.next_link(request, more),
            "previous": page.previous_link(request),
            "results": serializer.data,
        }
    )


#: The ``ordering`` that ranks contacts by current score (highest first).
RANKED = "-score"


class EventTimelinePagination(StrictCursorPagination):
    ordering = ("-occurred_at", "-id")


@extend_schema_view(
    list=extend_schema(summary="List contacts"),
    create=extend_schema(summary="Create a contact", parameters=[_WORKSPACE_PARAMETER]),
    retrieve=extend_schema(summary="Get a contact"),
    update=extend_schema(summary="Replace a contact's fields"),
    partial_update=extend_schema(summary="Change some of a contact's fields"),
    destroy=extend_schema(summary="Delete a contact and its events"),
)
class ContactViewSet(_CrudViewSet):
    related = ("workspace", "score")
    queryset = Contact.objects.select_related(*related)
    serializer_class = ContactSerializer
    filterset_class = ContactFilter
    ordering_fields = ["created_at", "last_seen_at"]
    ordering_extra = [RANKED]
    ordering_sort_keys = {"last_seen_at": selectors.LAST_SEEN_SORT_KEY}
    ordering = ["-created_at"]

    def get_queryset(self) -> Any:
        return selectors.contacts_with_sort_keys(super().get_queryset())

    @extend_schema(
        parameters=[
            RankedQuerySerializer,
            OpenApiParameter(CURSOR_PARAM, OpenApiTypes.STR, description="A page's cursor."),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ordering = request.query_params.get("ordering", "")
        if ordering == RANKED:
            return self._ranked(request)
        if ordering == "score":
            raise exceptions.ValidationError(
                {"ordering": ["Scores are ranked highest first only: use ordering=-score."]}
            )
        return super().list(request, *args, **kwargs)

    def _ranked(self, request: Request) -> Response:
        """The exact ranking at one instant, from the scorer (see ``ranked_list``)."""
        return _ranked_response(self, request, Contact, contact_scorer())

    def perform_create(self, serializer: Any) -> None:
        with service_errors_as_400():
            serializer.instance = services.contact_create(
                workspace=target_workspace(self.request),
                actor=principal_for_request(self.request),
                **serializer.validated_data,
            )

    def perform_update(self, serializer: Any) -> None:
        with service_errors_as_400():
            serializer.instance = services.contact_update(
                contact=serializer.instance,
                actor=principal_for_request(self.request),
                **serializer.validated_data,
            )

    def perform_destroy(self, instance: Contact) -> None:
        services.contact_delete(contact=instance)

    @extend_schema(
        summary="A contact's event timeline, newest first",
        responses=EventSerializer(many=True),
    )
    @action(
        detail=True,
        methods=["get"],
        serializer_class=EventSerializer,
        pagination_class=EventTimelinePagination,
        filter_backends=[],
    )
    def events(self, request: Request, pk: str | None = None) -> Response:
        contact = self.get_object()
        page = self.paginate_queryset(
            selectors.contact_timeline(contact=contact, principal=self.principal)
        )
        return self.get_paginated_response(EventSerializer(page, many=True).data)


@extend_schema_view(
    list=extend_schema(summary="List accounts"),
    create=extend_schema(summary="Create an account", parameters=[_WORKSPACE_PARAMETER]),
    retrieve=extend_schema(summary="Get an account"),
    update=extend_schema(summary="Replace an account's fields"),
    partial_update=extend_schema(summary="Change some of an account's fields"),
    destroy=extend_schema(summary="Delete an account (its contacts stay)"),
)
class AccountViewSet(_CrudViewSet):
    related = ("workspace", "owner")
    queryset = Account.objects.select_related(*related)
    serializer_class = AccountSerializer
    filterset_class = AccountFilter
    ordering_fields = ["created_at", "name", "domain"]
    ordering_extra = [RANKED]
    ordering = ["-created_at"]
    #: set by ``create``: the workspace the new account goes to
    _target: Workspace | None = None

    @extend_schema(
        parameters=[
            RankedQuerySerializer,
            OpenApiParameter(CURSOR_PARAM, OpenApiTypes.STR, description="A page's cursor."),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ordering = request.query_params.get("ordering", "")
        if ordering == RANKED:
            return _ranked_response(self, request, Account, account_scorer())
        if ordering == "score":
            raise exceptions.ValidationError(
                {"ordering": ["Scores are ranked highest first only: use ordering=-score."]}
            )
        return super().list(request, *args, **kwargs)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # The owner is looked up among the new account's workspace members, so the workspace
        # is settled before the body is validated.
        self._target = target_workspace(request)
        return super().create(request, *args, **kwargs)

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if self._target is not None:
            context["workspace"] = self._target
        return context

    def perform_create(self, serializer: Any) -> None:
        workspace = self._target or target_workspace(self.request)
        with service_errors_as_400():
            serializer.instance = services.account_create(
                workspace=workspace, **serializer.validated_data
            )

    def perform_update(self, serializer: Any) -> None:
        with service_errors_as_400():
            serializer.instance = services.account_update(
                account=serializer.instance, **serializer.validated_data
            )

    def perform_destroy(self, instance: Account) -> None:
        services.account_delete(account=instance)


@extend_schema_view(
    list=extend_schema(summary="The workspaces you can read"),
    retrieve=extend_schema(summary="Get a workspace"),
)
class WorkspaceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, WorkspaceScopedViewSet):
    """Read-only: workspaces are created with ``manage.py create_workspace`` or the admin."""

    queryset = Workspace.objects.all()
    serializer_class = WorkspaceSerializer
    filter_backends = [StableOrderingFilter]
    ordering_fields = ["name", "slug", "created_at"]
    ordering = ["slug"]

"""The committee API: an account's buying committee at an instant, a person's role override
on a contact, and the background run that links existing contacts to accounts. Every view is
workspace-scoped (a foreign account or contact is a 404)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from como.leads.models import Account, Contact
from como.workspaces.api_base import (
    WorkspaceScopedViewSet,
    service_errors_as_400,
    target_workspace,
)
from como.workspaces.models import Workspace
from como.workspaces.openapi import DETAIL, errors_response
from como.workspaces.pagination import StrictCursorPagination
from como.workspaces.users import signed_in

from ..intent.serializers import account_intent_body
from .committee import member_role_set
from .models import AccountLinkRun
from .runs import link_run_start
from .scores import AccountScore, account_score_at
from .selectors import Committee, committee
from .serializers import (
    AccountLinkRunSerializer,
    AccountScoreSerializer,
    CommitteeMemberSerializer,
    CommitteeQuerySerializer,
    CommitteeSerializer,
    MemberRoleInSerializer,
)

_NOT_FOUND = OpenApiResponse(DETAIL.response, description="No such row in your workspaces.")


def committee_body(account: Account, found: Committee) -> dict[str, Any]:
    ratio = found.coverage
    return {
        "account_id": found.account_id,
        "domain": account.domain,
        "name": account.name,
        "at": found.at,
        "window_days": found.window_days,
        "min_intent": found.min_intent,
        "coverage": {
            "covered": len(found.covered),
            "required": len(found.required),
            "ratio": None
            if ratio is None
            else (Decimal(ratio.numerator) / Decimal(ratio.denominator)).quantize(
                Decimal("0.0001"), ROUND_HALF_UP
            ),
        },
        "missing_roles": list(found.missing),
        "roles": found.roles,
        "members": found.members,
        "unassigned": list(found.unassigned),
    }


class AccountCommitteeViewSet(WorkspaceScopedViewSet):
    queryset = Account.objects.select_related("workspace")
    serializer_class = CommitteeSerializer
    lookup_value_regex = r"\d+"
    filter_backends: list[Any] = []
    pagination_class = None

    @extend_schema(
        summary="An account's buying committee: roles, members, engagement and coverage",
        description="Members' roles (inferred from the title, from the CRM or set by hand) and "
        "levels; a member is engaged when the intent their events earned in the playbook's "
        "window, decayed to `at`, reaches the playbook's bar. Coverage is the required roles "
        "with an engaged member over the required roles; `missing_roles` names the others.",
        parameters=[CommitteeQuerySerializer],
        responses={
            200: CommitteeSerializer,
            400: errors_response("`at` is not an instant with an offset."),
            404: _NOT_FOUND,
        },
    )
    @action(detail=True, methods=["get"], url_path="committee")
    def committee(self, request: Request, pk: str | None = None) -> Response:
        query = CommitteeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        account = self.get_object()
        found = committee(account, at=query.validated_data.get("at") or timezone.now())
        return Response(CommitteeSerializer(committee_body(account, found)).data)

    @extend_schema(
        summary="An account's score at an instant, explained part by part",
        description="fit (the playbook's ICP items the account matches) + each committee "
        "member's contact intent at `at` weighted by their level + the intent signals' "
        "surges decayed to `at`. Computed from the histories, so exact at any instant, past "
        "ones included.",
        parameters=[CommitteeQuerySerializer],
        responses={
            200: AccountScoreSerializer,
            400: errors_response("`at` is not an instant with an offset."),
            404: _NOT_FOUND,
        },
    )
    @action(detail=True, methods=["get"], url_path="score")
    def score(self, request: Request, pk: str | None = None) -> Response:
        query = CommitteeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        account = self.get_object()
        found = account_score_at(account, query.validated_data.get("at") or timezone.now())
        return Response(AccountScoreSerializer(score_body(account, found)).data)


def score_body(account: Account, found: AccountScore) -> dict[str, Any]:
    return {
        "account": account.pk,
        "at": found.at,
        "score": found.score,
        "fit": found.fit,
        "intent": found.intent,
        "members_intent": found.members_intent,
        "signals_intent": found.signals.intent,
        "stage": account.stage,
        "fit_items": found.fit_items,
        "members": found.members,
        "signals": account_intent_body(account, found.signals),
    }


class ContactCommitteeRoleViewSet(WorkspaceScopedViewSet):
    queryset = Contact.objects.select_related("workspace")
    serializer_class = CommitteeMemberSerializer
    lookup_value_regex = r"\d+"
    filter_backends: list[Any] = []
    pagination_class = None

    @extend_schema(
        summary="Set a contact's buying-committee role by hand (or give it back)",
        request=MemberRoleInSerializer,
        responses={
            200: CommitteeMemberSerializer,
            400: errors_response("Not a role of the playbook, or the contact has no account."),
            404: _NOT_FOUND,
        },
    )
    @action(detail=True, methods=["put"], url_path="committee-role")
    def committee_role(self, request: Request, pk: str | None = None) -> Response:
        contact = self.get_object()  # a foreign contact is a 404 whatever the body
        given = MemberRoleInSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        with service_errors_as_400():
            member = member_role_set(
                contact=contact, role=given.validated_data["role"], user=signed_in(request.user)
            )
        return Response(CommitteeMemberSerializer(member).data)


class AccountLinkRunPagination(StrictCursorPagination):
    ordering = ("-created_at", "-id")


class AccountLinkRunViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, WorkspaceScopedViewSet
):
    """Runs that link a workspace's existing contacts to accounts by email domain."""

    queryset = AccountLinkRun.objects.all()
    serializer_class = AccountLinkRunSerializer
    pagination_class = AccountLinkRunPagination
    lookup_value_regex = r"\d+"
    filter_backends: list[Any] = []

    @extend_schema(
        summary="Link existing contacts to accounts by email domain, in the background",
        description="Starts a run (or answers the workspace's unfinished one); its `done` of "
        "`total` is the progress.",
        request=None,
        responses={
            202: AccountLinkRunSerializer,
            400: errors_response("Several workspaces and none named."),
            403: DETAIL,
            404: _NOT_FOUND,
        },
    )
    def create(self, request: Request) -> Response:
        workspace: Workspace = target_workspace(request)
        run = link_run_start(workspace=workspace)
        return Response(AccountLinkRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)

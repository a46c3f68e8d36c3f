"""The sequences API: sequences with their versions and steps, a new draft by editing, the
proposal for approval, members with their progress, the per-step funnel, and enrolling and
removing a person by hand. Every view is a WorkspaceScopedViewSet: another workspace's rows
are 404."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from como.leads.models import Contact
from como.workspaces.api_base import (
    WorkspaceScopedViewSet,
    service_errors_as_400,
    target_workspace,
)
from como.workspaces.pagination import StrictCursorPagination
from como.workspaces.roles import Permission

from . import enrollment, versions
from .models import Sequence, SequenceMember, SequenceVersion, VersionState
from .selectors import sequence_funnel
from .serializers import (
    EnrolSerializer,
    MemberSerializer,
    ProgramSerializer,
    SequenceSerializer,
    VersionSerializer,
)


def _may_edit(view: WorkspaceScopedViewSet, workspace_id: int) -> None:
    """A write to a row the caller can see needs the edit permission in its workspace."""
    if not view.principal.can(Permission.EDIT_DATA, workspace_id):
        raise exceptions.PermissionDenied("You may not change this workspace's sequences.")


class SequencePagination(StrictCursorPagination):
    ordering = ("-created_at", "-id")


class MemberPagination(StrictCursorPagination):
    ordering = ("-entered_at", "-id")


class SequenceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    WorkspaceScopedViewSet,
):
    queryset = Sequence.objects.prefetch_related("versions")
    serializer_class = SequenceSerializer
    pagination_class = SequencePagination
    lookup_value_regex = r"\d+"

    @extend_schema(summary="Create a sequence with its first version (a draft)")
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with service_errors_as_400():
            version = versions.sequence_create(
                workspace=target_workspace(request),
                key=data["key"],
                name=data["name"],
                re_entry=data["re_entry"],
                program=data["program"],
            )
        out = SequenceSerializer(Sequence.objects.get(pk=version.sequence_id))
        return Response(out.data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Edit the program: a new draft version (approved versions keep running)",
        request=ProgramSerializer,
        responses=VersionSerializer,
    )
    @action(detail=True, methods=["post"], url_path="edit")
    def edit(self, request: Request, pk: str | None = None) -> Response:
        sequence = self.get_object()
        _may_edit(self, sequence.workspace_id)
        serializer = ProgramSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors_as_400():
            version = versions.sequence_edit(
                sequence=sequence, program=serializer.validated_data["program"]
            )
        return Response(VersionSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Propose the draft version for approval (one action for the whole version)",
        request=None,
        responses=VersionSerializer,
    )
    @action(detail=True, methods=["post"], url_path="propose")
    def propose(self, request: Request, pk: str | None = None) -> Response:
        sequence = self.get_object()
        _may_edit(self, sequence.workspace_id)
        workspace = sequence.workspace
        draft = sequence.versions.filter(state=VersionState.DRAFT).first()
        if draft is None:
            return Response({"state": ["There is no draft version to propose."]}, status=400)
        # A key proposes as the workspace's agent; a member as themselves.
        user_id = self.principal.user_id
        proposer = get_user_model().objects.get(pk=user_id) if user_id else workspace.agent_user
        with service_errors_as_400():
            versions.sequence_version_propose(version=draft, proposer=proposer)
        return Response(VersionSerializer(SequenceVersion.objects.get(pk=draft.pk)).data)

    @extend_schema(summary="The funnel per step: entered, sent, opened, clicked; exits by reason")
    @action(detail=True, methods=["get"], url_path="funnel")
    def funnel(self, request: Request, pk: str | None = None) -> Response:
        return Response(sequence_funnel(self.get_object()))

    @extend_schema(
        summary="Members with their progress (GET); enrol a person by hand (POST)",
        request=EnrolSerializer,
        responses=MemberSerializer(many=True),
    )
    @action(detail=True, methods=["get", "post"], url_path="members")
    def members(self, request: Request, pk: str | None = None) -> Response:
        sequence = self.get_object()
        if request.method == "POST":
            _may_edit(self, sequence.workspace_id)
            serializer = EnrolSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            contact = Contact.objects.filter(
                workspace_id=sequence.workspace_id, pk=serializer.validated_data["contact_id"]
            ).first()
            if contact is None:
                return Response({"contact_id": ["No such contact in this workspace."]}, 400)
            with service_errors_as_400(), transaction.atomic():
                member = enrollment.member_add(sequence=sequence, contact=contact)
            return Response(MemberSerializer(member).data, status=status.HTTP_201_CREATED)
        queryset = SequenceMember.objects.filter(sequence=sequence).select_related(
            "contact", "version"
        )
        paginator = MemberPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(MemberSerializer(page, many=True).data)


class MemberViewSet(mixins.RetrieveModelMixin, mixins.DestroyModelMixin, WorkspaceScopedViewSet):
    """One membership with its progress; DELETE takes the person out (nothing more is sent)."""

    queryset = SequenceMember.objects.select_related("contact", "version")
    serializer_class = MemberSerializer
    lookup_value_regex = r"\d+"

    @extend_schema(summary="Remove a person from the sequence by hand")
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        member = self.get_object()
        _may_edit(self, member.workspace_id)
        member = enrollment.member_remove(member=member)
        return Response(MemberSerializer(member).data)

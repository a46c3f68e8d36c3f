"""The consent API: a contact's ledger, appending to it, opting out, erasure, suppressions.

* ``GET /api/v1/contacts/{id}/consents`` — the ledger (newest first), the current state per
  channel and the channels the contact's addresses are suppressed on.
* ``POST /api/v1/contacts/{id}/consents`` — append a grant or a revocation. ``ip`` and
  ``user_agent`` are what the person used when they gave or withdrew it: send them. When they
  are omitted this request's own (``REMOTE_ADDR``, ``User-Agent``) are recorded, which is right
  only when the person's browser calls the API directly.
* ``POST /api/v1/contacts/{id}/opt-out`` — revoke several channels (all four by default).
* ``GET /api/v1/erasures``, ``GET /api/v1/erasures/{id}``, ``POST /api/v1/erasures`` — GDPR
  art. 17. Reading needs the view permission (an API key may read); erasing needs a *person*
  holding ``review_compliance`` in the contact's workspace (owners and compliance officers):
  an API key or the agent identity is refused (403).
* ``GET /api/v1/suppressions[?address=…]`` — the suppression list (digests, never addresses);
  with ``address``, only that address's entries plus ``suppressed`` and ``channels``.

Every lookup goes through the scoped querysets: another workspace's contact is 404.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from como.leads.models import Contact
from como.leads.normalize import normalize_email, normalize_phone
from como.leads.selectors import visible_workspace_ids
from como.workspaces.api_base import (
    WORKSPACE_HEADER,
    WorkspaceScopedViewSet,
    service_errors_as_400,
    target_workspace,
)
from como.workspaces.openapi import DETAIL, errors_response
from como.workspaces.pagination import StrictCursorPagination
from como.workspaces.permissions import IsWorkspaceCaller
from como.workspaces.principal import CallerKind, Principal, principal_for_request
from como.workspaces.roles import Permission

from . import selectors, services
from .models import ConsentAction, Erasure, ErasureSource, Suppression, SuppressionReason
from .serializers import (
    ConsentRecordSerializer,
    ConsentWriteSerializer,
    ContactConsentsSerializer,
    ErasureRequestSerializer,
    ErasureSerializer,
    OptOutSerializer,
    SuppressionSerializer,
)
from .state import ConsentState

#: Erasing a person is a data-protection decision: owners and compliance officers hold it.
ERASE_PERMISSION = Permission.REVIEW_COMPLIANCE

# Nested: a list field's errors are keyed by the item's index ({"channels": {"0": [...]}});
# and a body that is no JSON at all is answered {"detail": "..."} before any field is read.
_ERRORS = errors_response(
    'Messages by field ("non_field_errors" for the request as a whole; a list field\'s by '
    'item index), or {"detail": "…"} when the body cannot be read.',
    nested=True,
)
_WORKSPACE_PARAMETER = OpenApiParameter(
    WORKSPACE_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Slug of the workspace, for members of several workspaces who erase by email "
    "or phone.",
)


def _request_ip(request: Request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _request_user_agent(request: Request) -> str:
    return str(request.headers.get("User-Agent", ""))[:500]


def _person(request: Request) -> Any:
    """The member (or the agent identity) making the request; None for an API key."""
    if principal_for_request(request).kind is CallerKind.API_KEY:
        return None
    return request.user


def contact_consents_data(contact: Contact) -> dict[str, Any]:
    state = selectors.contact_consent_now(contact=contact)
    return ContactConsentsSerializer(
        {
            "contact": contact.pk,
            "workspace": contact.workspace.slug,
            "state": {channel: vars_of(value) for channel, value in state.items()},
            "suppressed": sorted(selectors.contact_suppressed_channels(contact=contact)),
            "entries": selectors.contact_ledger(contact=contact),
        }
    ).data


def vars_of(state: ConsentState) -> dict[str, Any]:
    return {field.name: getattr(state, field.name) for field in dataclasses.fields(state)}


class ContactConsentViewSet(WorkspaceScopedViewSet):
    """Consent routes under a contact; the contact is looked up in the caller's workspaces."""

    queryset = Contact.objects.select_related("workspace")
    filter_backends: list[Any] = []
    pagination_class = None
    serializer_class = ContactConsentsSerializer

    @extend_schema(
        methods=["GET"],
        summary="A contact's consent ledger and current consent per channel",
        responses={200: ContactConsentsSerializer, 404: DETAIL},
    )
    @extend_schema(
        methods=["POST"],
        summary="Append a grant or a revocation to a contact's ledger",
        description="Nothing is edited: each call appends one entry. A revocation also "
        "suppresses the contact's address on that channel. `ip` and `user_agent` default to "
        "this request's only when omitted: send the person's.",
        request=ConsentWriteSerializer,
        responses={201: ConsentRecordSerializer, 400: _ERRORS, 404: DETAIL},
    )
    @action(detail=True, methods=["get", "post"])
    def consents(self, request: Request, pk: str | None = None) -> Response:
        contact: Contact = self.get_object()
        if request.method == "GET":
            return Response(contact_consents_data(contact))
        incoming = ConsentWriteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        common = {
            "contact": contact,
            "channel": data["channel"],
            "source": data["source"],
            "wording": data.get("wording", ""),
            "ip": data["ip"] if "ip" in data else _request_ip(request),
            "user_agent": data.get("user_agent", _request_user_agent(request)),
            "at": data.get("at"),
            "recorded_by": _person(request),
        }
        with service_errors_as_400():
            if data["action"] == ConsentAction.GRANT:
                record = services.consent_grant(
                    basis=data["basis"], jurisdiction=data.get("jurisdiction", ""), **common
                )
            else:
                record = services.consent_revoke(**common)
        return Response(ConsentRecordSerializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Opt a contact out of several channels at once (all by default)",
        request=OptOutSerializer,
        responses={200: ContactConsentsSerializer, 400: _ERRORS, 404: DETAIL},
    )
    @action(detail=True, methods=["post"], url_path="opt-out", url_name="opt-out")
    def opt_out(self, request: Request, pk: str | None = None) -> Response:
        contact: Contact = self.get_object()
        incoming = OptOutSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        with service_errors_as_400():
            services.contact_opt_out(
                contact=contact,
                channels=incoming.validated_data.get("channels"),
                source=incoming.validated_data["source"],
                reason=SuppressionReason.UNSUBSCRIBED,
                ip=_request_ip(request),
                user_agent=_request_user_agent(request),
                recorded_by=_person(request),
            )
        return Response(contact_consents_data(contact))


class MayReadOrErase(IsWorkspaceCaller):
    """Reading erasures is a view; erasing needs a person with :data:`ERASE_PERMISSION`."""

    message = "Erasing a person needs a member with the review_compliance permission."

    def needed(self, request: Request) -> Permission:
        return Permission.VIEW  # for reading; erasing is decided in allows()

    def allows(self, principal: Principal, request: Request, view: Any) -> bool:
        if getattr(view, "action", None) != "create":
            # Reads; other methods are answered 405 (there is nothing else to do here).
            return super().allows(principal, request, view)
        if principal.kind is not CallerKind.MEMBER:
            return False  # an API key or the agent identity never erases anyone
        return bool(principal.workspaces_with(ERASE_PERMISSION))


class ErasurePagination(StrictCursorPagination):
    ordering = ("-id",)


@extend_schema_view(
    list=extend_schema(summary="Erasures (GDPR art. 17), newest first"),
    retrieve=extend_schema(
        summary="Get an erasure", responses={200: ErasureSerializer, 404: DETAIL}
    ),
)
class ErasureViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, WorkspaceScopedViewSet):
    queryset = Erasure.objects.select_related("workspace")
    serializer_class = ErasureSerializer
    permission_classes = [MayReadOrErase]
    filter_backends: list[Any] = []
    pagination_class = ErasurePagination

    @extend_schema(
        summary="Erase a person and keep their addresses suppressed (GDPR art. 17)",
        description="Name the person by `contact_id`, `email` or `phone`. Their email and phone "
        "are suppressed on every channel (as salted hashes) and the contact is deleted with its "
        "events, consent entries and messages; importing the address again creates a contact "
        "that stays suppressed. Needs a member holding `review_compliance` in the contact's "
        "workspace (an owner or a compliance officer); an API key is refused.",
        parameters=[_WORKSPACE_PARAMETER],
        request=ErasureRequestSerializer,
        responses={200: ErasureSerializer, 400: _ERRORS, 403: DETAIL, 404: DETAIL},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = ErasureRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        contact = self._contact(request, data)
        if not self.principal.can(ERASE_PERMISSION, contact.workspace_id):
            raise exceptions.PermissionDenied(MayReadOrErase.message)
        with service_errors_as_400():
            erasure = services.contact_erase(
                contact=contact,
                actor=_person(request),
                reason=data["reason"],
                source=ErasureSource.API,
            )
        fresh = self.get_queryset().get(pk=erasure.pk)
        return Response(ErasureSerializer(fresh).data, status=status.HTTP_200_OK)

    def _contact(self, request: Request, data: dict[str, Any]) -> Contact:
        contacts = Contact.objects.visible_to(self.principal)
        if data.get("contact_id") is not None:
            found = contacts.filter(pk=data["contact_id"]).first()
            if found is None:
                raise exceptions.NotFound("No such contact.")
            return found
        workspace = target_workspace(request, ERASE_PERMISSION)
        contacts = contacts.filter(workspace=workspace)
        if data.get("email"):
            try:
                email = normalize_email(data["email"])
            except DjangoValidationError as error:
                raise exceptions.ValidationError({"email": error.messages}) from None
            found = contacts.filter(email=email).first()
            if found is None:
                raise exceptions.NotFound("No contact has this email address.")
            return found
        try:
            phone = normalize_phone(data["phone"], workspace.country or "US")
        except DjangoValidationError as error:
            raise exceptions.ValidationError({"phone": error.messages}) from None
        matches = list(contacts.filter(phone=phone)[:2])
        if not matches:
            raise exceptions.NotFound("No contact has this phone number.")
        if len(matches) > 1:
            raise exceptions.ValidationError(
                {"phone": ["Several contacts share this phone number: name one by contact_id."]}
            )
        return matches[0]


class SuppressionPagination(StrictCursorPagination):
    ordering = ("-id",)


class SuppressionViewSet(mixins.ListModelMixin, WorkspaceScopedViewSet):
    queryset = Suppression.objects.select_related("workspace")
    serializer_class = SuppressionSerializer
    filter_backends: list[Any] = []
    pagination_class = SuppressionPagination

    @extend_schema(
        summary="The suppression list; with ?address=, whether that address is suppressed",
        description="Entries carry the salted SHA-256 digest of the normalised address, never "
        "the address. With `address` (an email or a phone in E.164), only its entries are "
        "listed, and the answer adds `suppressed` (true when there is any) and `channels` "
        '(the channels it is suppressed on, "*" meaning all).',
        parameters=[
            OpenApiParameter(
                "address", OpenApiTypes.STR, description="An email address or E.164 phone."
            )
        ],
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        address = request.query_params.get("address")
        if address is None:
            return super().list(request, *args, **kwargs)
        if not address.strip():
            raise exceptions.ValidationError({"address": ["Give an email address or a phone."]})
        matching = selectors.suppressions_of_address(
            self.get_queryset(),
            address=address,
            workspace_ids=visible_workspace_ids(self.principal),
        )
        response = self.get_paginated_response(
            SuppressionSerializer(self.paginate_queryset(matching), many=True).data
        )
        channels = sorted(set(matching.values_list("channel", flat=True)))
        response.data["suppressed"] = bool(channels)
        response.data["channels"] = channels
        return response

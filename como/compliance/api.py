"""``POST /api/v1/compliance/check``: lint a draft with the engine that gates every send.

The draft (channel, creative fields or text, a recipient or an audience, markets, a vehicle
inline or by id, an instant) is run through the checks registered for the workspace's vertical,
its channel and its jurisdictions, and the report comes back as the approver would read it. By
default it is linted as its channel will send it (:mod:`como.compliance.as_sent`): the
platform's limits on the copy, and what the channel adds (email's unsubscribe headers and
footer). Contacts and vehicles are read only from the caller's workspace: an id of another
workspace's is answered exactly like an id that does not exist (400 on the field), so nothing
leaks. A vehicle id is looked up through the vertical's registered source
(:mod:`como.compliance.vehicles`).

Any workspace caller with the view permission may lint (an approver, a compliance reviewer, an
integration key): checking changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from como.consent.selectors import suppressed_channels
from como.leads.models import Contact
from como.workspaces.api_base import WorkspaceScopedViewSet, target_workspace
from como.workspaces.models import Workspace
from como.workspaces.openapi import DETAIL, errors_response
from como.workspaces.parsers import JSONParser
from como.workspaces.permissions import IsWorkspaceCaller
from como.workspaces.roles import Permission

from .as_sent import joined, lint_as_sent
from .drafts import Draft, Recipient, Sender, jurisdictions_of
from .engine import run_checks
from .findings import Report
from .programs import coop_of
from .selectors import recipients_for
from .serializers import ComplianceCheckSerializer, ComplianceReportSerializer
from .vehicles import vehicle_of

#: How many unknown ids a 400 names.
_NAMED = 10

_ERRORS = errors_response(
    'Messages by field, nested for the recipient ({"recipient": {"contact_id": '
    '["…"]}}), "non_field_errors" for the draft as a whole, or {"detail": "…"} when the '
    "body cannot be read.",
    nested=True,
)


class MayCheckCompliance(IsWorkspaceCaller):
    """Any caller who may view a workspace: linting a draft writes nothing."""

    def needed(self, request: Request) -> Permission:
        return Permission.VIEW


class ComplianceCheckViewSet(WorkspaceScopedViewSet):
    # The contacts a recipient or an audience may name: the scoped queryset, so another
    # workspace's contacts are never found.
    queryset = Contact.objects.all()
    serializer_class = ComplianceCheckSerializer
    permission_classes = [MayCheckCompliance]
    filter_backends: list[Any] = []
    pagination_class = None
    parser_classes = [JSONParser]

    @extend_schema(
        summary="Check a draft against the workspace's compliance rules",
        description="Runs the draft through the same engine that gates every send: the "
        "generic checks (opt-outs, TCPA, CAN-SPAM, GDPR, CASL, CCPA) and the vertical's, "
        "scoped by channel and jurisdiction. The recipient's jurisdictions come from its "
        "country and region; `jurisdictions` adds markets (an ad's target). Nothing is "
        "stored or sent.",
        request=ComplianceCheckSerializer,
        responses={
            200: ComplianceReportSerializer,
            400: _ERRORS,
            401: DETAIL,
            403: DETAIL,
            404: DETAIL,
        },
        examples=[
            OpenApiExample(
                "An SMS to a contact",
                value={
                    "channel": "sms",
                    "text": "Acme Motors: service special this week. Reply STOP to opt out.",
                    "recipient": {"contact_id": 42},
                    "at": "2026-03-08T15:00:00Z",
                },
                request_only=True,
            )
        ],
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        workspace = target_workspace(request, Permission.VIEW)
        incoming = ComplianceCheckSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        draft = self._draft(workspace, data)
        report = lint_as_sent(draft, data["fields"]) if data["as_sent"] else run_checks(draft)
        return Response(report_body(report, draft))

    def _draft(self, workspace: Workspace, data: Mapping[str, Any]) -> Draft:
        at = data.get("at") or timezone.now()
        contacts = self._contacts(workspace, data)
        found = {
            r.contact_id: r
            for r in recipients_for(
                workspace_id=workspace.pk,
                contacts=contacts,
                at=at,
                messages_sent=_messages_sent(data),
            )
        }
        recipient_in = data.get("recipient")
        recipient: Recipient | None = None
        if recipient_in is not None:
            contact_id = recipient_in.get("contact_id")
            recipient = (
                found[contact_id] if contact_id is not None else _inline(workspace, recipient_in)
            )
        vehicle = self._vehicle(workspace, data)
        draft = Draft(
            channel=data["channel"],
            kind=data["kind"],
            sender=Sender.of(workspace),
            at=at,
            fields=joined(data["fields"]),
            recipient=recipient,
            audience=[found[pk] for pk in data.get("audience", [])],
            jurisdictions=frozenset(
                code
                for given in data.get("jurisdictions", [])
                for code in jurisdictions_of(*_split(given))
            ),
            vertical=workspace.vertical,
            vehicle=vehicle,
            coop=self._coop(workspace, data, vehicle),
        )
        if not draft.all_jurisdictions:
            # Linting copy with no recipient and no market: the workspace's own country.
            draft = replace(draft, jurisdictions=jurisdictions_of(workspace.country))
        return draft

    def _vehicle(self, workspace: Workspace, data: Mapping[str, Any]) -> dict[str, Any] | None:
        """The inline vehicle, or the workspace's inventory vehicle ``vehicle_id`` (another
        workspace's id is answered exactly like one that does not exist)."""
        vehicle_id = data.get("vehicle_id")
        if vehicle_id is None:
            return data.get("vehicle")
        vehicle = vehicle_of(workspace, vehicle_id)
        if vehicle is None:
            raise serializers.ValidationError(
                {"vehicle_id": [f"No vehicle {vehicle_id} in workspace {workspace.slug!r}."]}
            )
        return vehicle

    def _coop(
        self, workspace: Workspace, data: Mapping[str, Any], vehicle: Mapping[str, Any] | None
    ) -> dict[str, Any] | None:
        """The co-op rules the draft answers to: the program given inline or by key (a key
        the workspace does not have is a 400 on the field), else the workspace's programs
        covering the vehicle's make on this channel."""
        given = data.get("coop_program")
        if given is not None and "inline" in given:
            return dict(given["inline"])
        key = given["key"] if given is not None else None
        if key is None and vehicle is None:
            return None
        found = coop_of(workspace, key=key, vehicle=vehicle, channel=data["channel"])
        if found is None and key is not None:
            raise serializers.ValidationError(
                {"coop_program": [f"No co-op program {key!r} in workspace {workspace.slug!r}."]}
            )
        return found

    def _contacts(self, workspace: Workspace, data: Mapping[str, Any]) -> list[Contact]:
        recipient_id = (data.get("recipient") or {}).get("contact_id")
        audience: Sequence[int] = data.get("audience", [])
        wanted = set(audience) | ({recipient_id} if recipient_id is not None else set())
        if not wanted:
            return []
        contacts = list(
            self.get_queryset().filter(workspace_id=workspace.pk, pk__in=sorted(wanted))
        )
        known = {contact.pk for contact in contacts}
        errors: dict[str, Any] = {}
        if recipient_id is not None and recipient_id not in known:
            errors["recipient"] = {
                "contact_id": [f"No contact {recipient_id} in workspace {workspace.slug!r}."]
            }
        missing = sorted(set(audience) - known)
        if missing:
            more = f" and {len(missing) - _NAMED} more" if len(missing) > _NAMED else ""
            named = ", ".join(str(pk) for pk in missing[:_NAMED])
            errors["audience"] = [f"No contacts {named}{more} in workspace {workspace.slug!r}."]
        if errors:
            raise serializers.ValidationError(errors)
        return contacts


def report_body(report: Report, draft: Draft) -> dict[str, Any]:
    until = report.defer_until
    return {
        "findings": report.as_list(),
        "blocking": bool(report.blocking),
        "checked": list(report.checked),
        "defer_until": until.isoformat() if until is not None else None,
        "jurisdictions": sorted(draft.all_jurisdictions),
    }


def _messages_sent(data: Mapping[str, Any]) -> dict[int, int]:
    recipient_in = data.get("recipient") or {}
    contact_id = recipient_in.get("contact_id")
    if contact_id is None:
        return {}
    return {contact_id: recipient_in.get("messages_sent", 0)}


def _inline(workspace: Workspace, data: Mapping[str, Any]) -> Recipient:
    """An address given by hand: no consent on record, but the suppression list still holds."""
    email, phone = data.get("email", ""), data.get("phone", "")
    suppressed = suppressed_channels(workspace_id=workspace.pk, addresses={0: (email, phone)})
    return Recipient(
        email=email,
        phone=phone,
        country=data.get("country", ""),
        region=data.get("region", ""),
        suppressed=suppressed.get(0, frozenset()),
        messages_sent=data.get("messages_sent", 0),
    )


def _split(code: str) -> tuple[str, str]:
    country, _, region = code.partition("-")
    return country, region

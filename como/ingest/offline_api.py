"""``/api/v1/offline-touches``: record a list of attendees of a trade show, roundtable or
dinner as touches of one of the caller's campaigns (POST), list those touches (GET).

POST answers 200 when every attendee was stored (``created``) or already was
(``duplicate``), 400 with the same envelope when some were rejected (the others are stored;
each rejected result names its ``index`` and field errors), and 400 by field when the
request itself is refused (no such campaign, a bad kind or instant, too many attendees).
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from como.campaigns.models import Campaign
from como.leads.models import Event
from como.leads.serializers import EventSerializer
from como.workspaces.api_base import AwareDateTimeField, WorkspaceScopedViewSet, target_workspace
from como.workspaces.openapi import errors_response
from como.workspaces.pagination import StrictCursorPagination

from .api import results_envelope
from .offline import MAX_ATTENDEES, TYPE, OfflineKind, offline_touches_record
from .serializers import EVENT_INGEST_RESPONSE_DOC


class AttendeeSerializer(serializers.Serializer):
    email = serializers.CharField(required=False, allow_blank=True, max_length=254)
    external_id = serializers.CharField(required=False, allow_blank=True, max_length=128)
    attended_at = AwareDateTimeField(required=False, help_text="Default: the event's instant.")


class OfflineTouchesSerializer(serializers.Serializer):
    campaign = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    kind = serializers.ChoiceField(choices=OfflineKind.choices)
    name = serializers.CharField(max_length=200, help_text="e.g. 'Data Summit 2026 booth'.")
    occurred_at = AwareDateTimeField()
    attendees = AttendeeSerializer(many=True, allow_empty=False, max_length=MAX_ATTENDEES)  # type: ignore[call-arg]


class OfflineTouchPagination(StrictCursorPagination):
    ordering = ("-occurred_at", "-id")


_REJECTED = OpenApiResponse(
    {
        "oneOf": [
            {"$ref": "#/components/schemas/EventIngestResponse"},
            errors_response("", nested=True).response,
        ]
    },
    description="The results with each rejected attendee's index and errors (the others "
    "were stored), or messages by field when the request itself was refused.",
)


@extend_schema_view(list=extend_schema(summary="List offline touches, newest first"))
class OfflineTouchViewSet(mixins.ListModelMixin, WorkspaceScopedViewSet):
    queryset = Event.objects.filter(type=TYPE)
    serializer_class = EventSerializer
    pagination_class = OfflineTouchPagination

    @extend_schema(
        summary="Record the attendees of an offline event as touches of a campaign",
        request=OfflineTouchesSerializer,
        responses={200: OpenApiResponse(EVENT_INGEST_RESPONSE_DOC), 400: _REJECTED},
    )
    def create(self, request: Request) -> Response:
        workspace = target_workspace(request)
        given = OfflineTouchesSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        values = given.validated_data
        campaign = Campaign.objects.filter(workspace=workspace, pk=values["campaign"]).first()
        if campaign is None:
            raise serializers.ValidationError({"campaign": ["No such campaign in this workspace."]})
        results = offline_touches_record(
            campaign=campaign,
            kind=values["kind"],
            name=values["name"],
            occurred_at=values["occurred_at"],
            attendees=values["attendees"],
        )
        body = results_envelope(results)
        answer = status.HTTP_400_BAD_REQUEST if body["rejected"] else status.HTTP_200_OK
        return Response(body, status=answer)

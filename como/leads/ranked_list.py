"""``GET /api/v1/contacts?ordering=-score``: contacts by current score, page by page.

The ranking itself comes from the registered :class:`~como.leads.ranking.ContactScorer`. A
score ranking changes as time passes (fit does not decay, intent does), so a listing is taken
at one instant: ``at`` (default now), which the ``next``/``previous`` cursors carry along with
the position, so every page of one listing ranks at the same instant.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.utils.urls import remove_query_param, replace_query_param

from como.workspaces.api_base import AwareDateTimeField
from como.workspaces.pagination import invalid_cursor

CURSOR_PARAM = "cursor"
#: Clock differences between the caller and us that still count as "now".
PAST_TOLERANCE = timedelta(minutes=5)
#: Deeper than any workspace's contacts, and within PostgreSQL's OFFSET (a bigint).
MAX_OFFSET = 10**12


class RankedQuerySerializer(serializers.Serializer):
    at = AwareDateTimeField(
        required=False,
        help_text="With ordering=-score: rank by the score at this instant (ISO 8601 with "
        "offset, not in the past); default now. Later pages keep the first page's instant.",
    )


@dataclass(frozen=True)
class RankedPage:
    at: datetime
    offset: int
    limit: int

    @classmethod
    def from_request(cls, request: Request) -> RankedPage:
        limit = int(api_settings.PAGE_SIZE or 100)
        cursor = request.query_params.get(CURSOR_PARAM)
        if cursor:
            return cls(*_decode(cursor), limit)
        query = RankedQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        now = timezone.now()
        at = query.validated_data.get("at") or now
        if at < now - PAST_TOLERANCE:
            # The stored state already holds later events; a past ranking would count them.
            raise serializers.ValidationError(
                {"at": ["A ranking is of scores from now on: give an instant not in the past."]}
            )
        return cls(at, 0, limit)

    def link(self, request: Request, offset: int) -> str:
        url = request.build_absolute_uri()
        url = remove_query_param(url, "at")
        return replace_query_param(url, CURSOR_PARAM, _encode(self.at, offset))

    def next_link(self, request: Request, more: bool) -> str | None:
        return self.link(request, self.offset + self.limit) if more else None

    def previous_link(self, request: Request) -> str | None:
        if self.offset == 0:
            return None
        return self.link(request, max(0, self.offset - self.limit))


def _encode(at: datetime, offset: int) -> str:
    data = json.dumps({"at": at.isoformat(), "offset": offset}).encode()
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        at = datetime.fromisoformat(data["at"])
        offset = data["offset"]
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeError, RecursionError):
        raise invalid_cursor() from None
    if at.tzinfo is None or not isinstance(offset, int) or isinstance(offset, bool):
        raise invalid_cursor()
    if not 0 <= offset <= MAX_OFFSET:
        raise invalid_cursor()
    return at, offset

"""Offline touches: the people who attended a trade show, a roundtable or a dinner, recorded
as ``offline_touch`` events of a campaign through the ingest path.

Each attendee becomes one event (identity resolution, scoring and the ingest reactions as
for any event) whose properties name the campaign, the kind of event and its name; the
touches selector (:mod:`como.campaigns.selectors.touches`) reads them as ``offline`` touches
of that campaign. The event id is derived from the campaign, the event's kind, name and day
and the person, so sending the same list twice stores nothing new.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import models

from como.campaigns.models import Campaign
from como.csvread import LayoutError, Row, RowError, instant, read_rows

from .services import EventResult, events_ingest

TYPE = "offline_touch"
SOURCE = "offline"
MAX_ATTENDEES = 1000


class OfflineKind(models.TextChoices):
    TRADE_SHOW = "trade_show", "Trade show"
    CONFERENCE = "conference", "Conference"
    ROUNDTABLE = "roundtable", "Roundtable"
    DINNER = "dinner", "Dinner"
    WORKSHOP = "workshop", "Workshop"
    MEETUP = "meetup", "Meetup"
    OTHER = "other", "Other"


def offline_touches_record(
    *,
    campaign: Campaign,
    kind: str,
    name: str,
    occurred_at: datetime,
    attendees: Sequence[Mapping[str, Any]],
) -> list[EventResult]:
    """One ``offline_touch`` event per attendee (``email`` or ``external_id``, optionally
    ``attended_at``); one result per attendee, in order, as ``events_ingest`` answers."""
    events = []
    for attendee in attendees:
        who = {
            key: attendee[key]
            for key in ("email", "external_id")
            if isinstance(attendee.get(key), str) and attendee[key].strip()
        }
        at = attendee.get("attended_at") or occurred_at
        events.append(
            {
                "id": _event_id(campaign, kind, name, occurred_at, who),
                "type": TYPE,
                "occurred_at": at.isoformat() if isinstance(at, datetime) else at,
                "contact": who,
                "properties": {"campaign_id": campaign.pk, "kind": kind, "name": name},
            }
        )
    return events_ingest(workspace=campaign.workspace, events=events, source=SOURCE)


def _event_id(
    campaign: Campaign, kind: str, name: str, at: datetime, who: Mapping[str, str]
) -> str:
    person = who.get("email", "").strip().lower() or "x:" + who.get("external_id", "").strip()
    digest = hashlib.sha256(
        "\x1f".join((kind, name.strip(), at.date().isoformat(), person)).encode()
    ).hexdigest()[:32]
    return f"offline:{campaign.pk}:{digest}"


_COLUMNS = {
    "email": ("email", "Email", "E-mail", "Email Address", "Attendee Email"),
    "external_id": ("external_id", "Contact ID", "Record ID"),
    "attended_at": ("attended_at", "Attended At", "Check-in Time", "Checked In At"),
}


def attendees_read(
    data: bytes, zone: ZoneInfo
) -> tuple[list[tuple[int, dict[str, Any]]], list[RowError]]:
    """An attendee list (CSV, any columns; those named email, external id or check-in time
    are read) → (row number, attendee) pairs and the rows' problems."""

    def columns_for(headers: list[str]) -> Mapping[str, tuple[str, ...]]:
        return _COLUMNS

    attendees: list[tuple[int, dict[str, Any]]] = []
    errors: list[RowError] = []
    for entry in read_rows(data, columns_for=columns_for, required=()):
        if not isinstance(entry, Row):
            errors.append(entry)
            continue
        cells = entry.fields
        if not cells.get("email") and not cells.get("external_id"):
            errors.append(RowError(entry.number, "email", "Give the attendee's email."))
            continue
        attendee: dict[str, Any] = {
            key: cells[key] for key in ("email", "external_id") if cells.get(key)
        }
        if text := cells.get("attended_at"):
            try:
                attendee["attended_at"] = instant(text, zone)
            except ValueError:
                errors.append(
                    RowError(entry.number, "attended_at", f"{text[:40]!r} is not a date.")
                )
                continue
        attendees.append((entry.number, attendee))
    if not attendees and not errors:
        raise LayoutError("The file lists no attendee.")
    return attendees, errors

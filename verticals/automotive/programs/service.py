"""Service reminders: the dealer's default program ``service_reminders`` and its source
``automotive.service_due``.

When the next service is due, per owned vehicle (:class:`~..dms.models.VehicleOwnership`):

- by time: ``interval_months`` after the last service (or the purchase, for a vehicle never
  serviced here);
- by mileage: the day the owner will have driven ``interval_miles`` since then, at their
  ``miles_per_day`` (none without an estimate);

whichever comes first (the playbook's ``programs.service_reminders``). The source enrols each
owner whose next service falls within ``lead_days`` (or is overdue), about the vehicle due
soonest; the subject names the vehicle and the occasion (``ref``: the VIN and the visit it
counts from), so a reminder that ran its course does not start over until a new visit.

The program: at the morning's local window an email that names the vehicle and what is due;
three days on, a text only to owners with express written consent (the others are skipped,
the decision and its why recorded); two weeks on, a letter for lapsed customers (no visit for
``lapsed_months``). A repair order (``service_visit``) or an opt-out ends it.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from como.sequences.defaults import DefaultProgram
from como.sequences.models import ReEntry
from como.sequences.sources import Entry, MemberRef
from como.workspaces.models import Workspace

from ..dms.models import VehicleOwnership
from .settings import ServiceReminderSettings, program_settings

KEY = "service_reminders"
SOURCE = "automotive.service_due"
_FIELDS = (
    "contact_id",
    "vin",
    "year",
    "make",
    "model",
    "purchased_on",
    "last_service_on",
    "last_service_miles",
    "miles_per_day",
    "updated_at",
)


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` (negative: back), clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


@dataclass(frozen=True)
class Due:
    """One vehicle's next service: when, and whether time or mileage brings it first."""

    on: date
    by: str  # "time" or "miles"
    visit: date
    lapsed: bool

    def what(self, settings: ServiceReminderSettings) -> str:
        if self.by == "miles":
            return f"{settings.interval_miles:,}-mile service"
        # In words: "6-month" reads as a credit term to the lending check (Reg Z triggers).
        return f"{in_words(settings.interval_months)}-month service"


_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = {2: "twenty", 3: "thirty"}


def in_words(number: int) -> str:
    """1 to 39 in words (the interval's range)."""
    if number < 20:
        return _ONES[number]
    tens, ones = divmod(number, 10)
    return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")


def next_service(row: dict[str, Any], settings: ServiceReminderSettings, today: date) -> Due | None:
    """When ``row``'s (an ownership's values) next service is due; None without a visit or a
    purchase to count from."""
    visit: date | None = row["last_service_on"] or row["purchased_on"]
    if visit is None:
        return None
    due, by = add_months(visit, settings.interval_months), "time"
    per_day: Decimal | None = row["miles_per_day"]
    if per_day is not None and per_day > 0:
        by_miles = visit + timedelta(days=math.ceil(settings.interval_miles / float(per_day)))
        if by_miles < due:
            due, by = by_miles, "miles"
    lapsed = visit <= add_months(today, -settings.lapsed_months)
    return Due(due, by, visit, lapsed)


def _today(workspace: Workspace, now: datetime) -> date:
    return now.astimezone(ZoneInfo(workspace.time_zone or "UTC")).date()


@dataclass(frozen=True)
class ServiceDue:
    """The source (:mod:`como.sequences.sources`): one query for the workspace's owned
    vehicles, the dates computed in memory. A frozen dataclass: a second ``ready()`` registers
    an equal one, which the registry accepts."""

    key = SOURCE
    label = "Service due (by time or mileage)"

    def due(self, workspace: Workspace, now: datetime) -> Iterable[Entry]:
        settings = program_settings(workspace).service_reminders
        today = _today(workspace, now)
        horizon = today + timedelta(days=settings.lead_days)
        found: list[tuple[date, int, str, Due]] = []
        rows = VehicleOwnership.objects.filter(workspace=workspace).values(*_FIELDS)
        for row in rows:
            due = next_service(row, settings, today)
            if due is not None and due.on <= horizon:
                found.append((due.on, row["contact_id"], row["vin"], due))
        # The vehicle due soonest first: a person enters once, about that one.
        for _on, contact_id, vin, due in sorted(found, key=lambda item: item[:3]):
            yield Entry(
                contact_id,
                {
                    "ref": f"{vin}:{due.visit.isoformat()}",
                    "vin": vin,
                    "due_on": due.on.isoformat(),
                    "due_by": due.by,
                    "lapsed": due.lapsed,
                },
            )

    def context(
        self, workspace: Workspace, members: Sequence[MemberRef], now: datetime
    ) -> dict[int, dict[str, Any]]:
        settings = program_settings(workspace).service_reminders
        today = _today(workspace, now)
        rows = VehicleOwnership.objects.filter(
            workspace=workspace, contact_id__in={m.contact_id for m in members}
        ).values(*_FIELDS)
        by_vin: dict[tuple[int, str], dict[str, Any]] = {}
        latest: dict[int, dict[str, Any]] = {}
        for row in rows:
            by_vin[(row["contact_id"], row["vin"])] = row
            held = latest.get(row["contact_id"])
            if held is None or row["updated_at"] > held["updated_at"]:
                latest[row["contact_id"]] = row
        out: dict[int, dict[str, Any]] = {}
        for member in members:
            vin = member.subject.get("vin")
            found = by_vin.get((member.contact_id, vin)) if vin else latest.get(member.contact_id)
            if found is not None:
                out[member.id] = _context(found, settings, today)
        return out


def _context(row: dict[str, Any], settings: ServiceReminderSettings, today: date) -> dict[str, Any]:
    name = " ".join(str(part) for part in (row["year"], row["make"], row["model"]) if part)
    vehicle = {
        "vin": row["vin"],
        "year": row["year"],
        "make": row["make"],
        "model": row["model"],
        "name": name or "vehicle",
    }
    due = next_service(row, settings, today)
    if due is None:
        return {"vehicle": vehicle}
    return {
        "vehicle": vehicle,
        "service": {
            "due_on": due.on.isoformat(),
            "due_by": due.by,
            "what": due.what(settings),
            "last_visit_on": due.visit.isoformat(),
            "lapsed": due.lapsed,
        },
    }


def _wait(step_id: str, *, days: int | None = None, morning: bool = False) -> dict[str, Any]:
    if morning:
        return {"id": step_id, "type": "wait", "until": {"start": "09:00", "end": "17:00"}}
    return {"id": step_id, "type": "wait", "minutes": (days or 1) * 24 * 60}


PROGRAM: dict[str, Any] = {
    # Every morning at 7:00 in the workspace's time zone, the owners now due enter ...
    "trigger": {"on": "source", "source": SOURCE, "crontab": "0 7 * * *"},
    "steps": [
        # ... and hear from the dealer once the local business day opens.
        _wait("morning", morning=True),
        {
            "id": "reminder_email",
            "type": "send",
            "channel": "email",
            "subject": "Your {{ vehicle.name }} is due for its {{ service.what }}",
            "body": (
                "Hi {{ contact.first_name or 'there' }},\n\n"
                "Your {{ vehicle.name }} is due for its {{ service.what }} around "
                "{{ service.due_on }}. Book a time with our service drive and we will have "
                "it ready the same day.\n\n{{ sender.name }} Service"
            ),
        },
        _wait("three_days", days=3),
        {
            "id": "reminder_text",
            "type": "send",
            "channel": "sms",
            "written_consent_only": True,
            "body": (
                "{{ sender.name }}: your {{ vehicle.name }} is due for its "
                "{{ service.what }}. Reply to book. Reply STOP to opt out."
            ),
        },
        _wait("two_weeks", days=14),
        {
            "id": "lapsed",
            "type": "branch",
            "condition": {"on": "subject", "properties": {"lapsed": True}},
            "yes": "lapsed_letter",
            "no": "done",
        },
        {
            "id": "lapsed_letter",
            "type": "send",
            "channel": "direct_mail",
            "body": (
                "Dear {{ contact.first_name or 'valued customer' }}, it has been a while since "
                "we saw your {{ vehicle.name }}. Its {{ service.what }} is due: bring this "
                "letter to {{ sender.name }} for priority booking."
            ),
        },
        {"id": "done", "type": "exit", "reason": "reminded"},
    ],
    "exits": [{"on": "event", "event_type": "service_visit"}, {"on": "opted_out"}],
}

PROGRAM_DEFAULT = DefaultProgram(
    key=KEY,
    vertical="automotive",
    name="Service reminders",
    program=PROGRAM,
    re_entry=ReEntry.NEW_SUBJECT,
    description="Owners whose next service is due by time or mileage: email, a text where "
    "they gave written consent, a letter for lapsed customers; a repair order ends it.",
)

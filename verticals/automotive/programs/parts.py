"""The parts and accessories cross-sell (``parts_cross_sell``, source
``automotive.parts_cross_sell``).

On its daily crontab the source enrols owners who bought a vehicle or had one serviced
(``vehicle_purchased`` / ``service_visit`` events received in the last ``lookback_hours`` and
that happened in the last ``recent_days``, so a DMS history imported years deep does not mail
about a 2019 oil change) **and** whose vehicle has at least one catalog item that fits it
(:func:`..parts.selectors.fitting_items`): nobody gets an empty list. The subject names the
vehicle (VIN, year, make, model: from the event, else the owner's ownership of that VIN) and
what it follows (``purchase`` or ``service``). One program covers both events because a trigger
names one event type, and the source is also what knows the vehicle.

The context: ``vehicle``, ``parts`` (up to ``items`` fitting items: the exact model's first,
then the make-wide, cheaper first), ``after`` and ``rooftop``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from como.leads.models import Event
from como.sequences.defaults import DefaultProgram
from como.sequences.models import ReEntry
from como.sequences.sources import Entry, MemberRef
from como.workspaces.models import Workspace

from ..dms.models import VehicleOwnership
from ..parts.selectors import fitting_items
from .owners import owned_vehicle, rooftop_or_blank, rooftops
from .settings import program_settings

KEY = "parts_cross_sell"
SOURCE = "automotive.parts_cross_sell"
AFTER = {"vehicle_purchased": "purchase", "service_visit": "service"}


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _subjects(
    workspace: Workspace, events: Iterable[Mapping[str, Any]]
) -> dict[int, dict[str, Any]]:
    """The latest event per contact as a subject; the vehicle filled in from the owner's
    ownership of the VIN where the event does not say it (one query)."""
    latest: dict[int, Mapping[str, Any]] = {}
    for event in sorted(events, key=lambda e: e["occurred_at"]):
        latest[event["contact_id"]] = event
    subjects: dict[int, dict[str, Any]] = {}
    for contact_id, event in latest.items():
        props = event["properties"] or {}
        subjects[contact_id] = {
            "vin": str(props.get("vin") or ""),
            "year": _int(props.get("year")),
            "make": str(props.get("make") or ""),
            "model": str(props.get("model") or ""),
            "rooftop_id": _int(props.get("rooftop_id")),
            "after": AFTER[event["type"]],
            # The occasion (re-entry is once per purchase or visit, not once per person).
            "ref": event["event_id"],
        }
    missing = {c: s for c, s in subjects.items() if s["vin"] and not s["make"]}
    if missing:
        owned = VehicleOwnership.objects.filter(
            workspace=workspace,
            contact_id__in=missing,
            vin__in={s["vin"] for s in missing.values()},
        ).values("contact_id", "vin", "year", "make", "model", "rooftop_id")
        for row in owned:
            subject = missing.get(row["contact_id"])
            if subject is not None and subject["vin"] == row["vin"]:
                subject.update(
                    year=row["year"],
                    make=row["make"],
                    model=row["model"],
                    rooftop_id=subject["rooftop_id"] or row["rooftop_id"],
                )
    return subjects


def _vehicle_key(subject: Mapping[str, Any]) -> tuple[str, str, int | None]:
    return (str(subject.get("make") or ""), str(subject.get("model") or ""), subject.get("year"))


@dataclass(frozen=True)
class PartsSource:
    key: str = SOURCE
    label: str = "Owners after a purchase or a service visit, with parts that fit"

    def due(self, workspace: Workspace, now: datetime) -> Iterable[Entry]:
        knobs = program_settings(workspace).parts_cross_sell
        events = Event.objects.filter(
            workspace=workspace,
            type__in=list(AFTER),
            contact_id__isnull=False,
            received_at__gt=now - timedelta(hours=knobs.lookback_hours),
            occurred_at__gte=now - timedelta(days=knobs.recent_days),
        ).values("contact_id", "event_id", "type", "properties", "occurred_at")
        subjects = _subjects(workspace, events)
        items = fitting_items(
            workspace_id=workspace.pk,
            vehicles={_vehicle_key(s) for s in subjects.values()},
            limit=1,
        )
        return [
            Entry(contact_id, subject)
            for contact_id, subject in sorted(subjects.items())
            if items.get(_vehicle_key(subject))
        ]

    def context(
        self, workspace: Workspace, members: Sequence[MemberRef], now: datetime
    ) -> dict[int, dict[str, Any]]:
        knobs = program_settings(workspace).parts_cross_sell
        subjects = {m.id: dict(m.subject) for m in members if m.subject.get("make")}
        bare = [m for m in members if m.id not in subjects]
        if bare:  # a preview's sample or a hand-enrolled owner: their latest vehicle
            owned = (
                VehicleOwnership.objects.filter(
                    workspace=workspace, contact_id__in={m.contact_id for m in bare}
                )
                .order_by("contact_id", "-updated_at")
                .values("contact_id", "vin", "year", "make", "model", "rooftop_id")
            )
            first: dict[int, dict[str, Any]] = {}
            for row in owned:
                first.setdefault(row["contact_id"], {**row, "after": "purchase"})
            for member in bare:
                if member.contact_id in first:
                    subjects[member.id] = first[member.contact_id]
        items = fitting_items(
            workspace_id=workspace.pk,
            vehicles={_vehicle_key(s) for s in subjects.values()},
            limit=knobs.items,
        )
        stores = rooftops(workspace.pk, (s.get("rooftop_id") for s in subjects.values()))
        return {
            member_id: {
                "vehicle": owned_vehicle(
                    {name: subject.get(name) or "" for name in ("vin", "year", "make", "model")}
                ),
                "parts": items.get(_vehicle_key(subject), []),
                "after": subject.get("after", "purchase"),
                "rooftop": rooftop_or_blank(stores, subject.get("rooftop_id")),
            }
            # Every member gets the shape (a template must render even with nothing to show).
            for member_id, subject in {m.id: subjects.get(m.id, {}) for m in members}.items()
        }


SOURCE_OBJECT = PartsSource()

_LIST = (
    "{% for item in parts %}- {{ item.name }}: {{ item.price_text }}"
    "{% if item.url %} {{ item.url }}{% endif %}\n{% endfor %}"
)
PROGRAM: dict[str, Any] = {
    "trigger": {"on": "source", "source": SOURCE, "crontab": "0 9 * * *"},
    "steps": [
        {"id": "settle_in", "type": "wait", "minutes": 2 * 24 * 60},
        {
            "id": "picks",
            "type": "send",
            "channel": "email",
            "subject": "Made for your {{ vehicle.name }}: parts and accessories that fit",
            "body": (
                "Hi {{ contact.first_name or 'there' }},\n\n"
                "{% if after == 'service' %}Thanks for bringing your {{ vehicle.name }} in."
                "{% else %}Congratulations on your {{ vehicle.name }}!{% endif %} "
                "A few genuine parts and accessories that fit it:\n\n" + _LIST + "\n"
                "Order online or ask the parts counter at {{ rooftop.name or sender.name }}."
                "\n\n{{ sender.name }}"
            ),
        },
        {"id": "wait_ten_days", "type": "wait", "minutes": 10 * 24 * 60},
        {
            "id": "clicked",
            "type": "branch",
            "condition": {"on": "clicked"},
            "yes": "done",
            "no": "second_look",
        },
        {
            "id": "second_look",
            "type": "send",
            "channel": "email",
            "subject": "Still on the list for your {{ vehicle.name }}?",
            "body": (
                "Hi {{ contact.first_name or 'there' }},\n\n"
                "These fit your {{ vehicle.name }} and are in stock:\n\n" + _LIST + "\n"
                "{{ sender.name }}"
            ),
        },
        {"id": "done", "type": "exit", "reason": "offered"},
    ],
    "exits": [{"on": "opted_out"}],
}

PROGRAM_DEFAULT = DefaultProgram(
    key=KEY,
    vertical="automotive",
    name="Parts and accessories cross-sell",
    program=PROGRAM,
    re_entry=ReEntry.NEW_SUBJECT,
    description=(
        "After a purchase or a service visit: parts and accessories from the catalog that "
        "fit the owner's make, model and year."
    ),
)

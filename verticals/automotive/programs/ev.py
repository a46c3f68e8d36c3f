"""EV education (``ev_education``, source ``automotive.ev_shoppers``).

On its crontab the source enrols shoppers who viewed an electric vehicle's detail page in the
last ``lookback_days``: a ``vdp_view`` whose ``fuel_type`` property is one of the playbook's
``fuel_types``, or whose VIN is an inventory vehicle with such a fuel type (compared
case-insensitively: feeds say "Electric", "EV", "BEV"). The subject is the latest EV they
viewed. The program teaches what is new to an EV buyer (charging at home, incentives, the total
cost of ownership) and ends with a test drive invitation; a purchase ends it.

Intent from the track feeds the score: the automotive scoring model's ``ev_vdp_view`` rule
weighs an EV detail page view, and ``ev_education_click`` a click in these emails (their links
carry ``utm_campaign=ev-education``), on top of the generic VDP and click rules
(:mod:`..scoring`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q
from django.db.models.fields.json import KT
from django.db.models.functions import Lower

from como.leads.models import Event
from como.sequences.defaults import DefaultProgram
from como.sequences.models import ReEntry
from como.sequences.sources import Entry, MemberRef
from como.workspaces.models import Workspace

from ..inventory.models import Vehicle, VehicleStatus
from ..scoring import EV_EDUCATION_UTM
from .owners import vehicle_name
from .settings import program_settings

KEY = "ev_education"
SOURCE = "automotive.ev_shoppers"
UTM = EV_EDUCATION_UTM


def _subject(props: Mapping[str, Any]) -> dict[str, Any]:
    return {name: props.get(name) for name in ("vin", "year", "make", "model", "store")}


@dataclass(frozen=True)
class EvSource:
    key: str = SOURCE
    label: str = "Shoppers who viewed an electric vehicle"

    def due(self, workspace: Workspace, now: datetime) -> Iterable[Entry]:
        knobs = program_settings(workspace).ev_education
        fuels = [fuel.casefold() for fuel in knobs.fuel_types]
        ev_vins = (
            Vehicle.objects.filter(workspace=workspace)
            .annotate(fuel=Lower("fuel_type"))
            .filter(fuel__in=fuels)
            .values("vin")
        )
        views = (
            Event.objects.filter(
                workspace=workspace,
                type="vdp_view",
                contact_id__isnull=False,
                occurred_at__gte=now - timedelta(days=knobs.lookback_days),
            )
            .annotate(fuel=Lower(KT("properties__fuel_type")), vin=KT("properties__vin"))
            .filter(Q(fuel__in=fuels) | Q(vin__in=ev_vins))
            .order_by("contact_id", "-occurred_at")
            .values("contact_id", "properties")
        )
        latest: dict[int, dict[str, Any]] = {}
        for view in views:
            latest.setdefault(view["contact_id"], _subject(view["properties"] or {}))
        return [Entry(contact_id, subject) for contact_id, subject in sorted(latest.items())]

    def context(
        self, workspace: Workspace, members: Sequence[MemberRef], now: datetime
    ) -> dict[int, dict[str, Any]]:
        vins = {str(m.subject.get("vin")) for m in members if m.subject.get("vin")}
        stock = {
            row["vin"]: row
            for row in Vehicle.objects.filter(workspace=workspace, vin__in=vins).values(
                "vin", "year", "make", "model", "trim", "status", "vdp_url"
            )
        }
        found: dict[int, dict[str, Any]] = {}
        for member in members:
            subject = member.subject
            row = stock.get(str(subject.get("vin") or ""))
            about = row or subject
            found[member.id] = {
                "ev": {
                    "vin": subject.get("vin") or "",
                    "name": vehicle_name(about.get("year"), about.get("make"), about.get("model"))
                    or "an electric vehicle",
                    "available": bool(row and row["status"] == VehicleStatus.AVAILABLE),
                    "vdp_url": (row or {}).get("vdp_url") or "",
                },
                "utm": UTM,
            }
        return found


SOURCE_OBJECT = EvSource()

_DAYS = 24 * 60


def _email(step_id: str, subject: str, body: str) -> dict[str, Any]:
    return {
        "id": step_id,
        "type": "send",
        "channel": "email",
        "subject": subject,
        "body": "Hi {{ contact.first_name or 'there' }},\n\n" + body + "\n\n{{ sender.name }}",
    }


PROGRAM: dict[str, Any] = {
    "trigger": {"on": "source", "source": SOURCE, "crontab": "30 9 * * *"},
    "steps": [
        _email(
            "ev_charging",
            "Charging {{ ev.name }} at home: what it takes",
            "Most EV owners charge overnight at home. A Level 2 (240 V) charger adds 20 to 30 "
            "miles of range an hour; a standard outlet adds 3 to 5. Our guide covers the "
            "charger, the electrician and your utility's EV rate: "
            "https://www.energy.gov/eere/electricvehicles/charging-home?{{ utm }}",
        ),
        {"id": "wait_1", "type": "wait", "minutes": 4 * _DAYS},
        _email(
            "ev_incentives",
            "EV incentives you may qualify for",
            "Federal, state and utility incentives change often and depend on the vehicle, "
            "its price and your income. Check what applies to {{ ev.name }} before you buy: "
            "https://afdc.energy.gov/laws/state?{{ utm }}",
        ),
        {"id": "wait_2", "type": "wait", "minutes": 4 * _DAYS},
        _email(
            "ev_cost",
            "What an EV really costs to own",
            "Fuel, maintenance and insurance add up differently for an EV: no oil changes, "
            "fewer brake jobs, electricity instead of gasoline. Compare the total cost of "
            "ownership with the vehicle you drive now: "
            "https://afdc.energy.gov/calc/?{{ utm }}",
        ),
        {"id": "wait_3", "type": "wait", "minutes": 4 * _DAYS},
        _email(
            "ev_test_drive",
            "Feel the difference: test drive {{ ev.name }}",
            "Instant torque and a quiet cabin are easier felt than read about. Book a test "
            "drive at {{ sender.name }}"
            "{% if ev.available and ev.vdp_url %}: {{ ev.vdp_url }}{% else %}.{% endif %}",
        ),
    ],
    "exits": [
        {"on": "event", "event_type": "vehicle_purchased"},
        {"on": "opted_out"},
    ],
}

PROGRAM_DEFAULT = DefaultProgram(
    key=KEY,
    vertical="automotive",
    name="EV education",
    program=PROGRAM,
    re_entry=ReEntry.NEVER,
    description=(
        "Shoppers who viewed an EV: charging at home, incentives, total cost of "
        "ownership, a test drive; a purchase ends it."
    ),
)

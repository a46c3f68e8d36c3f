"""The trade-in and equity program (``trade_in_equity``, source ``automotive.trade_in_equity``).

On its crontab the source enrols every owner with an offer to make (:func:`offer`): their
vehicle's estimated value is at least the playbook's ``min_equity`` above its estimated payoff
(:mod:`.valuation`), or the vehicle is past the playbook's upgrade age or estimated mileage.
An owner with several vehicles enters once, about the vehicle with the best offer (the subject
names its VIN). Nobody is offered a trade within ``min_months_owned`` of buying.

Mileage now is estimated from the owner's latest odometer reading and miles per day (the DMS
history's), whole miles, rounded down. The age of a vehicle bought here is :mod:`.valuation`'s;
of one only serviced here, the calendar year minus the model year.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from como.sequences.defaults import DefaultProgram
from como.sequences.models import ReEntry
from como.sequences.sources import Entry, MemberRef
from como.workspaces.models import Workspace

from ..dms.models import VehicleOwnership
from .owners import local_today, money_text, owned_vehicle, rooftop_or_blank, rooftops
from .playbook import EquityKnobs
from .settings import program_settings
from .valuation import Deal, equity_of, months_between

KEY = "trade_in_equity"
SOURCE = "automotive.trade_in_equity"
_FIELDS = (
    "id",
    "contact_id",
    "rooftop_id",
    "vin",
    "year",
    "make",
    "model",
    "condition",
    "purchased_on",
    "price",
    "amount_financed",
    "apr",
    "term_months",
    "last_reading_on",
    "last_reading_miles",
    "miles_per_day",
)
_REASON_ORDER = {"equity": 0, "age": 1, "mileage": 2}


@dataclass(frozen=True)
class Offer:
    reason: str  # equity | age | mileage
    age_years: Decimal
    miles: int | None
    value: Decimal | None
    payoff: Decimal | None
    equity: Decimal | None

    def data(self) -> dict[str, Any]:
        """The template's ``equity``: amounts as strings and as text (``$5,598.80``)."""

        def amount(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        def text(value: Decimal | None) -> str:
            return "" if value is None else money_text(value)

        return {
            "reason": self.reason,
            "age_years": str(self.age_years.quantize(Decimal("0.1"))),
            "miles": self.miles,
            "miles_text": f"{self.miles:,}" if self.miles is not None else "",
            "value": amount(self.value),
            "payoff": amount(self.payoff),
            "equity": amount(self.equity),
            "value_text": text(self.value),
            "payoff_text": text(self.payoff),
            "equity_text": text(self.equity),
            "positive": self.equity is not None and self.equity > 0,
        }


def estimated_miles(row: Mapping[str, Any], today: date) -> int | None:
    last_on, last_miles = row["last_reading_on"], row["last_reading_miles"]
    if last_on is None or last_miles is None:
        return None
    per_day = row["miles_per_day"] or Decimal(0)
    return int(last_miles + per_day * max((today - last_on).days, 0))


def offer(row: Mapping[str, Any], knobs: EquityKnobs, today: date) -> Offer | None:
    """The offer to make the owner of ``row`` (an ownership's values), or None."""
    miles = estimated_miles(row, today)
    if row["purchased_on"] is not None:
        if months_between(row["purchased_on"], today) < knobs.min_months_owned:
            return None
        deal = Deal(
            price=row["price"],
            amount_financed=row["amount_financed"],
            apr=row["apr"],
            term_months=row["term_months"],
            purchased_on=row["purchased_on"],
            model_year=row["year"],
            condition=row["condition"] or "used",
        )
        found = equity_of(deal, knobs.depreciation, today)
        age, value, owed, equity = found.age_years, found.value, found.payoff, found.equity
    elif row["year"] is not None:
        age, value, owed, equity = Decimal(max(today.year - row["year"], 0)), None, None, None
    else:
        return None
    if equity is not None and equity >= knobs.min_equity:
        reason = "equity"
    elif age >= knobs.upgrade_age_years:
        reason = "age"
    elif miles is not None and miles >= knobs.upgrade_miles:
        reason = "mileage"
    else:
        return None
    return Offer(reason, age, miles, value, owed, equity)


def _best(offers: Iterable[tuple[Mapping[str, Any], Offer]]) -> dict[int, Mapping[str, Any]]:
    """Per contact, the ownership with the best offer: equity first (the most), then age."""
    best: dict[int, tuple[tuple[Any, ...], Mapping[str, Any]]] = {}
    for row, found in offers:
        rank = (_REASON_ORDER[found.reason], -(found.equity or 0), -found.age_years, row["vin"])
        current = best.get(row["contact_id"])
        if current is None or rank < current[0]:
            best[row["contact_id"]] = (rank, row)
    return {contact_id: row for contact_id, (_, row) in best.items()}


@dataclass(frozen=True)
class EquitySource:
    key: str = SOURCE
    label: str = "Owners with equity, or past the upgrade age or mileage"

    def due(self, workspace: Workspace, now: datetime) -> Iterable[Entry]:
        knobs = program_settings(workspace).trade_in_equity
        today = local_today(workspace, now)
        rows = VehicleOwnership.objects.filter(workspace=workspace).values(*_FIELDS)
        offers = [(row, found) for row in rows if (found := offer(row, knobs, today))]
        chosen = _best(offers)
        return [
            Entry(contact_id, {"vin": row["vin"]}) for contact_id, row in sorted(chosen.items())
        ]

    def context(
        self, workspace: Workspace, members: Sequence[MemberRef], now: datetime
    ) -> dict[int, dict[str, Any]]:
        knobs = program_settings(workspace).trade_in_equity
        today = local_today(workspace, now)
        rows = list(
            VehicleOwnership.objects.filter(
                workspace=workspace, contact_id__in={m.contact_id for m in members}
            ).values(*_FIELDS)
        )
        by_contact: dict[int, list[Mapping[str, Any]]] = {}
        for row in rows:
            by_contact.setdefault(row["contact_id"], []).append(row)
        stores = rooftops(workspace.pk, (row["rooftop_id"] for row in rows))
        found: dict[int, dict[str, Any]] = {}
        for member in members:
            owned = by_contact.get(member.contact_id, [])
            vin = member.subject.get("vin")
            chosen: Mapping[str, Any] | None = next((r for r in owned if r["vin"] == vin), None)
            if chosen is None:  # a preview's sample, or no subject: their best offer
                offers = [(r, o) for r in owned if (o := offer(r, knobs, today))]
                chosen = _best(offers).get(member.contact_id) or (owned[0] if owned else None)
            if chosen is None:  # nothing owned: the shape, blank (the template still renders)
                chosen = dict.fromkeys(_FIELDS) | {"vin": "", "contact_id": member.contact_id}
            made = offer(chosen, knobs, today) or Offer("none", Decimal(0), None, None, None, None)
            found[member.id] = {
                "vehicle": owned_vehicle(chosen),
                "equity": made.data(),
                "rooftop": rooftop_or_blank(stores, chosen["rooftop_id"]),
            }
        return found


SOURCE_OBJECT = EquitySource()

PROGRAM: dict[str, Any] = {
    "trigger": {"on": "source", "source": SOURCE, "crontab": "0 10 * * 2"},
    "steps": [
        {
            "id": "offer",
            "type": "send",
            "channel": "email",
            "subject": "{{ contact.first_name or 'Hi' }}, what is your {{ vehicle.name }} worth "
            "today?",
            "body": (
                "Hi {{ contact.first_name or 'there' }},\n\n"
                "{% if equity.positive %}Good news: we estimate your {{ vehicle.name }} is worth "
                "about {{ equity.value_text }}, around {{ equity.equity_text }} more than the "
                "{{ equity.payoff_text }} we estimate is left on your loan.{% else %}Your "
                "{{ vehicle.name }} has {% if equity.reason == 'mileage' %}about "
                "{{ equity.miles_text }} miles{% else %}{{ equity.age_years }} years{% endif %}"
                " behind it: a good moment to see what it is worth toward a newer one.{% endif %}"
                "\n\nBring it by {{ rooftop.name or sender.name }} for a free appraisal, or "
                "value it online in two minutes. These figures are estimates from your "
                "purchase terms, not an offer to buy; the appraisal gives the exact number.\n\n"
                "{{ sender.name }}"
            ),
        },
        {"id": "wait_a_week", "type": "wait", "minutes": 7 * 24 * 60},
        {
            "id": "clicked",
            "type": "branch",
            "condition": {"on": "clicked"},
            "yes": "done",
            "no": "reminder",
        },
        {
            "id": "reminder",
            "type": "send",
            "channel": "email",
            "subject": "Your {{ vehicle.name }}'s trade-in estimate is waiting",
            "body": (
                "Hi {{ contact.first_name or 'there' }},\n\n"
                "A reminder: {% if equity.positive %}your {{ vehicle.name }} may be worth "
                "{{ equity.equity_text }} more than you owe on it.{% else %}your "
                "{{ vehicle.name }} could be the down payment on your next vehicle.{% endif %} "
                "Ask for your appraisal at {{ rooftop.name or sender.name }} (estimates only; "
                "the appraisal gives the exact number).\n\n{{ sender.name }}"
            ),
        },
        {"id": "done", "type": "exit", "reason": "offered"},
    ],
    "exits": [
        {"on": "event", "event_type": "vehicle_purchased"},
        {"on": "event", "event_type": "trade_in_appraisal"},
        {"on": "opted_out"},
    ],
}

PROGRAM_DEFAULT = DefaultProgram(
    key=KEY,
    vertical="automotive",
    name="Trade-in and equity offer",
    program=PROGRAM,
    re_entry=ReEntry.NEW_SUBJECT,
    description=(
        "Owners with equity in their vehicle, or past the upgrade age or mileage: an "
        "offer that names the vehicle and the equity; once per vehicle."
    ),
)

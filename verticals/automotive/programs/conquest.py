"""Conquest (``conquest``, source ``automotive.conquest``).

On its crontab the source enrols shoppers who, in the last ``lookback_days``, viewed the detail
page of a make the dealer does not sell new (a ``vdp_view`` whose ``make`` is none of the
brands of the workspace's rooftops: a used Chevrolet on a Toyota store's lot) or asked for an
appraisal of one (``trade_in_appraisal`` with such a ``make``). The subject is the latest such
vehicle: make, model, body style, price and the rooftop the event names (``store`` code or
``rooftop_id``), if any.

The context is the rooftop's comparable inventory: available vehicles of the makes it sells
(new, used or certified), of the same body style (from the event; for an appraisal, which does
not say it, from any inventory vehicle of that make and model) or priced within
``price_band`` of the vehicle browsed, the same body style first, then the nearest price; at
most ``vehicles`` of them. A vehicle is its public fields only (``vehicle_data``): never cost.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Q

from como.leads.models import Event
from como.sequences.defaults import DefaultProgram
from como.sequences.models import ReEntry
from como.sequences.sources import Entry, MemberRef
from como.workspaces.models import Workspace

from ..ads.creative.context import VEHICLE_FIELDS, vehicle_data
from ..inventory.models import Rooftop, Vehicle, VehicleStatus
from .owners import rooftop_or_blank, rooftops, vehicle_name
from .playbook import ConquestKnobs
from .settings import program_settings

KEY = "conquest"
SOURCE = "automotive.conquest"
TYPES = ("vdp_view", "trade_in_appraisal")
#: The fields of a comparable vehicle a template sees (a subset of the public ones).
SHOWN = (
    "vin",
    "year",
    "make",
    "model",
    "trim",
    "body_style",
    "condition",
    "condition_label",
    "mileage_text",
    "advertised_price_text",
    "exterior_color",
    "vdp_url",
    "photo",
    "name",
)


def _price(value: Any) -> Decimal | None:
    try:
        price = Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None
    return price if price is not None and price.is_finite() and price > 0 else None


def _brands(workspace: Workspace) -> tuple[set[str], dict[str, int], dict[int, set[str]]]:
    """Every brand the workspace sells new, its rooftops by store code, each rooftop's brands."""
    by_code: dict[str, int] = {}
    by_rooftop: dict[int, set[str]] = {}
    for row in Rooftop.objects.filter(workspace=workspace).values("id", "store_code", "brands"):
        by_rooftop[row["id"]] = {b.casefold() for b in row["brands"] or ()}
        if row["store_code"]:
            by_code[row["store_code"]] = row["id"]
    every = set().union(*by_rooftop.values()) if by_rooftop else set()
    return every, by_code, by_rooftop


@dataclass(frozen=True)
class ConquestSource:
    key: str = SOURCE
    label: str = "Shoppers of other makes (detail pages, appraisals)"

    def due(self, workspace: Workspace, now: datetime) -> Iterable[Entry]:
        knobs = program_settings(workspace).conquest
        brands, by_code, _ = _brands(workspace)
        if not brands:
            return []
        events = (
            Event.objects.filter(
                workspace=workspace,
                type__in=TYPES,
                contact_id__isnull=False,
                occurred_at__gte=now - timedelta(days=knobs.lookback_days),
                properties__has_key="make",
            )
            .order_by("contact_id", "-occurred_at")
            .values("contact_id", "type", "properties")
        )
        latest: dict[int, dict[str, Any]] = {}
        for event in events:
            props = event["properties"] or {}
            make = str(props.get("make") or "")
            if not make or make.casefold() in brands or event["contact_id"] in latest:
                continue
            rooftop_id = by_code.get(str(props.get("store") or "")) or props.get("rooftop_id")
            latest[event["contact_id"]] = {
                "make": make,
                "model": str(props.get("model") or ""),
                "year": props.get("year"),
                "body_style": str(props.get("body_style") or ""),
                "price": str(_price(props.get("price")) or ""),
                "rooftop_id": rooftop_id if isinstance(rooftop_id, int) else None,
                "via": event["type"],
            }
        return [Entry(contact_id, subject) for contact_id, subject in sorted(latest.items())]

    def context(
        self, workspace: Workspace, members: Sequence[MemberRef], now: datetime
    ) -> dict[int, dict[str, Any]]:
        knobs = program_settings(workspace).conquest
        _, _, by_rooftop = _brands(workspace)
        # Every member gets the context's shape (a preview's sample may have no subject: its
        # template must still render, with nothing to compare).
        subjects = {m.id: m.subject for m in members}
        bodies = _body_styles(workspace, subjects.values())
        rows = list(
            Vehicle.objects.filter(workspace=workspace, status=VehicleStatus.AVAILABLE)
            .values(*VEHICLE_FIELDS)
            .order_by("id")
        )
        stores = rooftops(workspace.pk, by_rooftop)
        found: dict[int, dict[str, Any]] = {}
        for member_id, subject in subjects.items():
            rooftop_id = subject.get("rooftop_id")
            own = [rooftop_id] if rooftop_id in by_rooftop else list(by_rooftop)
            body = (subject.get("body_style") or bodies.get(_model_key(subject), "")).casefold()
            picked = comparable(
                [r for r in rows if r["rooftop_id"] in own and _sells(r, by_rooftop)],
                body_style=body,
                price=_price(subject.get("price")),
                knobs=knobs,
            )
            found[member_id] = {
                "shopped": {
                    "name": vehicle_name(
                        subject.get("year"), subject.get("make"), subject.get("model")
                    ),
                    "make": subject.get("make") or "",
                    "model": subject.get("model") or "",
                    "via": subject.get("via") or "",
                },
                "vehicles": [
                    {k: v for k, v in vehicle_data(r, now=now).items() if k in SHOWN}
                    for r in picked
                ],
                "rooftop": rooftop_or_blank(stores, own[0] if len(own) == 1 else None),
            }
        return found


def _sells(row: Mapping[str, Any], by_rooftop: Mapping[int, set[str]]) -> bool:
    return str(row["make"] or "").casefold() in by_rooftop.get(row["rooftop_id"], set())


def _model_key(subject: Mapping[str, Any]) -> tuple[str, str]:
    return (str(subject.get("make") or "").casefold(), str(subject.get("model") or "").casefold())


def _body_styles(
    workspace: Workspace, subjects: Iterable[Mapping[str, Any]]
) -> dict[tuple[str, str], str]:
    """The body style of each (make, model) the subjects name without one, from any inventory
    vehicle of that make and model (one query)."""
    wanted = {_model_key(s) for s in subjects if not s.get("body_style") and s.get("model")}
    if not wanted:
        return {}
    makes = Q()
    for make in {m for m, _ in wanted}:
        makes |= Q(make__iexact=make)
    rows = (
        Vehicle.objects.filter(makes, workspace=workspace)
        .exclude(body_style="")
        .values_list("make", "model", "body_style")
    )
    found: dict[tuple[str, str], str] = {}
    for make, model, body in rows:
        key = (make.casefold(), model.casefold())
        if key in wanted:
            found.setdefault(key, body)
    return found


def comparable(
    rows: Sequence[Mapping[str, Any]],
    *,
    body_style: str,
    price: Decimal | None,
    knobs: ConquestKnobs,
) -> list[Mapping[str, Any]]:
    """The comparable vehicles among ``rows`` (see the module docstring), best first."""

    def advertised(row: Mapping[str, Any]) -> Decimal | None:
        value = row["price"] if row["price"] is not None else row["internet_price"]
        return value if value else None

    def in_band(row: Mapping[str, Any]) -> bool:
        value = advertised(row)
        return (
            price is not None
            and value is not None
            and abs(value - price) <= price * knobs.price_band
        )

    def same_body(row: Mapping[str, Any]) -> bool:
        return bool(body_style) and str(row["body_style"] or "").casefold() == body_style

    matching = [r for r in rows if same_body(r) or in_band(r)]

    def rank(row: Mapping[str, Any]) -> tuple[Any, ...]:
        value = advertised(row)
        gap = abs(value - price) if value is not None and price is not None else Decimal(10**12)
        return (not same_body(row), not in_band(row), gap, row["vin"])

    return sorted(matching, key=rank)[: knobs.vehicles]


SOURCE_OBJECT = ConquestSource()

_LIST = (
    "{% for v in vehicles %}- {{ v.name }}{% if v.trim %} {{ v.trim }}{% endif %} ("
    "{{ v.condition_label }}"
    "{% if v.mileage_text %}, {{ v.mileage_text }} miles{% endif %}): "
    "{{ v.advertised_price_text }}{% if v.vdp_url %} {{ v.vdp_url }}{% endif %}\n{% endfor %}"
)
PROGRAM: dict[str, Any] = {
    "trigger": {"on": "source", "source": SOURCE, "crontab": "0 11 * * *"},
    "steps": [
        {
            "id": "comparables",
            "type": "send",
            "channel": "email",
            "subject": "Shopping for a {{ shopped.name or 'new vehicle' }}? Compare these",
            "body": (
                "Hi {{ contact.first_name or 'there' }},\n\n"
                "If the {{ shopped.name }} is on your list, these are worth a look at "
                "{{ rooftop.name or sender.name }}:\n\n" + _LIST + "\n"
                "Prices include every dealer fee except taxes and government fees.\n\n"
                "{{ sender.name }}"
            ),
        },
        {"id": "wait_five_days", "type": "wait", "minutes": 5 * 24 * 60},
        {
            "id": "clicked",
            "type": "branch",
            "condition": {"on": "clicked"},
            "yes": "done",
            "no": "appraisal_offer",
        },
        {
            "id": "appraisal_offer",
            "type": "send",
            "channel": "email",
            "subject": "Your trade-in could be your down payment",
            "body": (
                "Hi {{ contact.first_name or 'there' }},\n\n"
                "Whatever you drive today, we will appraise it for free, and you can compare "
                "side by side with the {{ shopped.make }} you looked at.\n\n{{ sender.name }}"
            ),
        },
        {"id": "done", "type": "exit", "reason": "offered"},
    ],
    "exits": [
        {"on": "event", "event_type": "vehicle_purchased"},
        {"on": "event", "event_type": "test_drive_booked"},
        {"on": "opted_out"},
    ],
}

PROGRAM_DEFAULT = DefaultProgram(
    key=KEY,
    vertical="automotive",
    name="Conquest: comparable inventory",
    program=PROGRAM,
    re_entry=ReEntry.NEVER,
    description=(
        "Shoppers who browsed or appraised other makes' vehicles: the rooftop's "
        "comparable inventory."
    ),
)

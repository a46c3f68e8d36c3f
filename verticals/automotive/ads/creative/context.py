"""A vehicle, its rooftop and its workspace as the plain data a creative template sees.

Built from ``values()`` rows (no model instance per vehicle) and from a fixed list of fields:
``cost`` (and anything else confidential) is never read, so no template can print it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from ...inventory.formats.base import PUBLIC_FIELDS
from ..rules import days_in_stock

#: The vehicle columns a template may see. ``cost`` is not among them, on purpose.
VEHICLE_FIELDS = ("id", "rooftop_id", *PUBLIC_FIELDS, "first_seen_at", "sold_at")
ROOFTOP_FIELDS = (
    "id",
    "name",
    "dealer_id",
    "store_code",
    "street",
    "city",
    "region",
    "postal_code",
    "country",
    "time_zone",
)
TEXT_FIELDS = (
    "vin",
    "stock_number",
    "make",
    "model",
    "trim",
    "body_style",
    "condition",
    "exterior_color",
    "interior_color",
    "transmission",
    "drivetrain",
    "fuel_type",
    "status",
    "vdp_url",
)
CONDITION_LABELS = {"new": "New", "used": "Used", "cpo": "Certified Pre-Owned"}


def money(value: Decimal | None) -> str:
    """``$18,995`` (cents only when there are any)."""
    if value is None:
        return ""
    return f"${value:,.2f}" if value % 1 else f"${value:,.0f}"


def charges_total(charges: Any) -> Decimal:
    total = Decimal(0)
    for charge in charges if isinstance(charges, list) else ():
        try:
            total += Decimal(str(charge.get("amount") or 0))
        except (ArithmeticError, AttributeError, ValueError):
            continue
    return total


def vehicle_data(row: Mapping[str, Any], *, now: datetime) -> dict[str, Any]:
    """The template's ``vehicle``: the row's allowed fields plus what templates need ready-made
    (``name``, ``advertised_price``: the price with every mandatory dealer charge, as the FTC
    and the states require an advertised price to be, and its text)."""
    data = {name: row.get(name) for name in VEHICLE_FIELDS}
    for name in TEXT_FIELDS:
        if data[name] is None:
            data[name] = ""
    price = data["price"] if data["price"] is not None else data["internet_price"]
    fees = charges_total(data["dealer_charges"])
    advertised = price + fees if price is not None else None
    data.update(
        name=" ".join(str(p) for p in (data["year"], data["make"], data["model"]) if p),
        condition_label=CONDITION_LABELS.get(str(data["condition"]), ""),
        dealer_fees=fees,
        dealer_fees_text=money(fees),
        advertised_price=advertised,
        advertised_price_text=money(advertised),
        msrp_text=money(data["msrp"]),
        mileage_text=f"{data['mileage']:,}" if data["mileage"] is not None else "",
        photo=(data["photos"] or [""])[0] if isinstance(data["photos"], list) else "",
        vin_last8=str(data["vin"] or "")[-8:],
        days_in_stock=days_in_stock(data, now),
    )
    for key in ("received_at", "first_seen_at", "sold_at"):
        instant = data[key]
        data[key] = instant.isoformat() if instant is not None else None
    return data


def rooftop_data(row: Mapping[str, Any]) -> dict[str, Any]:
    data = {name: row.get(name) or "" for name in ROOFTOP_FIELDS}
    data["id"] = row.get("id")
    data["address"] = ", ".join(
        p for p in (data["street"], data["city"], data["region"], data["postal_code"]) if p
    )
    return data

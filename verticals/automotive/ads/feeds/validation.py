"""Each platform's required fields, and why a row may not be sent.

A row is sent whole or not at all: a platform that receives an item without a required field
rejects it (Meta) or disapproves the offer (Google), and an item that used to be valid is then
left stale on the platform. The reasons are plain sentences the admin shows per vehicle.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...inventory.vin import vin_problem

#: Meta's automotive inventory catalog: the fields an item must have (the flat CSV names).
META_REQUIRED: dict[str, str] = {
    "vehicle_id": "no vehicle id",
    "vin": "no VIN",
    "title": "no title",
    "description": "no description",
    "url": "no link to the vehicle's page (VDP)",
    "make": "no make",
    "model": "no model",
    "year": "no model year",
    "body_style": "no body style",
    "exterior_color": "no exterior color",
    "image[0].url": "no photo",
    "image[0].tag[0]": "no photo tag",
    "mileage.value": "no mileage (a used vehicle needs one)",
    "mileage.unit": "no mileage unit",
    "price": "no price",
    "address.addr1": "the rooftop has no street address",
    "address.city": "the rooftop has no city",
    "address.region": "the rooftop has no state or region",
    "address.country": "the rooftop has no country",
    "availability": "no availability",
    "state_of_vehicle": "no state of vehicle (new, used, certified)",
}
#: Meta's limits: the id of at most 100 characters, the description of at most 5,000.
META_LIMITS = {"vehicle_id": 100, "title": 500, "description": 5_000}

#: Google's vehicle listings and vehicle ads (Merchant Center): the attributes an offer needs.
GOOGLE_REQUIRED: dict[str, str] = {
    "id": "no id",
    "vin": "no VIN",
    "store_code": "the rooftop has no Google store code",
    "dealership_name": "the rooftop has no name",
    "dealership_address": "the rooftop has no full address",
    "title": "no title",
    "price": "no price",
    "condition": "no condition",
    "make": "no make",
    "model": "no model",
    "year": "no model year",
    "mileage": "no mileage (a used vehicle needs one)",
    "image_link": "no photo",
    "link": "no link to the vehicle's page (VDP)",
    "link_template": "no link to the vehicle's page (VDP)",
    "google_product_category": "no product category",
    "vehicle_fulfillment(option:store_code)": "no fulfillment",
}
GOOGLE_LIMITS = {"id": 50, "title": 150, "description": 5_000}


def _present(value: Any) -> bool:
    return value is not None and str(value).strip() != ""


def problems(
    row: Mapping[str, Any], required: Mapping[str, str], limits: Mapping[str, int]
) -> list[str]:
    """Every required field missing (one sentence each, however many fields share it) and
    every field over its limit."""
    reasons: list[str] = []
    for field, reason in required.items():
        if not _present(row.get(field)) and reason not in reasons:
            reasons.append(reason)
    for field, limit in limits.items():
        if len(str(row.get(field) or "")) > limit:
            reasons.append(f"{field} is longer than {limit:,} characters")
    return reasons


def price_problem(value: Any) -> str | None:
    if value is not None and value <= 0:
        return "the price is not more than zero"
    return None


def meta_problems(row: Mapping[str, Any], advertised: Any) -> list[str]:
    reasons = problems(row, META_REQUIRED, META_LIMITS)
    if (bad := price_problem(advertised)) is not None:
        reasons.append(bad)
    return reasons


def google_problems(row: Mapping[str, Any], advertised: Any) -> list[str]:
    reasons = problems(row, GOOGLE_REQUIRED, GOOGLE_LIMITS)
    if (bad := price_problem(advertised)) is not None:
        reasons.append(bad)
    vin = str(row.get("vin") or "")
    # Google matches the VIN against NHTSA's rules: a bad check digit disapproves the offer.
    if vin and (bad := vin_problem(vin)) is not None:
        reasons.append(f"the VIN is not valid: {bad}")
    if "{store_code}" not in str(row.get("link_template") or "{store_code}"):
        reasons.append("the link template lacks {store_code}")
    return reasons

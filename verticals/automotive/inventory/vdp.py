"""A vehicle's detail page (VDP) from its rooftop's ``vdp_url_template``, for feeds that carry
no link of their own (many DMS exports): ``https://dealer.example/inventory/{vin}``.

The template names only :data:`validators.VDP_PLACEHOLDERS`; each value fills a path or query
part, so it is quoted (a model of "CR-V Hybrid" may not break the URL)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

#: The vehicle's fields a template may name (the rooftop's store code and dealer id besides).
VEHICLE_PLACEHOLDERS = ("vin", "stock_number", "year", "make", "model", "trim")
#: The column's length (Vehicle.vdp_url): a longer link is no link.
MAX_LENGTH = 2000


def vdp_url_fill(template: str, vehicle: Mapping[str, Any], rooftop: Mapping[str, Any]) -> str:
    """The template filled in for ``vehicle`` at ``rooftop``; "" when there is no template or
    it cannot be filled."""
    if not template:
        return ""
    fields = {name: quote(str(vehicle.get(name) or ""), safe="") for name in VEHICLE_PLACEHOLDERS}
    for name in ("store_code", "dealer_id"):
        fields[name] = quote(str(rooftop.get(name) or ""), safe="")
    try:
        url = template.format_map(fields)
    except (KeyError, ValueError, IndexError):
        return ""
    return url if len(url) <= MAX_LENGTH else ""

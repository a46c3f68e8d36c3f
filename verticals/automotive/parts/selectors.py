"""Reads of the parts catalog: which items fit which vehicles, for a batch at once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db.models import Q

from .models import PartsItem

#: The item fields a message template may see.
ITEM_FIELDS = ("sku", "name", "category", "price", "url")
Vehicle = tuple[str, str, int | None]  # make, model, model year


def fits(item: Mapping[str, Any], make: str, model: str, year: int | None) -> bool:
    """Whether ``item`` (its fitment fields) fits the vehicle: the make (case-insensitive), the
    model unless the item's is blank, the year inside the item's range (an open end admits any
    year on that side; a vehicle of unknown year fits only an item without a range)."""
    if str(item["make"]).casefold() != make.casefold():
        return False
    if item["model"] and str(item["model"]).casefold() != model.casefold():
        return False
    low, high = item["year_from"], item["year_to"]
    if year is None:
        return low is None and high is None
    return (low is None or low <= year) and (high is None or year <= high)


def item_data(item: Mapping[str, Any]) -> dict[str, Any]:
    """An item as plain JSON data for a template: the price as text too (``$49.95``)."""
    price: Decimal = item["price"]
    return {
        "sku": item["sku"],
        "name": item["name"],
        "category": item["category"],
        "price": str(price),
        "price_text": f"${price:,.2f}",
        "url": item["url"],
    }


def fitting_items(
    *, workspace_id: int, vehicles: Iterable[Vehicle], limit: int
) -> dict[Vehicle, list[dict[str, Any]]]:
    """Up to ``limit`` active items fitting each vehicle, as :func:`item_data`: the exact model
    fit before the make-wide one, then the cheaper, then by SKU. One query for the batch."""
    wanted = {v for v in vehicles if v[0]}
    if not wanted:
        return {}
    makes = Q()
    for make in {v[0].casefold() for v in wanted}:
        makes |= Q(make__iexact=make)
    rows = list(
        PartsItem.objects.filter(makes, workspace_id=workspace_id, active=True).values(
            *ITEM_FIELDS, "make", "model", "year_from", "year_to"
        )
    )
    rows.sort(key=lambda row: (not row["model"], row["price"], row["sku"]))
    found: dict[Vehicle, list[dict[str, Any]]] = {}
    for vehicle in wanted:
        matching = [row for row in rows if fits(row, *vehicle)][:limit]
        found[vehicle] = [item_data(row) for row in matching]
    return found

"""Meta catalogs: a real-time update of catalog items through the Catalog Batch API
(``POST /{catalog_id}/items_batch`` with ``item_type`` and ``requests``, each ``{"method":
"UPDATE", "data": {…}}``), the request behind the ``social_catalog_update`` kind of
:mod:`.social`: a change reaches the catalog now rather than at its next scheduled feed fetch
(Meta fetches a feed at most hourly)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..models import ChannelAccount
from . import common

#: Catalog Batch API: at most 5,000 items per ``items_batch`` call.
CATALOG_BATCH_MAX = 5_000
#: The item types whose id field we know, and that field's name in the item's data (the same
#: name the catalog's feed uses for it: a vehicle's is ``vehicle_id``).
CATALOG_ID_FIELDS = {"VEHICLE": "vehicle_id", "VEHICLE_OFFER": "vehicle_offer_id"}
AVAILABILITIES = ("AVAILABLE", "NOT_AVAILABLE", "PENDING")
CATALOG_ID_MAX = 100


def build_catalog_update(
    payload: Mapping[str, Any], account: ChannelAccount | None = None
) -> dict[str, Any]:
    """``POST /{catalog_id}/items_batch``: ``item_type`` and ``requests``, a JSON array of
    ``{"method": "UPDATE", "data": {<id field>: …, "availability": …}}``. ``allow_upsert`` is
    false: an item the catalog does not hold is not created from an availability alone."""
    limits = common.Limits()
    catalog = limits.identifier("catalog_id", payload.get("catalog_id"))
    item_type = limits.choice(
        "item_type", payload.get("item_type"), tuple(CATALOG_ID_FIELDS), "VEHICLE"
    )
    id_field = CATALOG_ID_FIELDS[item_type]
    items = payload.get("items")
    requests: list[dict[str, Any]] = []
    if not isinstance(items, list) or not items:
        limits.add("items", "Give a list of items to update.")
        items = []
    elif len(items) > CATALOG_BATCH_MAX:
        limits.add("items", f"At most {CATALOG_BATCH_MAX} items per call ({len(items)} given).")
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            limits.add(f"items[{index}]", "Must be an object.")
            continue
        item_id = limits.text(
            f"items[{index}].id", item.get("id"), max_width=CATALOG_ID_MAX, wide=False
        )
        availability = limits.choice(
            f"items[{index}].availability", item.get("availability"), AVAILABILITIES, ""
        )
        if not availability:
            limits.add(f"items[{index}].availability", f"One of {', '.join(AVAILABILITIES)}.")
        requests.append(
            {"method": "UPDATE", "data": {id_field: item_id, "availability": availability}}
        )
    limits.raise_if_any()
    return {
        "path": f"{catalog}/items_batch",
        "form": [
            ("item_type", item_type),
            ("allow_upsert", "false"),
            ("requests", common.json_body(requests)),
        ],
    }

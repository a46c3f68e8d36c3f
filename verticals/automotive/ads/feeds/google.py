"""Google's vehicle listings and vehicle ads (Merchant Center, Performance Max): one offer per
VIN, only for vehicles on sale. A vehicle sold, removed or pending is absent from the next
fetch, and Google deletes an offer missing from the next full file.

CSV uses Google's text headers (a group attribute as ``vehicle_fulfillment(option:store_code)``
with ``in_store:CODE``); XML is como's RSS with the ``g:`` namespace, the group nested.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from django.db.models import Q
from django.utils import timezone

from como.channels import feeds
from como.workspaces.models import Workspace

from ...inventory.models import VehicleStatus
from . import vehicles as v
from .validation import google_problems

KEY = "google_vehicles"
#: Google's product category for cars, trucks and vans (Vehicles & Parts > Vehicles > Motor
#: Vehicles > Cars, Trucks & Vans).
CATEGORY = "916"
FULFILLMENT = "vehicle_fulfillment(option:store_code)"
COLUMNS = (
    "id", "vin", "title", "description", "store_code", "dealership_name", "dealership_address",
    "price", "vehicle_msrp", "condition", "certified_pre-owned", "make", "brand", "model",
    "year", "trim", "mileage", "body_style", "color", "image_link", "additional_image_link",
    "link", "link_template", "google_product_category", FULFILLMENT,
)  # fmt: skip
#: Google takes up to 10 additional images an offer.
MAX_ADDITIONAL_IMAGES = 10


def link_template(url: str) -> str:
    """The VDP with Google's ``{store_code}`` ValueTrack parameter (the words, not the code)."""
    if not url:
        return ""
    return f"{url}{'&' if '?' in url else '?'}store={{store_code}}"


def google_row(listing: v.Listing) -> dict[str, Any]:
    vehicle, rooftop = listing.vehicle, listing.rooftop
    miles = v.mileage(vehicle)
    unit = "miles" if listing.mileage_unit == "MI" else "km"
    url = v.vdp_link(listing)
    pictures = v.photos(vehicle)
    store_code = rooftop["store_code"]
    full_address = all(rooftop[p] for p in ("street", "city", "region", "postal_code"))
    return {
        "id": vehicle["vin"],
        "vin": vehicle["vin"],
        "title": v.title(vehicle),
        "description": v.description(listing, miles, listing.mileage_unit),
        "store_code": store_code,
        "dealership_name": rooftop["name"],
        "dealership_address": (
            f"{rooftop['address']}, {rooftop['country']}" if full_address else ""
        ),
        # The advertised price: the price plus every mandatory dealer charge, as Google's
        # vehicle ads policy and the FTC require of an advertised vehicle price
        # (``creative.context.vehicle_data``, the same figure the ads show).
        "price": v.amount(vehicle["advertised_price"], listing.currency),
        "vehicle_msrp": v.amount(vehicle["msrp"], listing.currency),
        "condition": "new" if vehicle["condition"] == "new" else "used",
        "certified_pre-owned": (
            "yes" if vehicle["condition"] == "cpo" or vehicle["certified"] else "no"
        )
        if vehicle["condition"] != "new"
        else "",
        "make": vehicle["make"],
        "brand": vehicle["make"],  # vehicle ads call the make "brand"; listings call it "make"
        "model": vehicle["model"],
        "year": vehicle["year"],
        "trim": vehicle["trim"],
        "mileage": f"{miles} {unit}" if miles is not None else "",
        "body_style": vehicle["body_style"],
        "color": vehicle["exterior_color"],
        "image_link": pictures[0] if pictures else "",
        "additional_image_link": ",".join(pictures[1 : 1 + MAX_ADDITIONAL_IMAGES]),
        "link": url,
        "link_template": link_template(url),
        "google_product_category": CATEGORY,
        FULFILLMENT: f"in_store:{store_code}" if store_code else "",
    }


def xml_item(row: Mapping[str, Any]) -> dict[str, Any]:
    """The row as XML elements: the fulfillment group nested, the extra images repeated."""
    item = {k: val for k, val in row.items() if k not in (FULFILLMENT, "additional_image_link")}
    extra = str(row.get("additional_image_link") or "")
    item["additional_image_link"] = extra.split(",") if extra else None
    item["vehicle_fulfillment"] = {"option": "in_store", "store_code": row["store_code"]}
    return item


class _AsXml:
    """The feed seen by como's RSS writer: rows shaped as XML elements."""

    def __init__(self, feed: GoogleVehicleFeed) -> None:
        self.feed = feed
        self.title = feed.title

    def columns(self, workspace: Workspace) -> Sequence[str]:
        return self.feed.columns(workspace)

    def rows(self, workspace: Workspace) -> Iterator[dict[str, Any]]:
        return (xml_item(row) for row in self.feed.rows(workspace))


class GoogleVehicleFeed:
    title = "Google vehicle listings and vehicle ads"

    def columns(self, workspace: Workspace) -> Sequence[str]:
        return COLUMNS

    def judged(self, workspace: Workspace, *, rooftop_id: int | None = None) -> Iterator[v.Judged]:
        now = timezone.now()
        on_sale = Q(status=VehicleStatus.AVAILABLE)
        for listing in v.listings(workspace, on_sale, rooftop_id=rooftop_id, now=now):
            row = google_row(listing)
            reasons = google_problems(row, listing.vehicle["advertised_price"])
            yield v.Judged(listing, row, tuple(reasons))

    def rows(self, workspace: Workspace) -> Iterator[dict[str, Any]]:
        for judged in self.judged(workspace):
            if not judged.reasons:
                yield judged.row

    def xml_chunks(self, workspace: Workspace, link: str) -> Iterator[str]:
        return feeds.xml_chunks(_AsXml(self), workspace, link)


source = GoogleVehicleFeed()

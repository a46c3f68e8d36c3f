"""Meta's automotive inventory catalog (Automotive Inventory Ads): one item per vehicle, as
CSV with Meta's flattened field names (``image[0].url``, ``mileage.value``, ``address.city``)
or as Meta's ``<listings>`` XML document.

Sold and removed vehicles stay in the feed as ``NOT_AVAILABLE`` for :data:`SOLD_WINDOW`: Meta
keeps an item it no longer finds in a scheduled feed, so a sold car dropped from the file would
stay advertisable until it expired. Listing it as not available makes Meta flip the item off.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import timedelta
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from como.workspaces.models import Workspace

from ...inventory.models import Vehicle, VehicleStatus
from . import vehicles as v
from .validation import meta_problems

KEY = "meta_vehicles"
#: How long a sold or removed vehicle stays in the feed as NOT_AVAILABLE.
SOLD_WINDOW = timedelta(days=30)
#: Meta takes up to 20 images an item.
MAX_IMAGES = 20
#: Meta's tag for the first image: dealers' photo sets lead with the exterior shot. The
#: others carry no tag (we do not know what they show).
FIRST_IMAGE_TAG = "Exterior"

AVAILABILITY = {
    VehicleStatus.AVAILABLE: "AVAILABLE",
    VehicleStatus.PENDING: "PENDING",
    VehicleStatus.SOLD: "NOT_AVAILABLE",
    VehicleStatus.REMOVED: "NOT_AVAILABLE",
}

#: Meta's fixed body styles, and the words in our (free-text, provider-given) body style that
#: map onto them, tried in order: "Crew Cab Pickup" is a pickup before it is a truck.
BODY_STYLE_WORDS: tuple[tuple[str, str], ...] = (
    (r"convertible|cabrio", "CONVERTIBLE"),
    (r"roadster|spyder|spider", "ROADSTER"),
    (r"coupe|2dr car", "COUPE"),
    (r"hatch", "HATCHBACK"),
    (r"wagon|estate", "WAGON"),
    (r"minivan|mini-van", "MINIVAN"),
    (r"minibus", "MINIBUS"),
    (r"\bvan\b", "VAN"),
    (r"pickup|pick-up|\bcab\b", "PICKUP"),
    (r"truck", "TRUCK"),
    (r"crossover", "CROSSOVER"),
    (r"\bsuv\b|sport utility", "SUV"),
    (r"sedan|saloon|4dr car", "SEDAN"),
)
META_BODY_STYLES = frozenset(
    {
        "CONVERTIBLE", "COUPE", "CROSSOVER", "ESTATE", "GRANDTOURER", "HATCHBACK", "MINIBUS",
        "MINIVAN", "MPV", "PICKUP", "ROADSTER", "SALOON", "SEDAN", "SMALL_CAR", "SPORTSCAR",
        "SUPERCAR", "SUPERMINI", "SUV", "TRUCK", "VAN", "WAGON", "OTHER",
    }
)  # fmt: skip
TRANSMISSION_WORDS = (
    (r"manual|m/t|stick|\bmt\b", "MANUAL"),
    (r"auto|cvt|a/t|dct|\bat\b", "AUTOMATIC"),
)
FUEL_WORDS = (
    (r"plug", "PLUGIN_HYBRID"),
    (r"hybrid", "HYBRID"),
    (r"electric|\bev\b|\bbev\b", "ELECTRIC"),
    (r"diesel", "DIESEL"),
    (r"flex|e85", "FLEX"),
    (r"gas|petrol|unleaded", "GASOLINE"),
)
DRIVETRAIN_WORDS = (
    (r"awd|all[- ]wheel", "AWD"),
    (r"4x4", "4X4"),
    (r"4wd|four[- ]wheel", "FOUR_WD"),
    (r"4x2", "4X2"),
    (r"2wd|two[- ]wheel", "TWO_WD"),
    (r"fwd|front[- ]wheel", "FWD"),
    (r"rwd|rear[- ]wheel", "RWD"),
)


def catalog_item_id(vehicle: Mapping[str, Any]) -> str:
    """A vehicle's ``vehicle_id`` in the Meta catalog, in the feed and in real-time updates
    alike: its VIN (unique per workspace by a constraint, so never repeated; ≤ 100 chars)."""
    return str(vehicle.get("vin") or "")


def _mapped(text: Any, words: Sequence[tuple[str, str]]) -> str:
    """Meta's value for a free-text one: blank stays blank (the field is then missing),
    anything unrecognised is OTHER."""
    text = str(text or "").strip().lower()
    if not text:
        return ""
    for pattern, value in words:
        if re.search(pattern, text):
            return value
    return "OTHER"


def body_style(text: Any) -> str:
    upper = str(text or "").strip().upper().replace(" ", "_")
    return upper if upper in META_BODY_STYLES else _mapped(text, BODY_STYLE_WORDS)


def state_of_vehicle(vehicle: Mapping[str, Any]) -> str:
    if vehicle.get("condition") == "cpo" or (
        vehicle.get("condition") == "used" and vehicle.get("certified")
    ):
        return "CPO"
    return {"new": "NEW", "used": "USED"}.get(str(vehicle.get("condition")), "")


def in_feed(now: Any) -> Q:
    """Available and pending vehicles, and those sold or removed within the window."""
    since = now - SOLD_WINDOW
    return (
        Q(status__in=(VehicleStatus.AVAILABLE, VehicleStatus.PENDING))
        | Q(status=VehicleStatus.SOLD, sold_at__gte=since)
        | Q(status=VehicleStatus.REMOVED, removed_at__gte=since)
    )


HEAD = (
    "vehicle_id", "vin", "title", "description", "url", "make", "model", "year", "trim",
    "body_style", "exterior_color", "interior_color", "mileage.value", "mileage.unit",
    "transmission", "fuel_type", "drivetrain", "condition", "state_of_vehicle", "price",
    "sale_price", "availability", "date_first_on_lot", "dealer_id", "dealer_name",
    "address.addr1", "address.city", "address.region", "address.postal_code", "address.country",
)  # fmt: skip
ADDRESS_PARTS = ("addr1", "city", "region", "postal_code", "country")


def image_columns(count: int) -> list[str]:
    columns = []
    for index in range(count):
        columns.append(f"image[{index}].url")
        columns.append(f"image[{index}].tag[0]")
    return columns


def meta_row(listing: v.Listing) -> dict[str, Any]:
    """The item as Meta's flat field names (CSV columns), its images as ``image[n].url``."""
    vehicle, rooftop = listing.vehicle, listing.rooftop
    miles = v.mileage(vehicle)
    unit = listing.mileage_unit
    advertised = vehicle["advertised_price"]
    # ``price`` is the advertised price: the price plus every mandatory dealer charge (doc
    # fee, add-ons the buyer cannot decline), as the FTC and the states require an advertised
    # vehicle price to be; ``creative.context`` computes it once for ads and feeds alike.
    sale = None
    internet = vehicle.get("internet_price")
    if vehicle.get("price") is not None and internet is not None and internet < vehicle["price"]:
        sale = internet + vehicle["dealer_fees"]  # the internet price, fees included too
    row: dict[str, Any] = {
        "vehicle_id": catalog_item_id(vehicle),
        "vin": vehicle["vin"],
        "title": v.title(vehicle),
        "description": v.description(listing, miles, unit),
        "url": v.vdp_link(listing),
        "make": vehicle["make"],
        "model": vehicle["model"],
        "year": vehicle["year"],
        "trim": vehicle["trim"],
        "body_style": body_style(vehicle["body_style"]),
        "exterior_color": vehicle["exterior_color"],
        "interior_color": vehicle["interior_color"],
        "mileage.value": miles,
        "mileage.unit": unit,
        "transmission": _mapped(vehicle["transmission"], TRANSMISSION_WORDS),
        "fuel_type": _mapped(vehicle["fuel_type"], FUEL_WORDS),
        "drivetrain": _mapped(vehicle["drivetrain"], DRIVETRAIN_WORDS),
        # Meta's condition grades the vehicle's shape (EXCELLENT … POOR); only a new one's is
        # known. A used one's is left blank (the field is optional) rather than made up.
        "condition": "EXCELLENT" if vehicle["condition"] == "new" else "",
        "state_of_vehicle": state_of_vehicle(vehicle),
        "price": v.amount(advertised, listing.currency),
        "sale_price": v.amount(sale, listing.currency),
        "availability": AVAILABILITY.get(vehicle["status"], ""),
        "date_first_on_lot": v.iso_date(vehicle["received_at"] or vehicle["first_seen_at"]),
        "dealer_id": rooftop["dealer_id"] or f"rooftop-{rooftop['id']}",
        "dealer_name": rooftop["name"],
        "address.addr1": rooftop["street"],
        "address.city": rooftop["city"],
        "address.region": rooftop["region"],
        "address.postal_code": rooftop["postal_code"],
        "address.country": rooftop["country"],
    }
    for index, url in enumerate(v.photos(vehicle)[:MAX_IMAGES]):
        row[f"image[{index}].url"] = url
        row[f"image[{index}].tag[0]"] = FIRST_IMAGE_TAG if index == 0 else ""
    return row


#: Characters XML 1.0 cannot carry at all, escaped or not: dropped from the text.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: Any) -> str:
    return escape(_NOT_XML.sub("", str(value)))


def listing_xml(row: Mapping[str, Any]) -> str:
    """One ``<listing>`` of Meta's XML: nested image, mileage and address elements."""
    parts = ["<listing>"]
    for name in HEAD:
        if "." in name or row.get(name) in (None, ""):
            continue
        parts.append(f"<{name}>{_text(row[name])}</{name}>")
    parts.append(
        f"<mileage><value>{row['mileage.value']}</value>"
        f"<unit>{_text(row['mileage.unit'])}</unit></mileage>"
    )
    index = 0
    while (url := row.get(f"image[{index}].url")) is not None:
        tag = row.get(f"image[{index}].tag[0]")
        tag_xml = f"<tag>{_text(tag)}</tag>" if tag else ""
        parts.append(f"<image><url>{_text(url)}</url>{tag_xml}</image>")
        index += 1
    components = "".join(
        f"<component name={quoteattr(part)}>{_text(row[f'address.{part}'])}</component>"
        for part in ADDRESS_PARTS
        if row.get(f"address.{part}")
    )
    parts.append(f'<address format="simple">{components}</address>')
    parts.append("</listing>\n")
    return "".join(parts)


class MetaVehicleFeed:
    title = "Meta automotive inventory catalog"

    def columns(self, workspace: Workspace) -> Sequence[str]:
        """The fixed fields, then as many image columns as the best-photographed vehicle
        needs (at most 20; at least one, the required ``image[0]``)."""
        return (*HEAD, *image_columns(self._image_slots(workspace)))

    def _image_slots(self, workspace: Workspace) -> int:
        table = connection.ops.quote_name(Vehicle._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COALESCE(MAX(jsonb_array_length(photos)), 0) "  # noqa: S608 (our table)
                f"FROM {table} WHERE workspace_id = %s AND jsonb_typeof(photos) = 'array'",
                [workspace.pk],
            )
            found = cursor.fetchone()
        return max(1, min(MAX_IMAGES, int(found[0] if found else 0)))

    def judged(self, workspace: Workspace, *, rooftop_id: int | None = None) -> Iterator[v.Judged]:
        now = timezone.now()
        for listing in v.listings(workspace, in_feed(now), rooftop_id=rooftop_id, now=now):
            row = meta_row(listing)
            reasons = meta_problems(row, listing.vehicle["advertised_price"])
            yield v.Judged(listing, row, tuple(reasons))

    def rows(self, workspace: Workspace) -> Iterator[dict[str, Any]]:
        for judged in self.judged(workspace):
            if not judged.reasons:
                yield judged.row

    def xml_chunks(self, workspace: Workspace, link: str) -> Iterator[str]:
        yield '<?xml version="1.0" encoding="UTF-8"?>\n<listings>\n'
        yield f"<title>{_text(f'{workspace.name}: {self.title}')}</title>\n"
        yield f'<link rel="self" href={quoteattr(link)}/>\n'
        for row in self.rows(workspace):
            yield listing_xml(row)
        yield "</listings>\n"


source = MetaVehicleFeed()

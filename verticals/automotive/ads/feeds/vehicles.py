"""What both vehicle feeds share: the streamed query (``values()`` rows, a chunk at a time,
never ``cost``), the vehicle and rooftop as plain data, the money and mileage texts, the
vehicle's page, and the judged row every feed is built from."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import quote

from django.db.models import Q
from django.utils import timezone

from como.workspaces.models import Workspace

from ...inventory.models import Vehicle
from ..creative.context import ROOFTOP_FIELDS, VEHICLE_FIELDS, rooftop_data, vehicle_data

#: Rows fetched per round trip while streaming: a 50,000-vehicle feed is 25 of them.
CHUNK = 2_000
#: The vehicle's columns read (``creative.context``'s list, which leaves ``cost`` out on
#: purpose) and its rooftop's, joined in the same query.
VEHICLE_VALUES = (*VEHICLE_FIELDS, "removed_at")
ROOFTOP_VALUES = tuple(f"rooftop__{name}" for name in ROOFTOP_FIELDS if name != "id")
ROOFTOP_EXTRA = ("rooftop__vdp_url_template",)
#: Currency and odometer unit by the rooftop's country (a Canadian odometer reads km).
LOCALE = {"US": ("USD", "MI"), "CA": ("CAD", "KM"), "MX": ("MXN", "KM")}


@dataclass(frozen=True)
class Listing:
    """One vehicle as the feeds see it: ``vehicle_data`` and ``rooftop_data`` (plain dicts)."""

    vehicle: dict[str, Any]
    rooftop: dict[str, Any]
    vdp_template: str

    @property
    def currency(self) -> str:
        return LOCALE.get(str(self.rooftop["country"] or "US"), LOCALE["US"])[0]

    @property
    def mileage_unit(self) -> str:
        return LOCALE.get(str(self.rooftop["country"] or "US"), LOCALE["US"])[1]


@dataclass(frozen=True)
class Judged:
    """A listing, the feed row made of it, and why it may not be sent (empty: it may)."""

    listing: Listing
    row: dict[str, Any]
    reasons: tuple[str, ...]


class VehicleFeed(Protocol):
    title: str

    def columns(self, workspace: Workspace) -> Sequence[str]: ...

    def rows(self, workspace: Workspace) -> Iterator[dict[str, Any]]: ...

    def judged(
        self, workspace: Workspace, *, rooftop_id: int | None = None
    ) -> Iterator[Judged]: ...


def listings(
    workspace: Workspace, where: Q, *, rooftop_id: int | None = None, now: datetime | None = None
) -> Iterator[Listing]:
    """The workspace's vehicles matching ``where``, streamed in a stable order."""
    now = now or timezone.now()
    vehicles = Vehicle.objects.filter(where, workspace=workspace)
    if rooftop_id is not None:
        vehicles = vehicles.filter(rooftop_id=rooftop_id)
    values = vehicles.order_by("rooftop_id", "id").values(
        *VEHICLE_VALUES, *ROOFTOP_VALUES, *ROOFTOP_EXTRA
    )
    for row in values.iterator(chunk_size=CHUNK):
        rooftop = {name: row[f"rooftop__{name}"] for name in ROOFTOP_FIELDS if name != "id"}
        rooftop["id"] = row["rooftop_id"]
        yield Listing(
            vehicle=vehicle_data(row, now=now),
            rooftop=rooftop_data(rooftop),
            vdp_template=row["rooftop__vdp_url_template"] or "",
        )


def amount(value: Decimal | None, currency: str) -> str:
    """``18000 USD`` (cents only when there are any), the form both platforms read."""
    if value is None:
        return ""
    return f"{value:.2f} {currency}" if value % 1 else f"{value:.0f} {currency}"


def photos(vehicle: Mapping[str, Any]) -> list[str]:
    """The vehicle's photo URLs, in order: only http(s) ones (a platform fetches them)."""
    found = vehicle.get("photos")
    return [
        p.strip()
        for p in (found if isinstance(found, list) else ())
        if isinstance(p, str) and p.strip().lower().startswith(("https://", "http://"))
    ]


def mileage(vehicle: Mapping[str, Any]) -> int | None:
    # A new vehicle's odometer is delivery miles, which feeds often leave blank; both
    # platforms require a number, and 0 is what a blank means for a new unit. A used one
    # without its mileage is not guessed at: it is left out.
    if vehicle.get("mileage") is not None:
        return int(vehicle["mileage"])
    return 0 if vehicle.get("condition") == "new" else None


def vdp_link(listing: Listing) -> str:
    """The vehicle's page: the feed's own link, else the rooftop's template filled in."""
    vehicle = listing.vehicle
    url = str(vehicle.get("vdp_url") or "").strip()
    if url:
        return url if url.lower().startswith(("https://", "http://")) else ""
    if not listing.vdp_template:
        return ""
    # The template names only these (validators.VDP_PLACEHOLDERS); each value is a path or
    # query part, so quoted: a model of "CR-V Hybrid" may not break the URL.
    fields = {
        name: quote(str(vehicle.get(name) or ""), safe="")
        for name in ("vin", "stock_number", "year", "make", "model", "trim")
    }
    fields["store_code"] = quote(str(listing.rooftop.get("store_code") or ""), safe="")
    fields["dealer_id"] = quote(str(listing.rooftop.get("dealer_id") or ""), safe="")
    try:
        return listing.vdp_template.format_map(fields)
    except (KeyError, ValueError, IndexError):
        return ""


def title(vehicle: Mapping[str, Any]) -> str:
    parts = (vehicle.get("year"), vehicle.get("make"), vehicle.get("model"), vehicle.get("trim"))
    return " ".join(str(p) for p in parts if p)


def description(listing: Listing, miles: int | None, unit: str) -> str:
    """A plain, factual description (Meta asks for no promotional text and no links)."""
    vehicle = listing.vehicle
    label = vehicle.get("condition_label") or ""
    sentences = [" ".join(p for p in (label, title(vehicle)) if p)]
    details = [
        str(vehicle.get(name) or "")
        for name in ("exterior_color", "body_style", "transmission", "drivetrain", "fuel_type")
    ]
    if any(details):
        sentences.append(", ".join(d for d in details if d))
    if miles is not None:
        sentences.append(f"{miles:,} {'miles' if unit == 'MI' else 'km'}")
    sentences.append(f"Stock {vehicle.get('stock_number')} at {listing.rooftop['name']}")
    return ". ".join(s for s in sentences if s) + "."


def iso_date(instant: str | None) -> str:
    return instant[:10] if instant else ""

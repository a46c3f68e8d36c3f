"""One feed row's raw text → a typed, validated :class:`VehicleData`, or the row's errors."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal

from .formats.base import FeedRow, RowError


@dataclass(frozen=True, slots=True)
class VehicleData:
    """Exactly the Vehicle columns an import writes, validated; no model instance."""

    row: int
    vin: str
    stock_number: str
    year: int | None
    make: str
    model: str
    trim: str
    body_style: str
    condition: str  # new | used | cpo
    certified: bool
    mileage: int | None
    exterior_color: str
    interior_color: str
    transmission: str
    drivetrain: str
    fuel_type: str
    msrp: Decimal | None
    price: Decimal | None
    internet_price: Decimal | None
    cost: Decimal | None
    dealer_charges: tuple[tuple[str, Decimal], ...]
    status: str  # available | pending | sold
    received_at: datetime | None
    photos: tuple[str, ...]
    vdp_url: str


def validate_rows(
    rows: Iterable[FeedRow | RowError], *, time_zone: tzinfo | None = None
) -> tuple[list[VehicleData], list[RowError]]:
    """The good rows as VehicleData and every problem as a RowError (file-level errors pass
    through). A date without a zone is read in ``time_zone`` (UTC when None)."""
    raise NotImplementedError

"""What the import tests share: valid VINs made to order, vehicles as validated rows, imports."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from verticals.automotive.inventory.importing import pipeline
from verticals.automotive.inventory.models import InventoryImport, Rooftop
from verticals.automotive.inventory.rows import VehicleData
from verticals.automotive.inventory.vin import check_digit


def vin(serial: int, wmi: str = "1HG") -> str:
    """A North American VIN (a 2003 Honda) with a correct check digit."""
    body = f"{wmi}CM82603A{serial:06d}"
    return body[:8] + check_digit(body) + body[9:]


def vehicle(row: int, serial: int, **fields: Any) -> VehicleData:
    base = VehicleData(
        row=row,
        vin=vin(serial),
        stock_number=f"S{serial}",
        year=2003,
        make="Honda",
        model="Accord",
        trim="EX",
        body_style="Sedan",
        condition="used",
        certified=False,
        mileage=50_000,
        exterior_color="Blue",
        interior_color="Gray",
        transmission="Automatic",
        drivetrain="FWD",
        fuel_type="Gasoline",
        msrp=None,
        price=Decimal("20000.00"),
        internet_price=None,
        cost=Decimal("15000.00"),
        dealer_charges=(("Doc fee", Decimal("199.00")),),
        status="available",
        received_at=None,
        photos=(f"https://img.example/{serial}/1.jpg",),
        vdp_url="",
    )
    return replace(base, **fields)


def import_rows(rooftop: Rooftop, vehicles: list[VehicleData], *, full: bool = False) -> Any:
    """Import already validated rows (the diff and apply phases, without a file)."""
    record = InventoryImport.objects.create(
        workspace_id=rooftop.workspace_id, rooftop=rooftop, full=full, format_key="test"
    )
    pipeline.apply_parsed(record, pipeline.Parsed(vehicles=list(vehicles)), {})
    return record

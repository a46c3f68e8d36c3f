"""Rooftops and vehicles for the inventory tests (and for whoever builds on them)."""

from __future__ import annotations

from typing import Any

from como.workspaces.models import Workspace
from verticals.automotive.inventory.models import Rooftop, Vehicle

#: Valid North American VINs (check digit included), for tests that need real ones.
VINS = ("1HGCM82633A004352", "1M8GDM9AXKP042788", "5YJSA1E26HF000337", "2T1BURHE0JC034461")


def rooftop_make(workspace: Workspace, **fields: Any) -> Rooftop:
    values: dict[str, Any] = {
        "name": "Lakeside Honda",
        "store_code": "LKH",
        "dealer_id": "D-100",
        "time_zone": "America/Chicago",
        "brands": ["Honda"],
        "vdp_url_template": "https://lakeside.example/inventory/{vin}",
    }
    return Rooftop.objects.create(workspace=workspace, **(values | fields))


def vehicle_make(rooftop: Rooftop, **fields: Any) -> Vehicle:
    values: dict[str, Any] = {
        "vin": VINS[0],
        "stock_number": "A100",
        "year": 2003,
        "make": "Honda",
        "model": "Accord",
        "condition": "used",
        "price": "8999.00",
    }
    return Vehicle.objects.create(
        workspace_id=rooftop.workspace_id, rooftop=rooftop, **(values | fields)
    )

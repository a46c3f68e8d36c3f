"""What the dealer programs' sources share: the workspace's local day, an owned vehicle and a
rooftop as the plain data a message template sees (never a model, never ``cost``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from como.workspaces.models import Workspace

from ..ads.creative.context import ROOFTOP_FIELDS, rooftop_data
from ..inventory.models import Rooftop


def local_today(workspace: Workspace, now: datetime) -> date:
    return now.astimezone(ZoneInfo(workspace.time_zone or "UTC")).date()


def vehicle_name(year: Any, make: Any, model: Any) -> str:
    return " ".join(str(part) for part in (year, make, model) if part)


def owned_vehicle(row: Mapping[str, Any]) -> dict[str, Any]:
    """An ownership's vehicle for a template: ``{{ vehicle.name }}`` is "2021 Toyota RAV4"."""
    return {
        "vin": row["vin"],
        "vin_last8": str(row["vin"])[-8:],
        "year": row["year"],
        "make": row["make"],
        "model": row["model"],
        "name": vehicle_name(row["year"], row["make"], row["model"]),
    }


def rooftops(workspace_id: int, ids: Iterable[int | None]) -> dict[int, dict[str, Any]]:
    """Rooftops by id as :func:`rooftop_data` (one query)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = Rooftop.objects.filter(workspace_id=workspace_id, pk__in=wanted).values(
        *ROOFTOP_FIELDS, "vdp_url_template"
    )
    return {row["id"]: rooftop_data(row) for row in rows}


def money_text(value: Any) -> str:
    """``$5,598.80`` (whole dollars without cents)."""
    return f"${value:,.2f}" if value % 1 else f"${value:,.0f}"


def rooftop_or_blank(stores: Mapping[int, dict[str, Any]], rooftop_id: Any) -> dict[str, Any]:
    """The rooftop's data, or every field blank (a template may read ``rooftop.name`` of an
    owner whose rooftop is unknown: the sandbox refuses a missing key)."""
    found = stores.get(rooftop_id) if isinstance(rooftop_id, int) else None
    return found or rooftop_data({})

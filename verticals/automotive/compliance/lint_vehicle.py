"""The lint API's ``vehicle_id``: an inventory vehicle of the workspace as the checks read it.

Registered as the automotive vertical's source in :mod:`como.compliance.vehicles`. The vehicle is
the creative templates' plain data (``vehicle_data``: a fixed field list, never ``cost``), with
the inventory's ``dealer_charges`` as the lint's ``dealer_fees`` list, each mandatory (a feed's
charges are what every buyer pays)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from como.workspaces.models import Workspace

from ..ads.creative.context import VEHICLE_FIELDS, vehicle_data
from ..inventory.models import Vehicle


def lint_vehicle(workspace: Workspace, vehicle_id: int) -> dict[str, Any] | None:
    """The workspace's vehicle ``vehicle_id``, or None (another workspace's included)."""
    row = (
        Vehicle.objects.filter(workspace_id=workspace.pk, pk=vehicle_id)
        .values(*VEHICLE_FIELDS)
        .first()
    )
    if row is None:
        return None
    data = vehicle_data(row, now=timezone.now())
    charges = data.pop("dealer_charges", None)
    data["dealer_fees"] = [
        {"name": str(charge.get("name") or ""), "amount": charge.get("amount"), "mandatory": True}
        for charge in (charges if isinstance(charges, list) else ())
        if isinstance(charge, dict)
    ]
    return data

"""Where the lint API finds a vehicle given by id: one lookup per vertical.

``POST /api/v1/compliance/check`` accepts ``vehicle_id``, an inventory vehicle of the caller's
workspace. como never imports a vertical, so the lookup is registered here by the vertical that
owns an inventory, keyed by its slug, from its ``AppConfig.ready()``: a function
``(workspace, vehicle_id) -> plain dict | None`` returning the vehicle as the vertical's checks
read it (``Draft.vehicle``), or None when the workspace has no such vehicle. It must look in
that workspace only: another workspace's id answers None, exactly like a missing one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from como.registry import Registry
from como.workspaces.models import Workspace

VehicleSource = Callable[[Workspace, int], dict[str, Any] | None]

#: By vertical slug (``Workspace.vertical``).
VEHICLE_SOURCES: Registry[VehicleSource] = Registry("vehicle source")


def register_vehicle_source(vertical: str, source: VehicleSource) -> VehicleSource:
    return VEHICLE_SOURCES.register(vertical, source)


def vehicle_of(workspace: Workspace, vehicle_id: int) -> dict[str, Any] | None:
    """The workspace's vehicle ``vehicle_id`` as plain data; None when its vertical has no
    inventory or the workspace no such vehicle."""
    source = VEHICLE_SOURCES.find(workspace.vertical)
    return source(workspace, vehicle_id) if source is not None else None

"""The vertical's models, for Django: they live in the package of the part that owns them."""

from .inventory.models import (
    Condition,
    ImportStatus,
    InventoryImport,
    InventorySource,
    Rooftop,
    SourceKind,
    Vehicle,
    VehicleChange,
    VehicleChangeKind,
    VehicleStatus,
)

__all__ = [
    "Condition",
    "ImportStatus",
    "InventoryImport",
    "InventorySource",
    "Rooftop",
    "SourceKind",
    "Vehicle",
    "VehicleChange",
    "VehicleChangeKind",
    "VehicleStatus",
]

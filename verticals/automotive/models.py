"""The vertical's models, for Django: they live in the package of the part that owns them."""

from .ads.models import AdBreach, AdState, CreativeTemplate, StepStatus, VehicleAd, VehicleAdStep
from .coop.models import AccrualBasis, ClaimStatus, CoopCampaign, CoopClaim, CoopProgram
from .dms.models import DmsImport, VehicleOwnership
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
from .parts.models import PartsItem

__all__ = [
    "AccrualBasis",
    "AdBreach",
    "AdState",
    "ClaimStatus",
    "Condition",
    "CoopCampaign",
    "CoopClaim",
    "CoopProgram",
    "CreativeTemplate",
    "DmsImport",
    "ImportStatus",
    "InventoryImport",
    "InventorySource",
    "PartsItem",
    "Rooftop",
    "SourceKind",
    "StepStatus",
    "Vehicle",
    "VehicleAd",
    "VehicleAdStep",
    "VehicleChange",
    "VehicleChangeKind",
    "VehicleOwnership",
    "VehicleStatus",
]

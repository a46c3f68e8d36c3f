"""The automotive vertical's compliance checks: one module per family of rules, each finding
citing its source. ``AutomotiveConfig.ready()`` registers :data:`CHECKS` with the engine
(``como.compliance.registry.register_check``), scoped to the vertical's workspaces.

The checks are pure: they read the draft's rendered text (:mod:`.reading`), ``draft.vehicle``
(the plain data of ``ads.creative.context.vehicle_data``, or the lint API's inline vehicle) and
the draft's jurisdictions; they never touch the database."""

from __future__ import annotations

from como.compliance.registry import Check

from .conditional import ConditionalPriceCheck
from .identification import SpecificVehicleCheck
from .labels import VehicleLabelCheck
from .leasing import ConsumerLeasingCheck
from .lending import TruthInLendingCheck
from .pricing import AdvertisedPriceCheck
from .sale import SaleClaimCheck
from .sold import SoldVehicleCheck

CHECKS: tuple[Check, ...] = (
    SoldVehicleCheck(),
    AdvertisedPriceCheck(),
    ConditionalPriceCheck(),
    SpecificVehicleCheck(),
    VehicleLabelCheck(),
    SaleClaimCheck(),
    TruthInLendingCheck(),
    ConsumerLeasingCheck(),
)

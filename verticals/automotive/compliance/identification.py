"""An ad for a specific vehicle identifies it (Cal. Veh. Code 11713.1(a)): its model, its model
year (not required for a current-model-year vehicle) and either its licence number or the part
of the VIN that tells it apart from every other vehicle of the same make, model and year — the
serial number, the VIN's last six characters. A stock number alone does not do.

An ad is for a specific vehicle when it prints a price for it or names it by VIN or stock
number; an ad for a model line ("RAV4s in stock") is not."""

from __future__ import annotations

import re
from collections.abc import Sequence

from como.compliance.drafts import Draft
from como.compliance.findings import Finding, Severity

from .reading import condition, creative

CITATION = "Cal. Veh. Code 11713.1(a)"
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_CALIFORNIA = frozenset({"US-CA"})


class SpecificVehicleCheck:
    key = "auto.identification"
    channels = None
    jurisdictions = _CALIFORNIA
    verticals = frozenset({"automotive"})

    def __call__(self, draft: Draft) -> Sequence[Finding]:
        vehicle = draft.vehicle
        if not vehicle:
            return ()
        read = creative(draft)
        lower = read.lower
        vin = str(vehicle.get("vin") or "").strip().lower()
        stock = str(vehicle.get("stock_number") or "").strip().lower()
        plate = str(vehicle.get("licence_plate") or vehicle.get("license_plate") or "")
        plate = _NOT_ALNUM.sub("", plate.lower())
        serial = vin[-6:] if len(vin) >= 6 else ""
        names_vin = bool(serial) and serial in lower
        names_stock = bool(stock) and stock in lower
        if not (names_vin or names_stock or read.prices()):
            return ()
        squeezed = _NOT_ALNUM.sub("", lower)
        names_plate = bool(plate) and plate in squeezed
        model = _NOT_ALNUM.sub("", str(vehicle.get("model") or "").lower())
        year = str(vehicle.get("year") or "")
        current = condition(vehicle) == "new" and year.isdigit() and int(year) >= draft.at.year
        missing = []
        if model and model not in squeezed:
            missing.append("the model")
        if year and not current and year not in lower:
            missing.append("the model year")
        if not (names_vin or names_plate):
            missing.append("the licence number or the VIN's distinguishing part (its last 6)")
        if not missing:
            return ()
        stock_only = names_stock and not (names_vin or names_plate)
        return (
            Finding(
                rule="auto.identification.specific_vehicle",
                severity=Severity.BLOCK,
                message="An ad for a specific vehicle must identify it; missing: "
                f"{', '.join(missing)}."
                + (
                    " A stock number alone does not identify it in California."
                    if stock_only
                    else ""
                ),
                citation=CITATION,
                fix="Print the model year, the model and the VIN (or at least its last six "
                "characters) or the licence plate, e.g. '2022 Toyota RAV4, VIN …A004352'.",
                evidence={
                    "missing": missing,
                    "vin": vin.upper(),
                    "stock_number_only": stock_only,
                },
            ),
        )

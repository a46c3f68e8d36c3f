"""A sold or removed vehicle is never advertised: an ad for a vehicle the dealer cannot sell is
bait (16 CFR Part 238; California: Cal. Veh. Code 11713(b), and ads withdrawn within 48 hours
of the sale)."""

from __future__ import annotations

from collections.abc import Sequence

from como.compliance.drafts import Draft
from como.compliance.findings import Finding, Severity

CITATION = (
    "FTC Act §5 (15 U.S.C. 45); 16 CFR Part 238 (Guides Against Bait Advertising); "
    "Cal. Veh. Code 11713(b)"
)
GONE = frozenset({"sold", "removed", "delivered", "wholesaled"})


class SoldVehicleCheck:
    key = "auto.sold"
    channels = None
    jurisdictions = None
    verticals = frozenset({"automotive"})

    def __call__(self, draft: Draft) -> Sequence[Finding]:
        vehicle = draft.vehicle
        if not vehicle:
            return ()
        status = str(vehicle.get("status") or "").lower()
        sold_at = vehicle.get("sold_at")
        removed_at = vehicle.get("removed_at")
        # A status wins over a date: a vehicle whose deal unwound is available again with its
        # old sold_at still set.
        if status not in GONE and (status or not (sold_at or removed_at)):
            return ()
        state = status if status in GONE else ("sold" if sold_at else "removed")
        when = sold_at or removed_at
        return (
            Finding(
                rule="auto.sold.advertised",
                severity=Severity.BLOCK,
                message=f"The vehicle is {state}"
                + (f" (since {str(when)[:10]})" if when else "")
                + "; a vehicle the dealer cannot sell may not be advertised.",
                citation=CITATION,
                fix="Pause or remove the vehicle's ads; advertise vehicles in stock.",
                evidence={"status": status, "sold_at": str(sold_at) if sold_at else None},
            ),
        )

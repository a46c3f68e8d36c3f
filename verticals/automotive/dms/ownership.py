"""Vehicle ownership from validated deals and repair orders, and miles per day.

Miles per day is the slope between the first and the latest odometer reading (the deal's
odometer, 0 for a new vehicle without one, then each repair order's mileage), whole days
apart: ``(last_miles - first_miles) / days``, rounded half-up to cents. Readings between the
two do not change it, so the estimate is the same whatever order the files arrive in. A
reading lower than the first (a typo, a replaced cluster) leaves it blank rather than negative.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from como.workspaces.models import Workspace

from ..inventory.models import Rooftop
from .models import VehicleOwnership
from .rows import DealData, Record, RepairOrderData

_CENT = Decimal("0.01")


def miles_per_day(first: tuple[date, int] | None, last: tuple[date, int] | None) -> Decimal | None:
    if first is None or last is None:
        return None
    days = (last[0] - first[0]).days
    miles = last[1] - first[1]
    if days < 1 or miles < 0:
        return None
    return (Decimal(miles) / Decimal(days)).quantize(_CENT, rounding=ROUND_HALF_UP)


def ownerships_apply(
    *,
    workspace: Workspace,
    rooftop: Rooftop,
    records: Sequence[tuple[int, Record]],
) -> int:
    """Create or update the ownership of each ``(contact id, record)``; the number touched.

    The caller holds the import lock and only passes records whose events were just created,
    so a re-import changes nothing here."""
    if not records:
        return 0
    keys = {(contact_id, record.vehicle.vin) for contact_id, record in records}
    existing = {
        (o.contact_id, o.vin): o
        for o in VehicleOwnership.objects.filter(
            workspace=workspace,
            contact_id__in={c for c, _ in keys},
            vin__in={v for _, v in keys},
        ).select_for_update()
    }
    fresh: dict[tuple[int, str], VehicleOwnership] = {}
    for contact_id, record in sorted(records, key=lambda item: item[1].on):
        key = (contact_id, record.vehicle.vin)
        ownership = existing.get(key) or fresh.get(key)
        if ownership is None:
            ownership = VehicleOwnership(workspace=workspace, contact_id=contact_id, vin=key[1])
            fresh[key] = ownership
        _apply(ownership, record, rooftop)
    VehicleOwnership.objects.bulk_create(fresh.values())
    changed = [o for key, o in existing.items() if key in keys]
    VehicleOwnership.objects.bulk_update(changed, _UPDATED)
    return len(fresh) + len(changed)


_UPDATED = [
    f.name
    for f in VehicleOwnership._meta.concrete_fields
    if f.name not in ("id", "workspace", "contact", "vin", "created_at")
]


def _apply(ownership: VehicleOwnership, record: Record, rooftop: Rooftop) -> None:
    vehicle = record.vehicle
    ownership.year = ownership.year or vehicle.year
    ownership.make = ownership.make or vehicle.make
    ownership.model = ownership.model or vehicle.model
    ownership.rooftop = ownership.rooftop or rooftop
    if isinstance(record, DealData):
        if ownership.purchased_on is None or record.on >= ownership.purchased_on:
            ownership.rooftop = rooftop
            ownership.purchased_on = record.on
            ownership.deal_number = record.number
            ownership.condition = record.condition
            ownership.price = record.price
            ownership.amount_financed = record.amount_financed
            ownership.apr = record.apr
            ownership.term_months = record.term_months
        miles = (
            record.odometer
            if record.odometer is not None
            else (0 if record.condition == "new" else None)
        )
        if miles is not None:
            _reading(ownership, record.on, miles)
    else:
        _service(ownership, record)


def _service(ownership: VehicleOwnership, record: RepairOrderData) -> None:
    ownership.service_visits += 1
    latest = ownership.last_service_on
    if (
        latest is None
        or record.on > latest
        or (record.on == latest and (record.mileage or 0) > (ownership.last_service_miles or 0))
    ):
        ownership.last_service_on = record.on
        ownership.last_service_miles = record.mileage
    if record.mileage is not None:
        _reading(ownership, record.on, record.mileage)


def _reading(ownership: VehicleOwnership, on: date, miles: int) -> None:
    first = ownership.first_reading_on
    if (
        first is None
        or on < first
        or (on == first and miles < (ownership.first_reading_miles or 0))
    ):
        ownership.first_reading_on, ownership.first_reading_miles = on, miles
    last = ownership.last_reading_on
    if last is None or on > last or (on == last and miles > (ownership.last_reading_miles or 0)):
        ownership.last_reading_on, ownership.last_reading_miles = on, miles
    ownership.miles_per_day = miles_per_day(
        _pair(ownership.first_reading_on, ownership.first_reading_miles),
        _pair(ownership.last_reading_on, ownership.last_reading_miles),
    )


def _pair(on: date | None, miles: int | None) -> tuple[date, int] | None:
    return (on, miles) if on is not None and miles is not None else None

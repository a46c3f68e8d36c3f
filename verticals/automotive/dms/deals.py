"""Every DMS deal is a won opportunity on its buyer, with the VIN sold: written through
como's deals service, so the buyer moves to the customer stage as any won deal moves its
contact, and attribution finds the sale by VIN.

The opportunity's external id is the deal's event id (``dms:deal:<rooftop id>:<number>``),
so a re-import finds the same opportunity (``unchanged``), and a corrected price or VIN
updates it. The deal opens and closes at its purchase instant: a DMS knows the delivery,
not how long the sale took.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from como.deals.services import opportunities_save

from ..inventory.formats.base import RowError
from ..inventory.models import Rooftop
from .rows import DealData

VIA = "dms"
STAGE = "Delivered"
#: The rooftop's country → the currency its deals are in (a DMS export names none).
_CURRENCY = {"CA": "CAD", "MX": "MXN", "GB": "GBP", "AU": "AUD"}


def deals_to_opportunities(
    *,
    rooftop: Rooftop,
    deals: Sequence[tuple[dict[str, str], DealData, str, datetime]],
) -> tuple[int, list[RowError]]:
    """(person ref, deal, event id, purchase instant) → won opportunities; how many were
    created or updated, and the rows the deals service refused."""
    items = [
        {
            "external_id": event_id,
            "name": " ".join(
                str(part)
                for part in (record.vehicle.year, record.vehicle.make, record.vehicle.model)
                if part
            )
            or f"Deal {record.number}",
            "contact": ref,
            "amount": None if record.price is None else str(record.price),
            "currency": _CURRENCY.get(rooftop.country, "USD"),
            "status": "won",
            "stage": STAGE,
            "opened_at": at.isoformat(),
            "closed_at": at.isoformat(),
            "source": VIA,
            "vin": record.vehicle.vin,
            "attributes": {
                "deal_number": record.number,
                "rooftop_id": rooftop.pk,
                "condition": record.condition,
            },
        }
        for ref, record, event_id, at in deals
    ]
    if not items:
        return 0, []
    outcomes = opportunities_save(workspace=rooftop.workspace, items=items, via=VIA)
    errors = [
        RowError(deals[outcome.index][1].row, f"opportunity.{field}", str(message))
        for outcome in outcomes
        for field, messages in (outcome.errors or {}).items()
        for message in (messages if isinstance(messages, list) else [messages])
    ]
    changed = sum(1 for outcome in outcomes if outcome.status in {"created", "updated"})
    return changed, errors

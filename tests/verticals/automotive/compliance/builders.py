"""Vehicles and vehicle drafts as plain data, for the automotive checks' pure tests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from como.compliance.drafts import Draft, Recipient
from como.compliance.engine import run_checks
from como.compliance.findings import Report
from tests.como.compliance.builders import NOON, SENDER

#: Mid-afternoon in the continental US: no quiet hours in the way.
AT = NOON
VIN = "2T3P1RFV8MC123456"


def vehicle(**changes: Any) -> dict[str, Any]:
    """A used 2021 Toyota RAV4 XLE: $24,995 plus a $199 doc fee, so $25,194 advertised."""
    data: dict[str, Any] = {
        "id": 1,
        "vin": VIN,
        "stock_number": "T1234",
        "year": 2021,
        "make": "Toyota",
        "model": "RAV4",
        "trim": "XLE",
        "condition": "used",
        "certified": False,
        "mileage": 32000,
        "msrp": None,
        "price": "24995.00",
        "internet_price": None,
        "dealer_charges": [{"name": "Doc fee", "amount": "199.00"}],
        "status": "available",
        "sold_at": None,
    }
    data.update(changes)
    return data


def new_vehicle(**changes: Any) -> dict[str, Any]:
    """A new 2026 Toyota Camry SE: MSRP $31,000, sold for $29,500 plus $599 in dealer charges."""
    base = {
        "vin": "4T1G11AK5TU765432",
        "stock_number": "N5678",
        "year": 2026,
        "model": "Camry",
        "trim": "SE",
        "condition": "new",
        "mileage": 12,
        "msrp": "31000.00",
        "price": "29500.00",
        "dealer_charges": [
            {"name": "Doc fee", "amount": "199.00"},
            {"name": "Appearance package", "amount": "400.00"},
        ],
    }
    base.update(changes)
    return vehicle(**base)


def draft(
    fields: str | Mapping[str, str],
    *,
    vehicle: Mapping[str, Any] | None = None,
    jurisdictions: Iterable[str] = ("US",),
    channel: str = "paid_social",
    vertical: str = "automotive",
    recipient: Recipient | None = None,
) -> Draft:
    return Draft(
        channel=channel,
        sender=SENDER,
        at=AT,
        kind="social_ad_create",
        fields={"primary_text": fields} if isinstance(fields, str) else dict(fields),
        jurisdictions=frozenset(jurisdictions),
        vertical=vertical,
        vehicle=vehicle,
        recipient=recipient,
    )


def report(fields: str | Mapping[str, str], **options: Any) -> Report:
    return run_checks(draft(fields, **options))


def rules(fields: str | Mapping[str, str], **options: Any) -> list[str]:
    return sorted(f.rule for f in report(fields, **options).findings)

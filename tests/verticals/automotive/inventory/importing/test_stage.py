"""The stage's COPY text (built a column at a time) stores every value as written."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from verticals.automotive.inventory.models import Rooftop, Vehicle

from .support import import_rows, vehicle

pytestmark = pytest.mark.django_db

ODD_TEXTS = ["tab\there", "line\nbreak", "carriage\rreturn", "back\\slash", "\\N", "Café ™ 😀", ""]


def test_every_value_is_stored_as_written(rooftop: Rooftop) -> None:
    cars = [
        vehicle(
            2 + n,
            n + 1,
            trim=text,
            model=text or "Accord",
            vdp_url=f"https://d.example/{n}?q=\\\t" if n % 2 else "",
            msrp=None if n % 2 else Decimal("25999.50"),
            mileage=None if n == 3 else n * 1000,
            certified=bool(n % 2),
            received_at=datetime(2026, 11, 1 + n, 8, 30, tzinfo=UTC) if n % 3 else None,
            dealer_charges=((f'Doc "fee" {text}', Decimal("199.00")),) if n % 2 else (),
            photos=(f"https://img.example/{n}/1.jpg", "https://img.example/é\\.jpg"),
        )
        for n, text in enumerate(ODD_TEXTS)
    ]
    record = import_rows(rooftop, cars)
    assert record.counts["created"] == len(cars)
    stored = {v.vin: v for v in Vehicle.objects.filter(rooftop=rooftop)}
    for car in cars:
        row = stored[car.vin]
        assert (row.trim, row.model, row.vdp_url) == (car.trim, car.model, car.vdp_url)
        assert (row.msrp, row.mileage, row.certified) == (car.msrp, car.mileage, car.certified)
        assert row.received_at == car.received_at
        assert row.dealer_charges == [
            {"name": name, "amount": str(amount)} for name, amount in car.dealer_charges
        ]
        assert row.photos == list(car.photos)

"""Conquest: shoppers of makes the dealer does not sell new (a VDP view, an appraisal) get the
rooftop's comparable inventory: available, its own makes, same body style or price band, and
never the vehicle's cost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core import mail

from como.agents.execution import action_execute
from como.agents.models import AgentAction
from como.sequences.advance import sequences_advance
from como.workspaces.models import Workspace
from tests.verticals.automotive.inventory.factories import rooftop_make, vehicle_make
from verticals.automotive.inventory.models import Rooftop
from verticals.automotive.programs.conquest import SOURCE_OBJECT, comparable
from verticals.automotive.programs.playbook import ConquestKnobs

from .support import enrol, event, owner, rendered, switch_on

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]
NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
# Valid VINs are not needed by the source; the model's check constraint wants the alphabet.
VIN = "JTMW1RFV{}KD000001"


@pytest.fixture
def toyota(dealer: Workspace) -> Rooftop:
    rooftop = rooftop_make(dealer, name="Lakeside Toyota", store_code="LTN", brands=["Toyota"])
    stock = [
        # vin tail, make, model, body, price, status
        ("0", "Toyota", "RAV4", "SUV", "31000.00", "available"),
        ("1", "Toyota", "Highlander", "SUV", "42000.00", "available"),
        ("2", "Toyota", "Camry", "Sedan", "29500.00", "available"),
        ("3", "Toyota", "Corolla", "Sedan", "22000.00", "available"),
        ("4", "Toyota", "RAV4", "SUV", "30000.00", "sold"),
        ("5", "Chevrolet", "Equinox", "SUV", "24995.00", "available"),  # not a make it sells
    ]
    for n, (tail, make, model, body, price, status) in enumerate(stock):
        vehicle_make(
            rooftop,
            vin=VIN.format(tail),
            stock_number=f"S{n}",
            make=make,
            model=model,
            body_style=body,
            price=price,
            status=status,
            year=2026,
            condition="new",
            cost="1.00",
        )
    return rooftop


def test_due_shoppers_of_other_makes(dealer: Workspace, toyota: Rooftop) -> None:
    browsed, appraised, loyal, anonymous_old = (owner(dealer, n) for n in range(1, 5))
    event(
        browsed,
        "vdp_view",
        NOW - timedelta(days=3),
        make="Chevrolet",
        model="Equinox",
        body_style="suv",
        price=24995,
        store="LTN",
        year=2023,
    )
    event(
        appraised,
        "trade_in_appraisal",
        NOW - timedelta(days=1),
        make="Kia",
        model="Telluride",
        year=2020,
        mileage=60000,
    )
    event(loyal, "vdp_view", NOW - timedelta(days=1), make="Toyota", model="RAV4")
    event(anonymous_old, "vdp_view", NOW - timedelta(days=40), make="Nissan", model="Rogue")
    entries = {e.contact_id: e.subject for e in SOURCE_OBJECT.due(dealer, NOW)}
    assert entries == {
        browsed.pk: {
            "make": "Chevrolet",
            "model": "Equinox",
            "year": 2023,
            "body_style": "suv",
            "price": "24995",
            "rooftop_id": toyota.pk,
            "via": "vdp_view",
        },
        appraised.pk: {
            "make": "Kia",
            "model": "Telluride",
            "year": 2020,
            "body_style": "",
            "price": "",
            "rooftop_id": None,
            "via": "trade_in_appraisal",
        },
    }


def test_comparable_is_same_body_first_then_price_band() -> None:
    def car(vin: str, body: str, price: str) -> dict[str, object]:
        return {"vin": vin, "body_style": body, "price": Decimal(price), "internet_price": None}

    rows = [
        car("A", "SUV", "42000"),  # same body, far in price
        car("B", "Sedan", "27000"),  # in the band (±20 % of 25,000 = 20,000 to 30,000)
        car("C", "SUV", "26000"),  # same body and in the band: first
        car("D", "Pickup", "45000"),  # neither
    ]
    picked = comparable(rows, body_style="suv", price=Decimal("25000"), knobs=ConquestKnobs())
    assert [r["vin"] for r in picked] == ["C", "A", "B"]


def test_the_email_shows_comparable_inventory_without_cost(
    dealer: Workspace, toyota: Rooftop
) -> None:
    person = owner(dealer, 1)
    event(
        person,
        "vdp_view",
        NOW - timedelta(hours=5),
        make="Chevrolet",
        model="Equinox",
        body_style="suv",
        price=30000,
        store="LTN",
        year=2023,
    )
    sequence = switch_on(dealer, "conquest")
    assert enrol(sequence, NOW) == 1
    assert sequences_advance(now=NOW).sends == 1
    action = AgentAction.objects.get(kind="email_send")
    vehicles = action.payload["context"]["vehicles"]
    assert [v["model"] for v in vehicles] == ["RAV4", "Highlander", "Camry"]
    assert all("cost" not in v for v in vehicles)
    assert "1.00" not in str(action.payload)
    subject, body = rendered(action)
    assert subject == "Shopping for a 2023 Chevrolet Equinox? Compare these"
    assert "at Lakeside Toyota:" in body
    assert "- 2026 Toyota RAV4 (New): $31,000" in body
    # The gate lets it out (consent, caps, the automotive checks) and the email says it.
    assert action_execute(action.pk).status == "succeeded", action.result
    (message,) = mail.outbox
    assert "- 2026 Toyota RAV4 (New): $31,000" in message.body

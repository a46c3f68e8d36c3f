"""Parts cross-sell: owners after a purchase or a service visit (received lately, recent
enough), only when something in the catalog fits; the email lists what fits their vehicle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from como.agents.execution import action_execute
from como.agents.models import AgentAction
from como.sequences.advance import sequences_advance
from como.workspaces.models import Workspace
from verticals.automotive.parts.services import parts_import
from verticals.automotive.programs.parts import SOURCE_OBJECT

from .support import enrol, event, owner, ownership, rendered, switch_on

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]
NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
CATALOG = (
    "sku,name,price,url,make,model,year_from,year_to\n"
    "PT-MATS,All-weather floor mats,149.00,https://parts.example/mats,Toyota,RAV4,2019,2025\n"
    "PT-WIPE,Wiper blades,29.95,,Toyota,,,\n"
    "PT-HITCH,Tow hitch,389.00,,Toyota,Tacoma,2016,\n"
)


@pytest.fixture
def catalog(dealer: Workspace) -> None:
    assert parts_import(workspace=dealer, data=CATALOG.encode()).created == 3


@pytest.mark.usefixtures("catalog")
def test_due_owners_after_a_purchase_or_a_visit_with_parts_that_fit(dealer: Workspace) -> None:
    bought, serviced, stale, old_news, no_fit = (owner(dealer, n) for n in range(1, 6))
    yesterday = NOW - timedelta(hours=20)
    event(bought, "vehicle_purchased", yesterday, vin="V1", year=2022, make="Toyota", model="RAV4")
    # A visit whose event says only the VIN: the vehicle comes from the owner's ownership.
    ownership(dealer, serviced, "V2", year=2018, make="Toyota", model="Tacoma")
    event(serviced, "service_visit", yesterday, vin="V2", store="LTN")
    # Received two days ago: the previous run's.
    event(stale, "service_visit", NOW - timedelta(days=2), vin="V3", make="Toyota", model="RAV4")
    # Imported today but a year old: history.
    event(
        old_news,
        "vehicle_purchased",
        NOW - timedelta(days=365),
        received=yesterday,
        vin="V4",
        year=2021,
        make="Toyota",
        model="RAV4",
    )
    event(no_fit, "vehicle_purchased", yesterday, vin="V5", year=2022, make="Ford", model="F-150")
    entries = {e.contact_id: e.subject for e in SOURCE_OBJECT.due(dealer, NOW)}
    assert entries[bought.pk].pop("ref") == bought.events.get().event_id
    assert entries[serviced.pk].pop("ref") == serviced.events.get().event_id
    assert entries == {
        bought.pk: {
            "vin": "V1",
            "year": 2022,
            "make": "Toyota",
            "model": "RAV4",
            "rooftop_id": None,
            "after": "purchase",
        },
        serviced.pk: {
            "vin": "V2",
            "year": 2018,
            "make": "Toyota",
            "model": "Tacoma",
            "rooftop_id": None,
            "after": "service",
        },
    }


@pytest.mark.usefixtures("catalog")
def test_the_email_lists_the_parts_that_fit(dealer: Workspace) -> None:
    person = owner(dealer, 1)
    event(
        person,
        "vehicle_purchased",
        NOW - timedelta(hours=3),
        vin="V1",
        year=2022,
        make="Toyota",
        model="RAV4",
    )
    sequence = switch_on(dealer, "parts_cross_sell")
    assert enrol(sequence, NOW) == 1
    sequences_advance(now=NOW)  # waits two days first
    assert not AgentAction.objects.filter(kind="email_send").exists()
    assert sequences_advance(now=NOW + timedelta(days=2, minutes=1)).sends == 1
    action = AgentAction.objects.get(kind="email_send")
    assert [p["sku"] for p in action.payload["context"]["parts"]] == ["PT-MATS", "PT-WIPE"]
    subject, body = rendered(action)
    assert subject == "Made for your 2022 Toyota RAV4: parts and accessories that fit"
    assert "Congratulations on your 2022 Toyota RAV4!" in body
    assert "- All-weather floor mats: $149.00 https://parts.example/mats\n" in body
    assert "- Wiper blades: $29.95\n" in body
    assert "Tow hitch" not in body
    # The gate lets it out (consent, caps, the automotive checks) and the email says it.
    assert action_execute(action.pk).status == "succeeded", action.result
    (message,) = mail.outbox
    assert "- Wiper blades: $29.95" in message.body

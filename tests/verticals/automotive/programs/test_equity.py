"""Trade-in and equity: who gets an offer (equity, age, mileage; not too soon after buying),
one entry per owner about their best vehicle, and the offer that names vehicle and equity."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D
from typing import Any

import pytest
from django.core import mail

from como.agents.execution import action_execute
from como.agents.models import AgentAction
from como.sequences.advance import sequences_advance
from como.sequences.models import SequenceMember
from como.workspaces.models import Workspace
from verticals.automotive.programs.equity import SOURCE_OBJECT, estimated_miles, offer
from verticals.automotive.programs.playbook import EquityKnobs

from .support import enrol, owner, ownership, rendered, switch_on

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]
NOW = datetime(2025, 9, 10, 15, 0, tzinfo=UTC)
TODAY = date(2025, 9, 10)
KNOBS = EquityKnobs()
# The worked example of test_valuation: value 20,800.00, payoff 15,201.20, equity 5,598.80.
FINANCED = {
    "price": D("32000.00"),
    "amount_financed": D("28000.00"),
    "apr": D("6.900"),
    "term_months": 60,
    "purchased_on": date(2023, 3, 10),
}


def row(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "year": 2023,
        "condition": "new",
        "price": None,
        "amount_financed": None,
        "apr": None,
        "term_months": None,
        "purchased_on": None,
        "last_reading_on": None,
        "last_reading_miles": None,
        "miles_per_day": None,
    }
    return base | fields


def test_equity_above_the_minimum_makes_an_offer() -> None:
    made = offer(row(**FINANCED), KNOBS, TODAY)
    assert made is not None
    assert (made.reason, made.value, made.payoff, made.equity) == (
        "equity",
        D("20800.00"),
        D("15201.20"),
        D("5598.80"),
    )
    assert made.data()["equity_text"] == "$5,598.80"
    assert made.data()["value_text"] == "$20,800"


def test_underwater_and_young_makes_none_and_a_recent_buyer_none() -> None:
    # 25 % over value financed: 32,000 * 0.65 = 20,800 against about 21,700 owed.
    underwater = row(**(FINANCED | {"amount_financed": D("40000.00")}))
    assert offer(underwater, KNOBS, TODAY) is None
    recent = row(**(FINANCED | {"purchased_on": date(2025, 1, 10)}))  # 8 months < 12
    assert offer(recent, KNOBS, TODAY) is None


def test_age_or_mileage_past_the_playbook_makes_an_offer() -> None:
    serviced_only = row(year=2017)  # 2025 - 2017 = 8 years >= 7
    made = offer(serviced_only, KNOBS, TODAY)
    assert made is not None
    assert (made.reason, made.age_years, made.equity) == ("age", 8, None)
    # 60,000 miles on 2025-03-10 plus 184 days at 170 mi/day = 91,280 >= 90,000
    driven = row(
        year=2022,
        last_reading_on=date(2025, 3, 10),
        last_reading_miles=60_000,
        miles_per_day=D("170.00"),
    )
    assert estimated_miles(driven, TODAY) == 91_280
    made = offer(driven, KNOBS, TODAY)
    assert made is not None
    assert made.reason == "mileage"
    assert offer(row(year=2022), KNOBS, TODAY) is None


def test_due_is_one_entry_per_owner_about_the_best_offer(dealer: Workspace) -> None:
    rich, poor, both = owner(dealer, 1), owner(dealer, 2), owner(dealer, 3)
    ownership(dealer, rich, "VIN-RICH", **FINANCED)
    ownership(dealer, poor, "VIN-POOR", **(FINANCED | {"amount_financed": D("40000.00")}))
    ownership(dealer, both, "VIN-OLD", year=2016, make="Honda", model="Civic")
    ownership(dealer, both, "VIN-EQUITY", **FINANCED)
    entries = list(SOURCE_OBJECT.due(dealer, NOW))
    assert [(e.contact_id, e.subject) for e in entries] == [
        (rich.pk, {"vin": "VIN-RICH"}),
        (both.pk, {"vin": "VIN-EQUITY"}),  # equity before age
    ]


def test_the_program_offers_the_owner_their_vehicle_and_its_equity(dealer: Workspace) -> None:
    person = owner(dealer, 1)
    ownership(dealer, person, "2T3F1RFV5PW000001", **FINANCED)
    sequence = switch_on(dealer, "trade_in_equity")
    assert enrol(sequence, NOW) == 1
    member = SequenceMember.objects.get(sequence=sequence)
    assert member.subject == {"vin": "2T3F1RFV5PW000001"}
    assert sequences_advance(now=NOW).sends == 1
    action = AgentAction.objects.get(kind="email_send", target_id=str(person.pk))
    assert action.payload["context"]["vehicle"]["name"] == "2023 Toyota RAV4"
    assert action.payload["context"]["equity"]["equity"] == "5598.80"
    subject, body = rendered(action)
    assert subject == "O1, what is your 2023 Toyota RAV4 worth today?"
    assert "worth about $20,800, around $5,598.80 more than the $15,201.20" in body
    # The gate lets it out (consent, caps, the automotive checks) and the email says it.
    assert action_execute(action.pk).status == "succeeded", action.result
    (message,) = mail.outbox
    assert "around $5,598.80 more than" in message.body

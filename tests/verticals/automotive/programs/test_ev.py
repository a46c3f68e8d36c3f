"""EV education: shoppers who viewed an EV (the event says so, or the inventory does) enter; the
lessons name the EV; EV views and the lessons' clicks add intent on top of the generic rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core import mail

from como.agents.execution import action_execute
from como.agents.models import AgentAction
from como.scoring.engine import EventRecord, compile_model, evaluate_intent
from como.sequences.advance import sequences_advance
from como.workspaces.models import Workspace
from tests.verticals.automotive.inventory.factories import VINS, rooftop_make, vehicle_make
from verticals.automotive.programs.ev import SOURCE_OBJECT
from verticals.automotive.scoring import DEFAULT_SCORING_MODEL

from .support import enrol, event, owner, rendered, switch_on

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]
NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
MACH_E: dict[str, Any] = {"make": "Ford", "model": "Mustang Mach-E", "year": 2026}


def test_due_viewers_of_an_ev_by_the_event_or_the_inventory(dealer: Workspace) -> None:
    said, stocked, gas, long_ago = (owner(dealer, n) for n in range(1, 5))
    rooftop = rooftop_make(dealer, brands=["Ford"])
    vehicle_make(rooftop, vin=VINS[2], make="Ford", model="F-150 Lightning", fuel_type="EV")
    event(said, "vdp_view", NOW - timedelta(days=2), vin="X1", fuel_type="Electric", **MACH_E)
    event(stocked, "vdp_view", NOW - timedelta(days=1), vin=VINS[2], make="Ford")
    event(gas, "vdp_view", NOW - timedelta(days=1), vin="X3", fuel_type="Gasoline", make="Ford")
    event(long_ago, "vdp_view", NOW - timedelta(days=45), vin="X4", fuel_type="electric")
    entries = {e.contact_id: e.subject for e in SOURCE_OBJECT.due(dealer, NOW)}
    assert entries == {
        said.pk: {
            "vin": "X1",
            "year": 2026,
            "make": "Ford",
            "model": "Mustang Mach-E",
            "store": None,
        },
        stocked.pk: {"vin": VINS[2], "year": None, "make": "Ford", "model": None, "store": None},
    }


def test_the_lessons_name_the_ev_and_carry_the_tag(dealer: Workspace) -> None:
    person = owner(dealer, 1)
    event(person, "vdp_view", NOW - timedelta(hours=2), vin="X1", fuel_type="Electric", **MACH_E)
    sequence = switch_on(dealer, "ev_education")
    assert enrol(sequence, NOW) == 1
    assert sequences_advance(now=NOW).sends == 1
    subject, body = rendered(AgentAction.objects.get(kind="email_send"))
    assert subject == "Charging 2026 Ford Mustang Mach-E at home: what it takes"
    assert "charging-home?utm_campaign=ev-education" in body
    first = AgentAction.objects.get(kind="email_send")
    assert action_execute(first.pk).status == "succeeded", first.result
    (message,) = mail.outbox
    assert "Charging 2026 Ford Mustang Mach-E at home" in message.subject
    for day, lesson in ((4, "incentives"), (8, "What an EV really costs"), (12, "test drive")):
        sequences_advance(now=NOW + timedelta(days=day, minutes=1))
        latest = AgentAction.objects.order_by("-pk").first()
        assert latest is not None
        assert lesson in rendered(latest)[0]
    assert AgentAction.objects.filter(kind="email_send").count() == 4


def test_ev_intent_feeds_the_score() -> None:
    model = compile_model(DEFAULT_SCORING_MODEL)
    events = [
        EventRecord("e1", "vdp_view", {"fuel_type": "Electric"}, NOW),
        EventRecord("e2", "vdp_view", {"fuel_type": "Gasoline"}, NOW),
        EventRecord(
            "e3",
            "email_clicked",
            {"url": "https://afdc.energy.gov/calc/?utm_campaign=ev-education"},
            NOW,
        ),
        EventRecord("e4", "email_clicked", {"url": "https://lakeside.example/specials"}, NOW),
    ]
    counted = [(c.rule, c.event_id, c.points) for c in evaluate_intent(model, events)]
    assert counted == [
        ("vdp_view", "e1", 5),
        ("ev_vdp_view", "e1", 5),
        ("vdp_view", "e2", 5),
        ("email_click", "e3", 3),
        ("ev_education_click", "e3", 5),
        ("email_click", "e4", 3),
    ]

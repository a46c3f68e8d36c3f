"""Service reminders: when the next service is due (time or mileage, whichever first), who the
source enrols and about which vehicle, the context its messages read, the playbook settings,
and the program switched on through the playbook."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from como.agents.models import AgentAction
from como.agents.playbooks import playbook_update
from como.agents.services import playbook_for
from como.sequences.models import Sequence
from como.sequences.sources import MemberRef, source_for
from como.workspaces.models import Workspace
from tests.factories import ContactFactory
from verticals.automotive.dms.models import VehicleOwnership
from verticals.automotive.programs.service import (
    KEY,
    SOURCE,
    ServiceDue,
    add_months,
    in_words,
    next_service,
)
from verticals.automotive.programs.settings import ServiceReminderSettings

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 15, 14, 0, tzinfo=UTC)  # 09:00 in Chicago
SETTINGS = ServiceReminderSettings()


def _row(**fields: Any) -> dict[str, Any]:
    return {
        "last_service_on": None,
        "purchased_on": None,
        "miles_per_day": None,
        **fields,
    }


def test_add_months_clamps_to_the_months_last_day() -> None:
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2026, 1, 15), -12) == date(2025, 1, 15)


def test_time_or_mileage_whichever_comes_first() -> None:
    today = date(2026, 6, 15)
    # 20 mi/day: 5,000 miles take 250 days, later than six months: time decides.
    slow = next_service(
        _row(last_service_on=date(2026, 1, 10), miles_per_day=Decimal("20")), SETTINGS, today
    )
    assert slow is not None
    assert (slow.on, slow.by, slow.lapsed) == (date(2026, 7, 10), "time", False)
    assert slow.what(SETTINGS) == "six-month service"
    # 50 mi/day: 100 days, before six months.
    fast = next_service(
        _row(last_service_on=date(2026, 3, 1), miles_per_day=Decimal("50")), SETTINGS, today
    )
    assert fast is not None
    assert (fast.on, fast.by) == (date(2026, 6, 9), "miles")
    assert fast.what(SETTINGS) == "5,000-mile service"
    # Never serviced here: counted from the purchase; a year and more without a visit: lapsed.
    bought = next_service(_row(purchased_on=date(2025, 5, 1)), SETTINGS, today)
    assert bought is not None
    assert (bought.on, bought.lapsed) == (date(2025, 11, 1), True)
    assert next_service(_row(), SETTINGS, today) is None


def _owner(workspace: Workspace, vin: str, **fields: Any) -> VehicleOwnership:
    contact = fields.pop("contact", None) or ContactFactory.create(workspace=workspace)
    return VehicleOwnership.objects.create(
        workspace=workspace,
        contact=contact,
        vin=vin,
        year=2022,
        make="Toyota",
        model="RAV4",
        **fields,
    )


@pytest.fixture
def dealer(db: Any) -> Workspace:
    from tests.factories import WorkspaceFactory

    return WorkspaceFactory.create(
        slug="lakeside", vertical="automotive", time_zone="America/Chicago"
    )


def test_the_source_enrols_owners_due_within_the_lead_window_about_the_soonest_vehicle(
    dealer: Workspace,
) -> None:
    due_soon = _owner(dealer, "VIN00000000000001", last_service_on=date(2025, 12, 20))
    second = _owner(
        dealer, "VIN00000000000002", contact=due_soon.contact, last_service_on=date(2025, 12, 25)
    )
    overdue = _owner(dealer, "VIN00000000000003", purchased_on=date(2025, 2, 1))
    _owner(dealer, "VIN00000000000004", last_service_on=date(2026, 3, 1))  # September
    _owner(dealer, "VIN00000000000005")  # nothing to count from
    assert source_for(SOURCE).key == SOURCE
    playbook_for(dealer)  # made on first use: not the source's queries
    with CaptureQueriesContext(connection) as queries:
        entries = list(ServiceDue().due(dealer, NOW))
    assert len(queries) <= 2  # the playbook and the vehicles: not one query per owner
    assert [(e.contact_id, e.subject) for e in entries] == [
        (
            overdue.contact_id,
            {
                "ref": "VIN00000000000003:2025-02-01",
                "vin": "VIN00000000000003",
                "due_on": "2025-08-01",
                "due_by": "time",
                "lapsed": True,
            },
        ),
        (
            due_soon.contact_id,
            {
                "ref": "VIN00000000000001:2025-12-20",
                "vin": "VIN00000000000001",
                "due_on": "2026-06-20",
                "due_by": "time",
                "lapsed": False,
            },
        ),
        (
            due_soon.contact_id,
            {
                "ref": "VIN00000000000002:2025-12-25",
                "vin": "VIN00000000000002",
                "due_on": "2026-06-25",
                "due_by": "time",
                "lapsed": False,
            },
        ),
    ]
    assert second.contact_id == due_soon.contact_id
    # A shorter lead window in the playbook leaves the late-June ones out.
    playbook_update(playbook=playbook_for(dealer), programs={"service_reminders": {"lead_days": 3}})
    assert [e.contact_id for e in ServiceDue().due(dealer, NOW)] == [overdue.contact_id]


def test_the_context_names_the_vehicle_and_what_is_due(dealer: Workspace) -> None:
    owner = _owner(
        dealer,
        "VIN00000000000001",
        last_service_on=date(2026, 3, 1),
        miles_per_day=Decimal("50"),
    )
    member = MemberRef(7, owner.contact_id, {"vin": owner.vin})
    hand_entered = MemberRef(8, owner.contact_id, {})
    unknown = MemberRef(9, ContactFactory.create(workspace=dealer).pk, {})
    context = ServiceDue().context(dealer, [member, hand_entered, unknown], NOW)
    assert context[7] == {
        "vehicle": {
            "vin": "VIN00000000000001",
            "year": 2022,
            "make": "Toyota",
            "model": "RAV4",
            "name": "2022 Toyota RAV4",
        },
        "service": {
            "due_on": "2026-06-09",
            "due_by": "miles",
            "what": "5,000-mile service",
            "last_visit_on": "2026-03-01",
            "lapsed": False,
        },
    }
    assert context[8] == context[7]  # no subject: the owner's latest vehicle
    assert 9 not in context


def test_the_playbook_validates_the_program_settings(dealer: Workspace) -> None:
    playbook = playbook_for(dealer)
    with pytest.raises(ValidationError) as raised:
        playbook_update(
            playbook=playbook, programs={"service_reminders": {"interval_miles": 10, "x": 1}}
        )
    (message,) = raised.value.message_dict["programs"]
    assert "service_reminders.interval_miles" in message
    assert "service_reminders.x" in message
    playbook_update(playbook=playbook, programs={"service_reminders": {"interval_months": 4}})
    playbook.refresh_from_db()
    assert playbook.programs["service_reminders"] == {
        "interval_months": 4,
        "interval_miles": 5000,
        "lead_days": 14,
        "lapsed_months": 12,
    }


def test_switching_service_reminders_on_proposes_the_program(dealer: Workspace) -> None:
    for n, months in enumerate((5, 6, 13)):
        _owner(
            dealer,
            f"VIN0000000000000{n}",
            last_service_on=add_months(NOW.date(), -months),
            miles_per_day=Decimal("20"),
        )
    playbook_update(playbook=playbook_for(dealer), sequences_enabled=[KEY])
    sequence = Sequence.objects.get(workspace=dealer, default_key=KEY)
    assert (sequence.name, sequence.re_entry) == ("Service reminders", "new_subject")
    action = AgentAction.objects.get(kind="sequence_version_approve")
    steps = [p["step"] for p in action.payload["previews"]]
    assert set(steps) <= {"reminder_email", "reminder_text", "lapsed_letter"}
    assert {p["contact_id"] for p in action.payload["previews"]} == set(
        VehicleOwnership.objects.values_list("contact_id", flat=True)
    )
    # The copy names the interval in words: "6-month" would read as a credit term.
    rules = {finding["rule"] for finding in action.payload["compliance"]}
    assert not {rule for rule in rules if "lending" in rule}, rules
    bodies = [p.get("body", p.get("error")) for p in action.payload["previews"]]
    assert any("2022 Toyota RAV4 is due for its six-month service" in b for b in bodies), bodies


def test_intervals_in_words() -> None:
    assert [in_words(n) for n in (1, 6, 12, 20, 24, 36)] == [
        "one",
        "six",
        "twelve",
        "twenty",
        "twenty-four",
        "thirty-six",
    ]


def test_the_playbook_editor_switches_the_program_on_with_its_settings(dealer: Workspace) -> None:
    from tests.como.agents.test_playbook_editor import editor_url, owner_client, shown

    playbook = playbook_for(dealer)
    client, owner = owner_client(dealer)
    page = client.get(editor_url(playbook, "sequences"))
    data = {
        **shown(page),
        "sequences_enabled": KEY,
        "programs__service_reminders__interval_months": "4",
        "programs__service_reminders__interval_miles": "4000",
        "programs__service_reminders__lead_days": "10",
        "programs__service_reminders__lapsed_months": "18",
    }
    response = client.post(editor_url(playbook, "sequences"), data)
    assert response.status_code == 302, response.context["form"].errors
    playbook.refresh_from_db()
    assert playbook.programs["service_reminders"]["interval_miles"] == 4000
    action = AgentAction.objects.get(kind="sequence_version_approve")
    assert action.proposed_by_id == owner.pk  # so another person approves it
    bad = {**data, "sequences_enabled": "parts_for_everyone"}
    response = client.post(editor_url(playbook, "sequences"), bad)
    assert response.status_code == 400
    (problem,) = response.context["form"].errors["sequences_enabled"]
    assert "'parts_for_everyone' is not a program of this workspace's vertical" in problem

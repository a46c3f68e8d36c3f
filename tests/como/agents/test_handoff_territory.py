"""Saving a territory re-routes the proposals that found nobody, whoever saves it: the service
(territory_save), the territory admin and the demo seeder all go through it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from como.agents.handoff.proposals import rationale
from como.agents.handoff.services import territory_save
from como.agents.models import AgentAction, Handoff, RouteVia, Territory
from como.demo.services import _sales_territory_ensure
from como.leads.models import Contact
from como.workspaces.models import Workspace

from .handoff_setup import contacts, handoff_actions, person, promote, rep_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


def _waiting(workspace: Workspace) -> AgentAction:
    """An MQL nobody can take yet: its proposal carries the no-rep finding."""
    promote(workspace, contacts(workspace, 1, first_name="Dana", last_name="Reyes"))
    (action,) = handoff_actions(workspace)
    assert [f["rule"] for f in action.blocking_findings] == ["handoff.no_rep"]
    return action


def _found(action: AgentAction, rep: Any) -> AgentAction:
    action.refresh_from_db()
    assert (rep_of(action), action.findings) == (rep.pk, [])
    return action


def test_territory_save_adds_reps_in_order_and_reroutes(other_workspace: Workspace) -> None:
    workspace = other_workspace
    action = _waiting(workspace)
    before = action.rationale.splitlines()
    ana, ben = person(workspace, "ana"), person(workspace, "ben")
    everyone = Territory(workspace=workspace, name="Everyone", is_default=True)

    rerouted = territory_save(territory=everyone, reps=[ana])
    again = territory_save(territory=everyone, reps=[ana, ben])

    assert [a.pk for a in rerouted] == [action.pk]
    assert again == []  # nothing waits any more
    assert [(r.user_id, r.position) for r in everyone.reps.order_by("position")] == [
        (ana.pk, 0),
        (ben.pk, 1),
    ]
    revised = _found(action, ana)
    # The whole rationale is rebuilt from the payload: the MQL's lines as before, the new route.
    dana = Contact.objects.get(pk=int(revised.target_id))
    assert revised.rationale == rationale(dana, revised.payload, ana)
    lines = revised.rationale.splitlines()
    assert lines[:2] == before[:2]
    assert lines[2] == 'Hand to ana-rival, next in the round robin of territory "Everyone".'
    assert lines[3:] == before[3:]


def test_saving_a_territory_in_the_admin_reroutes(other_workspace: Workspace) -> None:
    workspace = other_workspace
    action = _waiting(workspace)
    ana = person(workspace, "ana")
    owner = person(workspace, "olga", role="owner")
    client = Client()
    client.force_login(owner)

    response = client.post(
        reverse("admin:agents_territory_add"),
        {
            "workspace": workspace.pk,
            "name": "Everyone",
            "countries": "",
            "regions": "",
            "postal_prefixes": "",
            "is_default": "on",
            "position": 0,
            "reps-TOTAL_FORMS": 1,
            "reps-INITIAL_FORMS": 0,
            "reps-0-user": ana.pk,
            "reps-0-position": 0,
        },
        follow=True,
    )

    assert response.status_code == 200
    assert "1 waiting handoff(s) found a rep." in response.content.decode()
    _found(action, ana)


def test_the_demo_seeder_saves_its_territory_through_the_service(
    other_workspace: Workspace,
) -> None:
    workspace = other_workspace
    action = _waiting(workspace)
    member = person(workspace, "demo")

    _sales_territory_ensure(workspace, member)
    _sales_territory_ensure(workspace, member)  # seeding again changes nothing

    territory = Territory.objects.get(workspace=workspace)
    assert (territory.is_default, territory.manager_id) == (True, member.pk)
    assert [rep.user_id for rep in territory.reps.all()] == [member.pk]
    revised = _found(action, member)
    assert revised.payload["route"]["via"] == RouteVia.ROUND_ROBIN


def test_a_handoff_records_its_route_as_one_of_the_choices(other_workspace: Workspace) -> None:
    field = Handoff._meta.get_field("route")
    assert {value for value, _ in field.choices or []} == set(RouteVia.values)

"""The MQL handoff agent, part one: who gets the MQL, and the proposal recorded with the move."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from como.agents.execution import executor_for
from como.agents.handoff.agent import AGENT, KIND, SPEC, idempotency_key
from como.agents.handoff.execution import handoff_execute
from como.agents.handoff.proposals import handoffs_propose, handoffs_reroute
from como.agents.handoff.routing import Location, territory_match
from como.agents.models import ActionStatus, ActionTransition, ActorKind, Territory
from como.agents.registry import agent_get
from como.leads import reactions
from como.leads.models import Account, LifecycleStage
from como.leads.services import contact_stage_change, contact_update
from como.workspaces.models import Membership, Workspace
from tests.factories import EventFactory

from .handoff_setup import (
    MQL_AT,
    contacts,
    handoff_actions,
    person,
    policy,
    promote,
    rep_of,
    territory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


def test_the_agent_and_its_executor_are_registered() -> None:
    assert agent_get(AGENT) == SPEC
    assert SPEC.kinds == (KIND,) == ("mql_handoff",)
    assert executor_for(KIND) is handoff_execute


# --- territories -------------------------------------------------------------------------------


def _t(pk: int, name: str, position: int = 0, is_default: bool = False, **criteria: Any) -> Any:
    made = Territory(pk=pk, name=name, position=position, is_default=is_default, **criteria)
    return made


def test_the_most_specific_matching_territory_wins_and_the_default_takes_the_rest() -> None:
    territories = [
        _t(1, "default", is_default=True),
        _t(2, "US", countries=["us"]),
        _t(3, "Illinois", countries=["US"], regions=["IL", "Illinois"]),
        _t(4, "Chicago", postal_prefixes=["606", "607"]),
        _t(5, "Chicago Loop", postal_prefixes=["6060"], countries=["US"]),
        _t(6, "Canada West", countries=["CA"], regions=["BC", "AB"]),
        _t(7, "London", countries=["GB"], postal_prefixes=["SW1", "EC"]),
    ]

    def where(country: str, region: str = "", postal: str = "") -> str | None:
        found = territory_match(territories, Location(country, region.casefold(), postal))
        return None if found is None else found.name

    assert where("US", "il", "60601") == "Chicago Loop"  # longest postal prefix
    assert where("US", "IL", "60714") == "Chicago"
    assert where("US", "illinois", "62701") == "Illinois"  # a region beats a country
    assert where("US", "TX", "75001") == "US"
    assert where("CA", "bc") == "Canada West"
    assert where("CA", "ON") == "default"  # Canada West needs its region too
    assert where("GB", "", "SW1A1AA") == "London"
    assert where("", "", "") == "default"
    assert territory_match(territories[1:], Location("DE", "", "")) is None


def test_between_equally_specific_territories_the_lower_position_wins() -> None:
    first = _t(1, "first", position=5, countries=["US"])
    second = _t(2, "second", position=1, countries=["US"])
    third = _t(3, "third", position=1, countries=["US"])

    assert territory_match([first, second, third], Location("US", "", "")) is second


def test_location_falls_back_to_the_account_and_normalises(workspace: Workspace) -> None:
    from como.agents.handoff.routing import contact_location

    account = Account.objects.create(
        workspace=workspace, name="Acme", country="us", region="Illinois", postal_code="606 01"
    )
    (bare,) = contacts(workspace, 1, country="", account=account)
    (placed,) = contacts(workspace, 1, country="CA", region="BC", account=account)

    assert contact_location(bare) == Location("US", "illinois", "60601")
    assert contact_location(placed) == Location("CA", "bc", "")


# --- round robin and owners --------------------------------------------------------------------


def test_round_robin_hands_mqls_out_in_turn_across_batches(other_workspace: Workspace) -> None:
    workspace = other_workspace  # automotive: round robin by territory
    reps = [person(workspace, name) for name in ("ana", "ben", "cy")]
    midwest = territory(workspace, "Midwest", reps, countries=["US"])
    first, second = contacts(workspace, 2), contacts(workspace, 3)

    promote(workspace, first)
    promote(workspace, second, at=MQL_AT + timedelta(minutes=1))

    actions = handoff_actions(workspace)
    assert [rep_of(action) for action in actions] == [r.pk for r in (*reps, *reps[:2])]
    assert [action.target_id for action in actions] == [str(c.pk) for c in (*first, *second)]
    midwest.refresh_from_db()
    assert midwest.rr_cursor == 5
    assert {action.payload["route"]["via"] for action in actions} == {"round_robin"}


def test_reps_without_a_sales_role_are_skipped(other_workspace: Workspace) -> None:
    workspace = other_workspace
    ana, ben = person(workspace, "ana"), person(workspace, "ben")
    territory(workspace, "All", [ana, ben], is_default=True)
    Membership.objects.filter(workspace=workspace, user=ben).delete()
    person(workspace, "ben", role="viewer")  # still a member, no longer in sales

    promote(workspace, contacts(workspace, 3))

    assert [rep_of(action) for action in handoff_actions(workspace)] == [ana.pk] * 3


def test_the_account_owner_takes_b2b_mqls(workspace: Workspace) -> None:
    assert workspace.vertical == "b2b"  # routes to account owners by default
    owner, ana, ben = (person(workspace, name) for name in ("owner", "ana", "ben"))
    default = territory(workspace, "Everyone", [ana, ben], is_default=True)
    owned = Account.objects.create(workspace=workspace, name="Owned", owner=owner)
    unowned = Account.objects.create(workspace=workspace, name="Unowned")
    people = [*contacts(workspace, 2, account=owned), *contacts(workspace, 2, account=unowned)]
    people.sort(key=lambda contact: contact.pk)

    promote(workspace, people)

    routes = {
        int(a.target_id): (rep_of(a), a.payload["route"]["via"]) for a in handoff_actions(workspace)
    }
    expected_turns = iter([ana.pk, ben.pk])
    for contact in people:
        if contact.account == owned:
            assert routes[contact.pk] == (owner.pk, "account_owner")
        else:
            assert routes[contact.pk] == (next(expected_turns), "round_robin")
    default.refresh_from_db()
    assert default.rr_cursor == 2  # owners' MQLs take no turn


def test_the_playbook_can_route_b2b_by_territory_instead(workspace: Workspace) -> None:
    owner, ana = person(workspace, "owner"), person(workspace, "ana")
    territory(workspace, "Everyone", [ana], is_default=True)
    policy(workspace, handoff_routing="round_robin_by_territory")
    owned = Account.objects.create(workspace=workspace, name="Owned", owner=owner)

    promote(workspace, contacts(workspace, 1, account=owned))

    (action,) = handoff_actions(workspace)
    assert rep_of(action) == ana.pk


def test_an_owner_who_left_sales_does_not_get_the_mql(workspace: Workspace) -> None:
    owner, ana = person(workspace, "owner", role="viewer"), person(workspace, "ana")
    territory(workspace, "Everyone", [ana], is_default=True)
    owned = Account.objects.create(workspace=workspace, name="Owned", owner=owner)

    promote(workspace, contacts(workspace, 1, account=owned))

    assert [rep_of(action) for action in handoff_actions(workspace)] == [ana.pk]


def test_a_territory_without_reps_goes_to_its_manager(other_workspace: Workspace) -> None:
    boss = person(other_workspace, "boss")
    territory(other_workspace, "Thin", [], manager=boss, is_default=True)

    promote(other_workspace, contacts(other_workspace, 1))

    (action,) = handoff_actions(other_workspace)
    assert (rep_of(action), action.payload["route"]["via"]) == (boss.pk, "manager")


def test_nobody_to_hand_to_is_a_blocking_finding_even_under_auto_approval(
    other_workspace: Workspace,
) -> None:
    policy(other_workspace, auto_approve_kinds=["mql_handoff"])

    promote(other_workspace, contacts(other_workspace, 1))

    (action,) = handoff_actions(other_workspace)
    assert action.status == ActionStatus.PROPOSED
    assert rep_of(action) is None
    assert [f["rule"] for f in action.blocking_findings] == ["handoff.no_rep"]


def test_proposals_that_found_nobody_are_rerouted_once_a_territory_has_reps(
    other_workspace: Workspace, django_capture_on_commit_callbacks: Any
) -> None:
    workspace = other_workspace
    policy(workspace, auto_approve_kinds=["mql_handoff"])
    waiting, gone = contacts(workspace, 2)
    promote(workspace, [waiting, gone])
    contact_stage_change(workspace=workspace, contact=gone, to_stage="sql", reason="by hand")
    ana = person(workspace, "ana")
    territory(workspace, "Everyone", [ana], is_default=True)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        revised = handoffs_reroute(workspace=workspace)

    (action,) = revised
    assert action.target_id == str(waiting.pk)
    assert (action.status, action.findings, rep_of(action)) == ("approved", [], ana.pk)
    assert action.payload["route"]["via"] == "round_robin"
    assert "Hand to ana-rival, next in the round robin" in action.rationale
    assert "Nobody" not in action.rationale
    assert action.preview.startswith(f"To: {ana.email}")
    assert len(callbacks) == 1
    still = next(a for a in handoff_actions(workspace) if a.target_id == str(gone.pk))
    assert (still.status, rep_of(still)) == ("proposed", None)  # no longer an MQL
    assert handoffs_reroute(workspace=workspace) == []


# --- the proposal ------------------------------------------------------------------------------


def test_an_mql_move_records_one_proposal_with_the_explanation_and_timeline(
    workspace: Workspace,
) -> None:
    policy(workspace, auto_approve_kinds=[])  # the workspace's choice: a person approves
    ana = person(workspace, "ana")
    territory(workspace, "Everyone", [ana], is_default=True)
    (contact,) = contacts(workspace, 1, first_name="Dana", last_name="Reyes", title="VP Sales")
    for n in range(12):
        EventFactory.create(
            contact=contact,
            event_id=f"e{n:02}",
            type="page_view",
            properties={"path": "/pricing" if n % 2 else "/blog/x", "nested": {"no": 1}},
            occurred_at=MQL_AT - timedelta(hours=12 - n),
        )

    (transition,) = promote(workspace, [contact])

    (action,) = handoff_actions(workspace)
    assert action.idempotency_key == idempotency_key(transition.pk)
    assert action.idempotency_key == f"mql_handoff:{transition.pk}"
    assert (action.agent, action.kind, action.channel) == ("mql_handoff", "mql_handoff", "email")
    assert (action.target_type, action.target_id) == ("contact", str(contact.pk))
    assert action.proposed_by_id == workspace.agent_user_id
    assert (action.status, action.required_approvals) == (ActionStatus.PROPOSED, 1)
    payload = action.payload
    assert payload["transition_id"] == transition.pk
    assert payload["mql_at"] == MQL_AT.isoformat()
    assert payload["rep_id"] == ana.pk
    # The score explained as the score API explains it, at the MQL instant.
    score = payload["score"]
    assert score["at"] == MQL_AT.isoformat()
    assert {item["rule"] for item in score["breakdown"]} >= {"pricing_page"}
    assert score["score"] == pytest.approx(
        sum(item["points"] for item in score["breakdown"]), abs=0.2
    )
    # The ten latest events, newest first, with flat properties only.
    timeline = payload["timeline"]
    assert [item["event_id"] for item in timeline] == [f"e{n:02}" for n in range(11, 1, -1)]
    assert timeline[0]["properties"] == {"path": "/pricing"}
    assert "Dana Reyes" in action.rationale
    assert f"{score['score']:.1f}" in action.rationale
    assert "Hand to" in action.rationale
    assert action.preview.startswith(f"To: {ana.email}\nSubject: New MQL for you: Dana Reyes")
    (audit,) = ActionTransition.objects.filter(action=action)
    assert (audit.to_status, audit.actor_kind, audit.actor_id) == (
        "proposed",
        ActorKind.AGENT,
        workspace.agent_user_id,
    )


def test_proposing_again_for_the_same_move_changes_nothing(workspace: Workspace) -> None:
    policy(workspace, auto_approve_kinds=[])
    territory(workspace, "Everyone", [person(workspace, "ana")], is_default=True)
    transitions = promote(workspace, contacts(workspace, 2))

    again = handoffs_propose(workspace=workspace, transitions=transitions)

    assert again == []
    assert len(handoff_actions(workspace)) == 2
    assert ActionTransition.objects.filter(action__kind="mql_handoff").count() == 2


def test_a_contact_becoming_mql_again_later_gets_a_new_proposal(workspace: Workspace) -> None:
    territory(workspace, "Everyone", [person(workspace, "ana")], is_default=True)
    (contact,) = contacts(workspace, 1)
    promote(workspace, [contact])
    contact_stage_change(
        workspace=workspace, contact_ids=[contact.pk], to_stage="lead", reason="reset"
    )

    promote(workspace, [contact], at=MQL_AT + timedelta(days=30))

    assert len(handoff_actions(workspace)) == 2


def test_other_stage_moves_propose_nothing(workspace: Workspace) -> None:
    territory(workspace, "Everyone", [person(workspace, "ana")], is_default=True)
    people = contacts(workspace, 2)

    contact_stage_change(
        workspace=workspace,
        contact_ids=[c.pk for c in people],
        to_stage=LifecycleStage.SQL,
        reason="by hand",
    )

    assert handoff_actions(workspace) == []


def test_a_stage_set_by_hand_to_mql_proposes_too(workspace: Workspace) -> None:
    territory(workspace, "Everyone", [person(workspace, "ana")], is_default=True)
    (contact,) = contacts(workspace, 1)

    contact_update(contact=contact, lifecycle_stage="mql")

    (action,) = handoff_actions(workspace)
    assert action.target_id == str(contact.pk)


def test_a_switched_off_agent_proposes_nothing(workspace: Workspace) -> None:
    territory(workspace, "Everyone", [person(workspace, "ana")], is_default=True)
    policy(workspace, agents={"mql_handoff": {"enabled": False}})

    promote(workspace, contacts(workspace, 1))

    assert handoff_actions(workspace) == []


def test_auto_approved_handoffs_are_enqueued_when_the_move_commits(
    workspace: Workspace, django_capture_on_commit_callbacks: Any
) -> None:
    territory(workspace, "Everyone", [person(workspace, "ana")], is_default=True)
    policy(workspace, auto_approve_kinds=["mql_handoff"])

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        promote(workspace, contacts(workspace, 3))

    actions = handoff_actions(workspace)
    assert {action.status for action in actions} == {ActionStatus.APPROVED}
    assert all(action.approved_at is not None for action in actions)
    # One execute message per action, published on commit (other floors' reactions to the
    # move, such as attribution's recompute, defer their own work there too).
    executes = [c for c in callbacks if c.__qualname__.startswith("enqueue_execution")]
    assert len(executes) == 3
    audit = ActionTransition.objects.filter(action__in=actions, to_status="approved")
    assert audit.count() == 3
    assert {(t.actor_kind, t.actor_id) for t in audit} == {(ActorKind.SYSTEM, None)}


def test_a_rolled_back_move_leaves_no_proposal(workspace: Workspace) -> None:
    from django.db import transaction

    territory(workspace, "Everyone", [person(workspace, "ana")], is_default=True)
    people = contacts(workspace, 1)

    def fail_after_the_move() -> None:
        with transaction.atomic():
            promote(workspace, people)
            raise RuntimeError("the ingest failed after the move")

    with pytest.raises(RuntimeError):
        fail_after_the_move()

    assert handoff_actions(workspace) == []


@pytest.mark.parametrize("batch", [4, 400])
def test_a_batch_of_promotions_takes_a_constant_number_of_queries(
    other_workspace: Workspace, batch: int
) -> None:
    workspace = other_workspace
    reps = [person(workspace, "ana"), person(workspace, "ben")]
    territory(workspace, "US", reps, countries=["US"])
    territory(workspace, "Rest", [person(workspace, "cy")], is_default=True)
    people = contacts(workspace, batch, country="US")
    for contact in people[:3]:
        EventFactory.create(contact=contact)
    promote(workspace, contacts(workspace, 1))  # the scoring model and the playbook exist now
    with _no_stage_reactions():
        transitions = promote(workspace, people)

    with CaptureQueriesContext(connection) as queries:
        created = handoffs_propose(workspace=workspace, transitions=transitions)

    assert len(created) == batch
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    # The same statements for 4 MQLs as for 400: the playbook (twice), the known keys, the
    # contacts, the sales members, the territories, their reps, the locked cursors, the model,
    # the events, the reps' names, the actions, their audit rows, the cursors.
    assert len(statements) == 14, "\n".join(statements)


@contextmanager
def _no_stage_reactions() -> Iterator[None]:
    saved = list(reactions._stage_changed)
    reactions._stage_changed.clear()
    try:
        yield
    finally:
        reactions._stage_changed[:] = saved


def test_the_verticals_default_auto_approves_the_handoff(workspace: Workspace) -> None:
    # Nothing chosen by the workspace: the b2b vertical's playbook auto-approves mql_handoff.
    territory(workspace, "Everyone", [person(workspace, "ana")], is_default=True)

    promote(workspace, contacts(workspace, 1))

    (action,) = handoff_actions(workspace)
    assert action.status == ActionStatus.APPROVED
    assert action.transitions.filter(to_status="approved", actor_kind=ActorKind.SYSTEM).exists()

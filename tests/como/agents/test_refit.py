"""The scoring-refit agent: outcomes in, a backtested scoring model version proposed, approval
activates it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient
from sklearn.metrics import roc_auc_score

from como.agents.execution import action_execute, executor_for
from como.agents.models import ActionStatus, AgentAction, Risk
from como.agents.refit import (
    AGENT,
    HELD_OUT_SHARE,
    KIND,
    MIN_OUTCOMES,
    MIN_PER_CLASS,
    outcomes_known,
    scoring_refit_run,
)
from como.agents.services import action_approve
from como.leads.models import Contact, Event, LifecycleStage, LifecycleTransition
from como.scoring.engine import compile_model, score_at
from como.scoring.inputs import EVENT_COLUMNS, account_snapshot, contact_snapshot, event_record
from como.scoring.models import ScoringModel, definition_errors
from como.scoring.services import scoring_model_active, scoring_model_create_version
from como.workspaces.models import Workspace
from tests.factories import ContactFactory, MembershipFactory, UserFactory

from .refit_population import MODEL, NOW, Population, build_population

pytestmark = pytest.mark.django_db


@pytest.fixture
def population(workspace: Workspace) -> Population:
    return build_population(workspace)


def approver_of(workspace: Workspace) -> Any:
    user = UserFactory.create(username=f"approver-of-{workspace.slug}")
    MembershipFactory.create(workspace=workspace, user=user, role="approver")
    return user


def points(definition: dict[str, Any]) -> dict[str, float]:
    return {rule["key"]: rule["points"] for rule in [*definition["fit"], *definition["intent"]]}


def without_points(definition: dict[str, Any]) -> dict[str, Any]:
    return {
        **definition,
        "fit": [{k: v for k, v in r.items() if k != "points"} for r in definition["fit"]],
        "intent": [{k: v for k, v in r.items() if k != "points"} for r in definition["intent"]],
    }


def test_the_refit_proposes_a_version_that_favours_the_predictive_rule(
    workspace: Workspace, population: Population
) -> None:
    result = scoring_refit_run(workspace=workspace)

    assert result.status == "proposed", result.message
    action = result.action
    assert action is not None
    assert (action.agent, action.kind, action.risk) == (AGENT, KIND, Risk.MEDIUM)
    assert action.status == ActionStatus.PROPOSED
    assert action.proposed_by_id == workspace.agent_user_id
    assert action.payload["based_on_version"] == population.model.version
    proposed = action.payload["definition"]
    assert proposed == result.definition
    assert definition_errors(proposed) == []
    # Only points move: conditions, caps, decay and the threshold are the active version's.
    assert without_points(proposed) == without_points(MODEL)
    old, new = points(MODEL), points(proposed)
    assert old["demo_request"] == old["blog_read"]
    # The demo request predicts SQL; blog reads do not (and their heavy reading after the
    # outcome, which a refit on today's behaviour would reward, is not seen).
    assert new["demo_request"] > old["demo_request"]
    assert new["demo_request"] > 5 * abs(new["blog_read"])
    assert new["demo_request"] > 5 * abs(new["senior_title"])
    # The preview is the diff of rule points; the rationale the backtest.
    assert "demo_request" in action.preview
    assert f"{old['demo_request']:g}" in action.preview
    assert f"{new['demo_request']:g}" in action.preview
    assert "AUC" in action.rationale
    assert "MQL→SQL rate" in action.rationale


def scores_at_mql(
    workspace: Workspace, population: Population, definition: dict[str, Any], ids: list[int]
) -> list[Any]:
    """Each contact's score by the engine at the instant it became an MQL."""
    engine = compile_model(definition)
    contacts = Contact.objects.select_related("account").in_bulk(ids)
    out = []
    for contact_id in ids:
        at = population.mql_at[contact_id]
        rows = Event.objects.filter(contact_id=contact_id, occurred_at__lte=at)
        events = [event_record(*row) for row in rows.values_list(*EVENT_COLUMNS)]
        contact = contacts[contact_id]
        out.append(
            score_at(
                engine, contact_snapshot(contact), account_snapshot(contact.account), events, at
            )
        )
    return out


def test_the_rationale_is_the_backtest_on_held_out_outcomes(
    workspace: Workspace, population: Population
) -> None:
    result = scoring_refit_run(workspace=workspace)
    backtest = result.backtest
    assert backtest is not None
    assert result.action is not None
    assert result.definition is not None

    held_out = list(backtest.held_out)
    truth = [population.outcome[pk] for pk in held_out]
    assert list(backtest.held_out_outcomes) == truth
    # A stratified split of the 300: 30 % held out, positives in the same proportion.
    assert len(held_out) == round(HELD_OUT_SHARE * 300)
    assert backtest.trained_on == 300 - len(held_out)
    share = sum(population.outcome.values()) / 300
    assert abs(sum(truth) / len(truth) - share) < 0.02

    old_scores = scores_at_mql(workspace, population, MODEL, held_out)
    new_scores = scores_at_mql(workspace, population, result.definition, held_out)
    auc_old = roc_auc_score(truth, [s.score for s in old_scores])
    auc_new = roc_auc_score(truth, [s.score for s in new_scores])
    assert backtest.auc_old == auc_old
    assert backtest.auc_new == auc_new
    assert auc_new > auc_old

    def rate(scores: list[Any]) -> tuple[int, float]:
        made = [y for y, s in zip(truth, scores, strict=True) if s.is_mql]
        return len(made), sum(made) / len(made)

    assert (backtest.mqls_old, backtest.rate_old) == rate(old_scores)
    assert (backtest.mqls_new, backtest.rate_new) == rate(new_scores)
    assert backtest.rate_new is not None
    assert backtest.rate_old is not None
    assert backtest.rate_new > backtest.rate_old

    rationale = result.action.rationale
    assert f"{auc_old:.3f}" in rationale
    assert f"{auc_new:.3f}" in rationale
    assert f"{100 * backtest.rate_old:.1f} %" in rationale
    assert f"{100 * backtest.rate_new:.1f} %" in rationale
    assert f"{backtest.mqls_new} of {len(held_out)}" in rationale
    assert f"{backtest.positives} reached SQL or later, {backtest.negatives} were recycled" in (
        rationale
    )
    assert result.action.payload["backtest"]["auc_new"] == auc_new


def test_too_few_outcomes_proposes_nothing_and_says_so(workspace: Workspace) -> None:
    build_population(workspace, size=40)
    positives = sum(
        1 for o in outcomes_known(workspace=workspace)[0] if o.positive
    )  # what the population drew

    result = scoring_refit_run(workspace=workspace)

    assert result.status == "not_enough_outcomes"
    assert result.action is None
    assert result.message == (
        f"not enough outcomes: {positives} positive, {40 - positives} negative, need at least "
        f"{MIN_OUTCOMES} with at least {MIN_PER_CLASS} of each."
    )
    assert not AgentAction.objects.exists()


def test_enough_outcomes_of_one_kind_only_is_too_few(workspace: Workspace) -> None:
    population = build_population(workspace, size=80)
    # Everyone recycled but five.
    keep = sorted(pk for pk, y in population.outcome.items() if y)[:5]
    LifecycleTransition.objects.filter(to_stage=LifecycleStage.SQL).exclude(
        contact_id__in=keep
    ).update(to_stage=LifecycleStage.RECYCLED)

    result = scoring_refit_run(workspace=workspace)

    assert result.status == "not_enough_outcomes"
    assert result.message.startswith("not enough outcomes: 5 positive, 75 negative,")
    assert not AgentAction.objects.exists()


def test_proposing_twice_is_one_action(workspace: Workspace, population: Population) -> None:
    first = scoring_refit_run(workspace=workspace)
    second = scoring_refit_run(workspace=workspace)

    assert first.action is not None
    assert second.action is not None
    assert second.action.pk == first.action.pk
    assert AgentAction.objects.filter(agent=AGENT).count() == 1


def test_a_newer_refit_supersedes_an_undecided_older_one(
    workspace: Workspace, population: Population
) -> None:
    first = scoring_refit_run(workspace=workspace)
    # More outcomes arrive: the refit sees other data and proposes other points.
    build_population(workspace, size=60, seed=99, model=False)
    second = scoring_refit_run(workspace=workspace)

    assert first.action is not None
    assert second.action is not None
    assert second.action.pk != first.action.pk
    first.action.refresh_from_db()
    assert first.action.status == ActionStatus.SUPERSEDED
    assert second.action.status == ActionStatus.PROPOSED


def test_approving_activates_the_version_and_the_old_one_still_answers(
    workspace: Workspace, population: Population, api: APIClient
) -> None:
    action = scoring_refit_run(workspace=workspace).action
    assert action is not None
    assert action_execute(action.pk).status == "skipped"  # not approved: nothing runs

    approver = approver_of(workspace)
    action_approve(action=action, user=approver)
    outcome = action_execute(action.pk)

    assert outcome.status == ActionStatus.SUCCEEDED
    action.refresh_from_db()
    assert action.status == ActionStatus.SUCCEEDED
    active = scoring_model_active(workspace=workspace)
    assert active.version == population.model.version + 1
    assert active.definition == action.payload["definition"]
    assert active.created_by_id == approver.pk
    assert action.result == {"scoring_model": active.pk, "version": active.version, "created": True}

    contact_id = next(iter(population.mql_at))
    at = (NOW + timedelta(days=1)).isoformat()
    now = api.get(f"/api/v1/contacts/{contact_id}/score", {"at": at})
    old = api.get(
        f"/api/v1/contacts/{contact_id}/score",
        {"at": at, "version": str(population.model.version)},
    )
    assert now.status_code == old.status_code == 200
    assert now.json()["model_version"] == active.version
    assert old.json()["model_version"] == population.model.version
    assert old.json()["threshold"] == MODEL["threshold"]


def test_executing_twice_creates_one_version(workspace: Workspace, population: Population) -> None:
    action = scoring_refit_run(workspace=workspace).action
    assert action is not None
    action_approve(action=action, user=approver_of(workspace))

    assert action_execute(action.pk).status == ActionStatus.SUCCEEDED
    assert action_execute(action.pk).status == "skipped"  # the claim is taken
    # A second run of the executor itself (a worker that died before recording success).
    executor = executor_for(KIND)
    assert executor is not None
    again = executor(action, str(action.pk))

    action.refresh_from_db()
    assert again == {**action.result, "created": False}
    assert ScoringModel.objects.filter(workspace=workspace).count() == 2
    assert scoring_model_active(workspace=workspace).version == 2


def test_a_refit_of_a_model_replaced_since_fails_instead_of_undoing_the_change(
    workspace: Workspace, population: Population
) -> None:
    action = scoring_refit_run(workspace=workspace).action
    assert action is not None
    scoring_model_create_version(workspace=workspace, definition=MODEL, note="edited by hand")
    action_approve(action=action, user=approver_of(workspace))

    assert action_execute(action.pk).status == ActionStatus.FAILED
    action.refresh_from_db()
    assert "v2" in action.error
    assert "v1" in action.error
    assert scoring_model_active(workspace=workspace).version == 2


def test_outcomes_are_placed_at_the_mql_moment_before_them(workspace: Workspace) -> None:
    scoring_model_create_version(workspace=workspace, definition=MODEL)
    t = NOW - timedelta(days=100)
    day = timedelta(days=1)
    # recycled once, MQL again, then accepted: positive, at its second MQL
    again = ContactFactory.create(workspace=workspace, lifecycle_stage=LifecycleStage.SQL)
    # accepted without ever being an MQL (sales-sourced): just before the SQL move
    direct = ContactFactory.create(workspace=workspace, lifecycle_stage=LifecycleStage.SQL)
    # recycled twice: negative, at the MQL before the first recycle
    twice = ContactFactory.create(workspace=workspace, lifecycle_stage=LifecycleStage.RECYCLED)
    # imported as a customer: no transition places it in time
    ContactFactory.create(workspace=workspace, lifecycle_stage=LifecycleStage.CUSTOMER)
    # still an MQL: no outcome yet
    pending = ContactFactory.create(workspace=workspace, lifecycle_stage=LifecycleStage.MQL)
    moves = [
        (again, "lead", "mql", t),
        (again, "mql", "recycled", t + day),
        (again, "recycled", "mql", t + 3 * day),
        (again, "mql", "sql", t + 4 * day),
        (direct, "lead", "sql", t + 5 * day),
        (twice, "lead", "mql", t + 6 * day),
        (twice, "mql", "recycled", t + 7 * day),
        (twice, "recycled", "mql", t + 8 * day),
        (twice, "mql", "recycled", t + 9 * day),
        (pending, "lead", "mql", t),
    ]
    LifecycleTransition.objects.bulk_create(
        LifecycleTransition(
            workspace=workspace, contact=c, from_stage=a, to_stage=b, at=at, reason="test"
        )
        for c, a, b, at in moves
    )

    outcomes, unplaced = outcomes_known(workspace=workspace)

    placed = {
        o.contact_id: (o.positive, o.at, o.anchored_on, o.stage, o.outcome_at) for o in outcomes
    }
    assert placed == {
        again.pk: (True, t + 3 * day, "mql", "recycled", t + 4 * day),
        direct.pk: (True, t + 5 * day - timedelta(microseconds=1), "outcome", "lead", t + 5 * day),
        twice.pk: (False, t + 6 * day, "mql", "lead", t + 7 * day),
    }
    assert unplaced == 1

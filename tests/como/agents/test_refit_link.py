"""The version a refit action made is a field of the action (``AgentAction.scoring_model``, read
from the version as ``proposing_action``), not a prefix of the version's note."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from como.agents.models import AgentAction
from como.agents.refit import AGENT, KIND, CannotFit, RefitStatus, scoring_model_version_execute
from como.agents.services import ActionDraft, action_propose
from como.scoring.models import ScoringModel
from como.scoring.services import scoring_model_active, scoring_model_create_version
from como.workspaces.models import Workspace

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module(
    "como.agents.migrations.0004_route_choices_action_scoring_model"
)


def _refit_action(workspace: Workspace) -> AgentAction:
    active = scoring_model_active(workspace=workspace)
    draft = ActionDraft(
        agent=AGENT,
        kind=KIND,
        idempotency_key="refit-link",
        rationale="Refit.",
        payload={"based_on_version": active.version, "definition": active.definition},
    )
    return action_propose(workspace=workspace, proposer=workspace.agent_user, draft=draft).action


def test_the_executor_links_its_version_and_finds_it_again(workspace: Workspace) -> None:
    action = _refit_action(workspace)
    key = str(action.pk)
    # A person's version whose note only looks like the executor's marker is not the refit's.
    active = scoring_model_active(workspace=workspace)
    scoring_model_create_version(
        workspace=workspace,
        definition=active.definition,
        note=f"[agent action {key}] typed by hand",
        activate=False,
    )

    first = scoring_model_version_execute(action, key)
    again = scoring_model_version_execute(action, key)

    assert first["created"] is True
    assert again == {**first, "created": False}
    made = ScoringModel.objects.get(pk=first["scoring_model"])
    assert made.proposing_action == action
    assert ScoringModel.objects.filter(workspace=workspace).count() == 3


def test_the_migration_links_versions_made_before_the_field(workspace: Workspace) -> None:
    action = _refit_action(workspace)
    active = scoring_model_active(workspace=workspace)
    made = scoring_model_create_version(
        workspace=workspace,
        definition=active.definition,
        note=f"[agent action {action.pk}] Refit of v{active.version} by the {AGENT} agent.",
    )
    unrelated = scoring_model_create_version(
        workspace=workspace, definition=active.definition, note="[agent action x] by hand"
    )

    MIGRATION.link_refit_versions(apps, None)

    action.refresh_from_db()
    assert action.scoring_model_id == made.pk
    assert not AgentAction.objects.filter(scoring_model=unrelated).exists()


def test_the_refit_statuses_are_choices_and_a_failed_fit_is_an_exception() -> None:
    assert RefitStatus.CANNOT_FIT == "cannot_fit"
    assert set(RefitStatus.values) == {
        "proposed",
        "not_enough_outcomes",
        "cannot_fit",
        "no_improvement",
        "unchanged",
        "disabled",
    }
    assert issubclass(CannotFit, Exception)

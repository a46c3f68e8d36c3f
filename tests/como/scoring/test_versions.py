"""Scoring model versions: numbering, the one-active invariant, the lazy default model."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from como import verticals
from como.scoring.models import ScoringModel
from como.scoring.services import (
    scoring_model_activate,
    scoring_model_active,
    scoring_model_create_version,
)
from como.workspaces.models import Workspace

pytestmark = pytest.mark.django_db

SMALL = {"threshold": 10, "fit": [], "intent": []}


def active_versions(workspace: Workspace) -> list[int]:
    return list(
        ScoringModel.objects.filter(workspace=workspace, is_active=True).values_list(
            "version", flat=True
        )
    )


def test_the_default_model_is_created_lazily_from_the_vertical(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    assert not ScoringModel.objects.exists()

    first = scoring_model_active(workspace=workspace)
    again = scoring_model_active(workspace=workspace)
    rival = scoring_model_active(workspace=other_workspace)

    assert again.pk == first.pk
    assert (first.version, first.is_active, first.created_by) == (1, True, None)
    assert first.definition == dict(verticals.get("b2b").default_scoring_model)
    assert rival.definition == dict(verticals.get("automotive").default_scoring_model)
    assert "B2B" in first.note or "b2b" in first.note.lower()
    assert ScoringModel.objects.count() == 2


def test_new_versions_are_numbered_and_exactly_one_is_active(workspace: Workspace) -> None:
    v1 = scoring_model_active(workspace=workspace)
    v2 = scoring_model_create_version(workspace=workspace, definition=SMALL, note="tighter")
    v3 = scoring_model_create_version(workspace=workspace, definition=SMALL, activate=False)

    assert (v2.version, v3.version) == (2, 3)
    assert active_versions(workspace) == [2]
    v1.refresh_from_db()
    assert v1.definition == dict(verticals.get("b2b").default_scoring_model)  # untouched

    scoring_model_activate(model=v1)
    assert active_versions(workspace) == [1]
    assert scoring_model_active(workspace=workspace).pk == v1.pk


def test_the_first_version_is_active_even_when_asked_not_to_be(workspace: Workspace) -> None:
    model = scoring_model_create_version(workspace=workspace, definition=SMALL, activate=False)
    assert (model.version, model.is_active) == (1, True)


def test_versions_are_numbered_per_workspace(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    scoring_model_create_version(workspace=workspace, definition=SMALL)
    scoring_model_create_version(workspace=workspace, definition=SMALL)
    assert scoring_model_create_version(workspace=other_workspace, definition=SMALL).version == 1


def test_an_invalid_definition_is_refused_with_rule_paths(workspace: Workspace) -> None:
    bad = {
        "threshold": 50,
        "intent": [{"key": "pricing", "event_type": "page_view", "points": 5, "cap": {"count": 0}}],
    }
    with pytest.raises(ValidationError) as caught:
        scoring_model_create_version(workspace=workspace, definition=bad)

    assert caught.value.message_dict == {
        "definition": ["intent[0].cap.count: must be > 0", "intent[0].cap.per_days: is required"]
    }
    assert not ScoringModel.objects.exists()


def test_a_definition_must_be_an_object(workspace: Workspace) -> None:
    with pytest.raises(ValidationError) as caught:
        scoring_model_create_version(workspace=workspace, definition=[1, 2])  # type: ignore[arg-type]
    assert caught.value.message_dict == {"definition": ["(model): must be a JSON object"]}


def test_the_database_refuses_a_second_active_version(workspace: Workspace) -> None:
    scoring_model_active(workspace=workspace)
    with pytest.raises(IntegrityError), transaction.atomic():
        ScoringModel.objects.create(
            workspace=workspace, version=2, definition=SMALL, is_active=True
        )


def test_the_database_refuses_a_duplicate_version(workspace: Workspace) -> None:
    scoring_model_active(workspace=workspace)
    with pytest.raises(IntegrityError), transaction.atomic():
        ScoringModel.objects.create(workspace=workspace, version=1, definition=SMALL)

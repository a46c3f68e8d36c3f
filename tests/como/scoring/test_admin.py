"""The scoring model admin: editing stores version n+1, never changes a version."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from como.scoring.models import ScoringModel
from como.scoring.services import scoring_model_active
from como.workspaces.models import Workspace
from tests.factories import member_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


def change_url(model: ScoringModel) -> str:
    return reverse("admin:scoring_scoringmodel_change", args=[model.pk])


def test_editing_creates_the_next_version(workspace: Workspace) -> None:
    client = member_client(workspace, "owner")
    v1 = scoring_model_active(workspace=workspace)
    original = dict(v1.definition)

    page = client.get(change_url(v1))
    assert page.status_code == 200
    assert "\n  &quot;threshold&quot;: 70" in page.content.decode()  # pretty-printed

    edited = {**original, "threshold": 80}
    response = client.post(
        change_url(v1), {"definition": json.dumps(edited), "note": "stricter threshold"}
    )

    v2 = ScoringModel.objects.get(workspace=workspace, version=2)
    assert response.status_code == 302
    assert response["Location"] == change_url(v2)
    assert (v2.definition, v2.note, v2.is_active) == (edited, "stricter threshold", True)
    assert v2.created_by is not None
    assert v2.created_by.username == f"owner-of-{workspace.slug}"
    v1.refresh_from_db()
    assert (v1.definition, v1.is_active) == (original, False)
    assert ScoringModel.objects.filter(workspace=workspace).count() == 2


def test_invalid_edits_show_rule_paths_on_the_form(workspace: Workspace) -> None:
    client = member_client(workspace, "owner")
    v1 = scoring_model_active(workspace=workspace)
    broken = {**v1.definition, "decay": {"rate_per_quarter": 1.5}}

    response = client.post(change_url(v1), {"definition": json.dumps(broken), "note": ""})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "definition": ["decay.rate_per_quarter: must be < 1"]
    }
    assert ScoringModel.objects.filter(workspace=workspace).count() == 1


def test_saving_without_changes_creates_nothing(workspace: Workspace) -> None:
    client = member_client(workspace, "owner")
    v1 = scoring_model_active(workspace=workspace)
    response = client.post(
        change_url(v1), {"definition": json.dumps(v1.definition), "note": v1.note}
    )
    assert response.status_code == 302
    assert ScoringModel.objects.filter(workspace=workspace).count() == 1


def test_activate_an_older_version(workspace: Workspace) -> None:
    client = member_client(workspace, "marketer")
    v1 = scoring_model_active(workspace=workspace)
    client.post(change_url(v1), {"definition": json.dumps({"threshold": 5}), "note": ""})

    response = client.post(
        reverse("admin:scoring_scoringmodel_changelist"),
        {"action": "activate", "_selected_action": [v1.pk]},
    )

    assert response.status_code == 302
    active = ScoringModel.objects.filter(workspace=workspace, is_active=True)
    assert list(active.values_list("version", flat=True)) == [1]


def test_viewers_can_read_but_not_edit(workspace: Workspace) -> None:
    client = member_client(workspace, "viewer")
    v1 = scoring_model_active(workspace=workspace)

    assert client.get(change_url(v1)).status_code == 200
    response = client.post(change_url(v1), {"definition": json.dumps({"threshold": 5})})

    assert response.status_code == 403
    assert ScoringModel.objects.filter(workspace=workspace).count() == 1

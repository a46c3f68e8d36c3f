"""The audiences API: CRUD through the services, the preview's count and sample, field errors
for a bad rule, and another workspace's audiences out of reach."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from como.audiences.models import SavedAudience
from como.audiences.services import audience_create
from como.workspaces.models import Workspace
from tests.factories import ContactFactory, member_api_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


def test_an_audience_is_saved_previewed_changed_and_deleted(
    workspace: Workspace, api: APIClient
) -> None:
    for n in range(3):
        ContactFactory.create(workspace=workspace, email=f"c{n}@example.com", country="CA")
    ContactFactory.create(workspace=workspace, email="us@example.com", country="US")
    made = api.post(
        "/api/v1/audiences",
        {"name": "Canada", "rule": {"countries": ["CA"]}},
        format="json",
    )
    assert made.status_code == 201, made.content
    audience_id = made.json()["id"]
    assert made.json()["rule"] == {"countries": ["CA"]}
    preview = api.get(f"/api/v1/audiences/{audience_id}/preview").json()
    assert preview["count"] == 3
    assert sorted(p["email"] for p in preview["sample"]) == [
        "c0@example.com",
        "c1@example.com",
        "c2@example.com",
    ]
    changed = api.patch(
        f"/api/v1/audiences/{audience_id}", {"rule": {"countries": ["CA", "US"]}}, format="json"
    )
    assert changed.status_code == 200, changed.content
    assert api.get(f"/api/v1/audiences/{audience_id}/preview").json()["count"] == 4
    listed = api.get("/api/v1/audiences").json()["results"]
    assert [a["name"] for a in listed] == ["Canada"]
    assert api.delete(f"/api/v1/audiences/{audience_id}").status_code == 204
    assert not SavedAudience.objects.exists()


def test_a_bad_rule_or_a_taken_name_is_a_400_by_field(workspace: Workspace, api: APIClient) -> None:
    audience_create(workspace=workspace, name="Owners", rule={"stages": ["customer"]})
    cases = [
        (
            {"name": "X", "rule": {"event": {"type": "visit", "within_days": -1}}},
            "rule.event.within_days",
        ),
        ({"name": "X", "rule": {"stages": ["vip"]}}, "rule"),
        ({"name": "X", "rule": "everyone"}, "rule"),
        ({"name": "X"}, "rule"),
        ({"name": "Owners", "rule": {"countries": ["US"]}}, "name"),
    ]
    for body, field in cases:
        response = api.post("/api/v1/audiences", body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert field in response.json(), (body, response.json())
    assert SavedAudience.objects.count() == 1


def test_another_workspaces_audience_is_404_and_a_viewer_cannot_write(
    workspace: Workspace,
    other_workspace: Workspace,
    key_client: Callable[[Workspace], APIClient],
) -> None:
    theirs = audience_create(workspace=other_workspace, name="Theirs", rule={"countries": ["US"]})
    mine = key_client(workspace)
    assert mine.get(f"/api/v1/audiences/{theirs.pk}").status_code == 404
    assert mine.get(f"/api/v1/audiences/{theirs.pk}/preview").status_code == 404
    assert mine.delete(f"/api/v1/audiences/{theirs.pk}").status_code == 404
    ours = audience_create(workspace=workspace, name="Ours", rule={"countries": ["US"]})
    viewer = member_api_client(workspace, "viewer")
    assert viewer.get(f"/api/v1/audiences/{ours.pk}/preview").status_code == 200
    assert viewer.delete(f"/api/v1/audiences/{ours.pk}").status_code == 403
    assert (
        viewer.post("/api/v1/audiences", {"name": "N", "rule": {}}, format="json").status_code
        == 403
    )
    assert SavedAudience.objects.filter(pk=ours.pk).exists()

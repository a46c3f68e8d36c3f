"""The scoring API over HTTP: scores at two instants with exact numbers, versions, tenancy.

Expected numbers are computed here from the rule points and the decay formula
``w * 0.75 ** (days / 91.3)``, not by calling the engine.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from rest_framework.test import APIClient

from como.scoring.models import ScoringModel
from como.workspaces.models import Workspace
from tests.como.scoring.expected import decayed
from tests.factories import ContactFactory, member_api_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

MODEL: dict[str, Any] = {
    "threshold": 50,
    "min_fit": 10,
    "decay": {"rate_per_quarter": 0.25},
    "fit": [
        {
            "key": "senior_title",
            "when": {"attr": "contact.title", "regex": r"\bvp\b"},
            "points": 15,
        },
        {
            "key": "free_mail",
            "when": {"attr": "contact.email_domain", "free_email_domain": True},
            "points": -10,
        },
    ],
    "intent": [
        {
            "key": "pricing_page",
            "event_type": "page_view",
            "when": {"property": "path", "starts_with": "/pricing"},
            "points": 20,
            "cap": {"count": 2, "per_days": 30},
        },
        {
            "key": "careers_page",
            "event_type": "page_view",
            "when": {"property": "path", "starts_with": "/careers"},
            "points": -5,
        },
    ],
}
E1 = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)  # pricing
E2 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)  # pricing
E3 = datetime(2026, 1, 10, 10, 0, tzinfo=UTC)  # pricing: the third in 30 days, capped
E4 = datetime(2026, 1, 20, 10, 0, tzinfo=UTC)  # careers


def score(client: APIClient, contact_id: int, **query: str) -> Any:
    return client.get(f"/api/v1/contacts/{contact_id}/score", query)


@pytest.fixture
def scored_contact(api: APIClient, workspace: Workspace) -> int:
    """A VP with three pricing views (one capped) and a careers view, ingested over HTTP,
    scored by MODEL as version 2 (version 1 is the vertical's default)."""
    created = api.post(
        "/api/v1/contacts",
        {"email": "ana@acme-buyer.com", "title": "VP of Data"},
        format="json",
    )
    assert created.status_code == 201, created.content
    events = [
        {
            "id": f"e{n}",
            "type": "page_view",
            "occurred_at": when.isoformat(),
            "properties": {"path": path},
            "contact": {"email": "ana@acme-buyer.com"},
        }
        for n, (when, path) in enumerate(
            [(E1, "/pricing"), (E2, "/pricing/enterprise"), (E3, "/pricing"), (E4, "/careers")],
            start=1,
        )
    ]
    ingested = api.post(
        "/api/v1/events", data=json.dumps({"events": events}), content_type="application/json"
    )
    assert ingested.status_code == 200, ingested.content
    contact_id: int = created.json()["id"]
    # The first read creates version 1 from the b2b default.
    assert score(api, contact_id).json()["model_version"] == 1
    posted = member_api_client(workspace, "owner").post(
        "/api/v1/scoring-models", {"definition": MODEL, "note": "test model"}, format="json"
    )
    assert posted.status_code == 201, posted.content
    assert (posted.json()["version"], posted.json()["is_active"]) == (2, True)
    return contact_id


def test_score_and_breakdown_at_two_instants(api: APIClient, scored_contact: int) -> None:
    t1 = datetime(2026, 1, 10, 10, 0, tzinfo=UTC)  # E3 has happened (and is capped), E4 not
    t2 = datetime(2026, 4, 20, 16, 30, tzinfo=UTC)

    first = score(api, scored_contact, at="2026-01-10T10:00:00Z")
    # The same instant written with another offset.
    second = score(api, scored_contact, at="2026-04-20T18:30:00+02:00")

    assert first.status_code == 200, first.content
    intent1 = decayed(20, E1, t1) + decayed(20, E2, t1)
    assert first.json() == {
        "contact": scored_contact,
        "at": "2026-01-10T10:00:00Z",
        "score": round(15 + intent1, 2),
        "fit": 15.0,
        "intent": round(intent1, 2),
        "threshold": 50.0,
        "min_fit": 10.0,
        "is_mql": True,
        "stage": "subscriber",
        "model_version": 2,
        "breakdown": [
            {"rule": "senior_title", "kind": "fit", "points": 15.0},
            {"rule": "pricing_page", "kind": "intent", "points": round(intent1, 2)},
        ],
    }
    assert round(intent1, 2) == 39.13  # 20·0.75^(9/91.3) + 20·0.75^(5/91.3)

    assert second.status_code == 200, second.content
    pricing2 = decayed(20, E1, t2) + decayed(20, E2, t2)
    careers2 = decayed(-5, E4, t2)
    body = second.json()
    assert body["at"] == "2026-04-20T16:30:00Z"
    assert body["breakdown"] == [
        {"rule": "senior_title", "kind": "fit", "points": 15.0},
        {"rule": "pricing_page", "kind": "intent", "points": round(pricing2, 2)},
        {"rule": "careers_page", "kind": "intent", "points": round(careers2, 2)},
    ]
    assert (body["fit"], body["intent"], body["score"]) == (
        15.0,
        round(pricing2 + careers2, 2),
        round(15 + pricing2 + careers2, 2),
    )
    assert body["is_mql"] is False  # decayed below the threshold of 50
    assert body["score"] < 50


def test_an_older_version_still_answers(api: APIClient, scored_contact: int) -> None:
    old = score(api, scored_contact, at="2026-01-10T10:00:00Z", version="1")
    current = score(api, scored_contact, at="2026-01-10T10:00:00Z", version="2")
    missing = score(api, scored_contact, version="7")

    assert old.status_code == 200, old.content
    assert old.json()["model_version"] == 1
    assert old.json()["threshold"] == 70.0  # the b2b default's threshold
    assert current.json()["model_version"] == 2
    assert missing.status_code == 404


@pytest.mark.parametrize(
    "at", ["yesterday", "2026-01-10T10:00:00", "2026-13-01T00:00:00Z", "0001-01-01T00:00+05:00"]
)
def test_a_bad_instant_is_a_field_error(api: APIClient, workspace: Workspace, at: str) -> None:
    contact = ContactFactory.create(workspace=workspace)
    response = score(api, contact.pk, at=at)
    assert response.status_code == 400
    assert list(response.json()) == ["at"]


def test_default_instant_is_now(api: APIClient, workspace: Workspace) -> None:
    contact = ContactFactory.create(workspace=workspace)
    before = datetime.now(UTC)
    body = score(api, contact.pk).json()
    assert datetime.fromisoformat(body["at"]) >= before.replace(microsecond=0)
    assert body["model_version"] == 1


def test_another_workspaces_contact_is_404(api: APIClient, other_workspace: Workspace) -> None:
    foreign = ContactFactory.create(workspace=other_workspace)
    assert score(api, foreign.pk).status_code == 404
    assert not ScoringModel.objects.filter(workspace=other_workspace).exists()


def test_an_invalid_definition_is_400_with_the_rule_path(workspace: Workspace) -> None:
    bad = {**MODEL, "intent": [{**MODEL["intent"][0], "cap": {"count": 2, "per_days": 0}}]}
    response = member_api_client(workspace, "marketer").post(
        "/api/v1/scoring-models", {"definition": bad}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"definition": ["intent[0].cap.per_days: must be > 0"]}
    assert not ScoringModel.objects.exists()


def test_api_keys_and_viewers_cannot_create_versions(api: APIClient, workspace: Workspace) -> None:
    by_key = api.post("/api/v1/scoring-models", {"definition": MODEL}, format="json")
    by_viewer = member_api_client(workspace, "viewer").post(
        "/api/v1/scoring-models", {"definition": MODEL}, format="json"
    )
    assert by_key.status_code == 403
    assert by_viewer.status_code == 403
    assert not ScoringModel.objects.exists()


def test_versions_are_listed_newest_first(
    api: APIClient,
    key_client: Callable[[Workspace], APIClient],
    workspace: Workspace,
    other_workspace: Workspace,
) -> None:
    client = member_api_client(workspace, "owner")
    client.post("/api/v1/scoring-models", {"definition": MODEL}, format="json")
    client.post("/api/v1/scoring-models", {"definition": MODEL, "activate": False}, format="json")
    key_client(other_workspace)  # another tenant exists
    listed = api.get("/api/v1/scoring-models").json()["results"]

    assert [(m["version"], m["is_active"]) for m in listed] == [(2, False), (1, True)]
    assert listed[0]["created_by"] == f"owner-of-{workspace.slug}"
    assert api.get(f"/api/v1/scoring-models/{listed[1]['id']}").json()["definition"] == MODEL

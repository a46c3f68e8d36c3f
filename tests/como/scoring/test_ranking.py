"""``GET /api/v1/contacts?ordering=-score``: exact ranking by current score, at one instant.

Expected orders are computed from each contact's exact score (the engine, from its events) at
the same instant, not from the stored state the ranking reads.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from como.leads.models import Contact
from como.scoring import ranking
from como.scoring.selectors import contact_score_at
from como.scoring.services import scoring_model_create_version
from como.workspaces.models import Workspace
from tests.como.scoring.expected import decayed
from tests.factories import member_client

pytestmark = pytest.mark.django_db

MODEL: dict[str, Any] = {
    "threshold": 1000,  # nobody becomes an MQL here: the stage is not under test
    "decay": {"rate_per_quarter": 0.25},
    "fit": [
        {"key": "vp", "when": {"attr": "contact.title", "regex": r"(?i)\bvp\b"}, "points": 30},
        {"key": "cto", "when": {"attr": "contact.title", "contains": "CTO"}, "points": 50},
        {"key": "student", "when": {"attr": "contact.title", "contains": "Student"}, "points": -20},
    ],
    "intent": [
        {
            "key": "pricing",
            "event_type": "page_view",
            "when": {"property": "path", "starts_with": "/pricing"},
            "points": 20,
        },
        {
            "key": "careers",
            "event_type": "page_view",
            "when": {"property": "path", "starts_with": "/careers"},
            "points": -15,
        },
    ],
}
TITLES = ["VP Sales", "CTO", "Student", "Engineer", "VP and CTO"]
PATHS = ["/pricing", "/pricing/team", "/careers", "/blog"]


@pytest.fixture(autouse=True)
def model(workspace: Workspace) -> None:
    scoring_model_create_version(workspace=workspace, definition=MODEL, note="test")


def post(api: APIClient, path: str, data: Any) -> Any:
    return api.post(path, data=json.dumps(data), content_type="application/json")


def populate(api: APIClient, contacts: int, seed: int = 7) -> list[int]:
    """Contacts with mixed fit and positive, zero and negative intent of mixed ages."""
    rng = random.Random(seed)
    now = timezone.now()
    ids = []
    events = []
    for n in range(contacts):
        email = f"p{n}@example.com"
        response = post(api, "/api/v1/contacts", {"email": email, "title": rng.choice(TITLES)})
        assert response.status_code == 201, response.content
        ids.append(response.json()["id"])
        for m in range(rng.randrange(0, 4)):
            events.append(
                {
                    "id": f"e{n}-{m}",
                    "type": "page_view",
                    "occurred_at": (now - timedelta(days=rng.randrange(0, 400))).isoformat(),
                    "properties": {"path": rng.choice(PATHS)},
                    "contact": {"email": email},
                }
            )
    response = post(api, "/api/v1/events", {"events": events})
    assert response.status_code == 200, response.content
    return ids


def exact_order(ids: list[int], at: Any) -> list[tuple[int, float]]:
    scores = [(pk, contact_score_at(contact=Contact.objects.get(pk=pk), at=at).score) for pk in ids]
    return sorted(scores, key=lambda item: (-item[1], -item[0]))


def ranked(api: APIClient, **params: Any) -> Any:
    response = api.get("/api/v1/contacts", {"ordering": "-score", **params})
    assert response.status_code == 200, response.content
    return response.json()


def test_the_ranking_is_the_exact_current_order(api: APIClient) -> None:
    ids = populate(api, 60)
    signs = set(Contact.objects.values_list("score__score_intent_sign", flat=True))
    assert signs == {-1, 0, 1}  # every branch of the ranking is exercised
    at = timezone.now() + timedelta(minutes=1)
    body = ranked(api, at=at.isoformat())
    expected = exact_order(ids, at)
    assert [row["id"] for row in body["results"]] == [pk for pk, _ in expected]
    assert [row["score"] for row in body["results"]] == [round(s, 2) for _, s in expected]
    assert body["next"] is None
    assert body["previous"] is None


def test_the_order_changes_as_intent_decays(api: APIClient) -> None:
    # A: fit 50, intent 20 now (70). B: fit 0, 4 pricing views now (80). Two years on, B's
    # intent is 80 * 0.75 ** 8 ≈ 8.0 and A's total 50 + 2.0 ≈ 52.0: A leads.
    now = timezone.now()
    a = post(api, "/api/v1/contacts", {"email": "a@example.com", "title": "CTO"}).json()["id"]
    b = post(api, "/api/v1/contacts", {"email": "b@example.com"}).json()["id"]
    views = [("a@example.com", "a1"), *[("b@example.com", f"b{n}") for n in range(4)]]
    events = [
        {
            "id": event_id,
            "type": "page_view",
            "occurred_at": now.isoformat(),
            "properties": {"path": "/pricing"},
            "contact": {"email": email},
        }
        for email, event_id in views
    ]
    assert post(api, "/api/v1/events", {"events": events}).status_code == 200
    soon = now + timedelta(minutes=1)
    assert [row["id"] for row in ranked(api, at=soon.isoformat())["results"]] == [b, a]
    later = now + timedelta(days=730.4)  # 8 quarters of 91.3 days
    body = ranked(api, at=later.isoformat())
    assert [row["id"] for row in body["results"]] == [a, b]
    as_of = Contact.objects.get(pk=a).score.score_as_of
    assert as_of is not None
    assert body["results"][0]["score"] == round(50 + decayed(20, as_of, later), 2)


def test_pages_keep_the_first_pages_instant(api: APIClient, settings: Any) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "PAGE_SIZE": 2}
    ids = populate(api, 30, seed=11)
    at = timezone.now() + timedelta(days=100)
    expected = exact_order(ids, at)
    seen: list[int] = []
    body = ranked(api, at=at.isoformat())
    pages = 1
    while body["next"]:
        seen += [row["id"] for row in body["results"]]
        response = api.get(body["next"])
        assert response.status_code == 200, response.content
        body = response.json()
        pages += 1
    seen += [row["id"] for row in body["results"]]
    # 30 contacts in 5 fit groups: a page of 2 is shorter than the groups, so the first pages
    # really are cut from the per-fit index scans, not from whole groups.
    assert pages == 15
    assert seen == [pk for pk, _ in expected]
    previous = api.get(body["previous"]).json()
    assert [row["id"] for row in previous["results"]] == seen[26:28]


def test_filters_apply_to_the_ranking(api: APIClient) -> None:
    ids = populate(api, 40, seed=3)
    Contact.objects.filter(pk__in=ids[::3]).update(lifecycle_stage="lead")
    at = timezone.now() + timedelta(minutes=1)
    body = ranked(api, at=at.isoformat(), lifecycle_stage="lead")
    assert [row["id"] for row in body["results"]] == [pk for pk, _ in exact_order(ids[::3], at)]


def test_deep_pages_sort_in_full_and_agree_with_the_index_path(
    api: APIClient, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    populate(api, 50, seed=5)
    at = timezone.now() + timedelta(days=3)
    contacts = Contact.objects.filter(workspace=workspace)
    indexed = ranking.contacts_ranked(contacts, workspaces=[workspace], at=at, offset=1, limit=2)
    expected = exact_order(list(contacts.values_list("pk", flat=True)), at)[1:3]
    assert [pk for pk, _ in indexed] == [pk for pk, _ in expected]
    monkeypatch.setattr(ranking, "MAX_INDEXED_DEPTH", 0)
    sorted_ = ranking.contacts_ranked(contacts, workspaces=[workspace], at=at, offset=1, limit=2)
    assert [pk for pk, _ in sorted_] == [pk for pk, _ in indexed]
    assert [score for _, score in sorted_] == pytest.approx([s for _, s in indexed], rel=1e-12)


def test_other_workspaces_never_appear(
    api: APIClient,
    other_workspace: Workspace,
    key_client: Callable[[Workspace], APIClient],
) -> None:
    mine = populate(api, 5)
    theirs = populate(key_client(other_workspace), 5)
    body = ranked(api)
    assert sorted(row["id"] for row in body["results"]) == sorted(mine)
    assert not set(theirs) & {row["id"] for row in body["results"]}


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"ordering": "score"}, 400, "ordering"),
        ({"ordering": "-score", "at": "yesterday"}, 400, "at"),
        ({"ordering": "-score", "at": "2020-01-01T00:00:00Z"}, 400, "at"),
        ({"ordering": "-score", "cursor": "not-a-cursor"}, 400, "cursor"),
    ],
)
def test_bad_ranking_requests(
    api: APIClient, params: dict[str, str], status: int, field: str | None
) -> None:
    response = api.get("/api/v1/contacts", params)
    assert response.status_code == status, response.content
    if field:
        assert field in response.json()


def test_every_contact_shows_its_current_score(api: APIClient) -> None:
    now = timezone.now()
    contact = post(api, "/api/v1/contacts", {"email": "s@example.com", "title": "VP"}).json()
    assert contact["score"] == 30.0
    event = {
        "id": "s1",
        "type": "page_view",
        "occurred_at": (now - timedelta(days=91.3)).isoformat(),
        "properties": {"path": "/pricing"},
        "contact": {"email": "s@example.com"},
    }
    assert post(api, "/api/v1/events", event).status_code == 200
    shown = api.get(f"/api/v1/contacts/{contact['id']}").json()["score"]
    assert shown == pytest.approx(30 + 15.0, abs=0.01)  # 20 points a quarter ago count 15
    listed = api.get("/api/v1/contacts").json()["results"]
    assert [row["score"] for row in listed] == [shown]


@pytest.mark.usefixtures("fast_passwords")
def test_the_admin_list_sorts_by_the_current_score(api: APIClient, workspace: Workspace) -> None:
    ids = populate(api, 25, seed=9)
    client = member_client(workspace)
    url = reverse("admin:leads_contact_changelist")
    page = client.get(url, {"o": "-4"})  # column 4 is "score now" (0 is the checkbox)
    assert page.status_code == 200
    rows = list(page.context["cl"].result_list)
    expected = exact_order(ids, timezone.now())
    assert [contact.pk for contact in rows] == [pk for pk, _ in expected]
    # The page was scored a moment before ``expected``: intent decays ~1e-9 a second.
    assert [contact.score_now for contact in rows] == pytest.approx(
        [score for _, score in expected], rel=1e-6
    )

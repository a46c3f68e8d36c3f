"""Scores move on ingest: stored state, MQL moves, fit re-scored on edits, bounded queries.

Expected numbers are computed here from the rule points and ``w * 0.75 ** (days / 91.3)``,
not by calling the engine. The stored state is measured at ``score_as_of`` (the time of the
ingest), so expectations are computed from the stored ``score_as_of``.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from como.leads.models import Contact, LifecycleStage, LifecycleTransition
from como.scoring.services import contacts_rescore, scoring_model_create_version
from como.workspaces.models import Workspace
from tests.como.scoring.expected import decayed

pytestmark = pytest.mark.django_db

MODEL: dict[str, Any] = {
    "threshold": 50,
    "min_fit": 10,
    "decay": {"rate_per_quarter": 0.25},
    "fit": [
        {
            "key": "senior_title",
            "when": {"attr": "contact.title", "regex": r"(?i)\bvp\b"},
            "points": 15,
        }
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
            "key": "demo_page",
            "event_type": "page_view",
            "when": {"property": "path", "starts_with": "/demo"},
            "points": 30,
        },
    ],
}
KEY_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def model(workspace: Workspace) -> None:
    scoring_model_create_version(workspace=workspace, definition=MODEL, note="test")


def create_contact(api: APIClient, email: str, **fields: Any) -> int:
    response = api.post("/api/v1/contacts", {"email": email, **fields}, format="json")
    assert response.status_code == 201, response.content
    contact_id: int = response.json()["id"]
    return contact_id


def post_events(api: APIClient, email: str, views: list[tuple[str, str, datetime]]) -> None:
    events = [
        {
            "id": event_id,
            "type": "page_view",
            "occurred_at": when.isoformat(),
            "properties": {"path": path},
            "contact": {"email": email},
        }
        for event_id, path, when in views
    ]
    response = api.post(
        "/api/v1/events", data=json.dumps({"events": events}), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert all(item["status"] == "created" for item in response.json()["results"]), response.json()


def test_ingest_stores_the_exact_score_state(api: APIClient) -> None:
    contact_id = create_contact(api, "ana@acme-buyer.com", title="VP of Data")
    now = timezone.now()
    e1, e2, e3 = now - timedelta(days=40), now - timedelta(days=10), now - timedelta(days=9)
    # The cap is 2 per 30 days: e1 is 30 days before e2, outside e3's window; all three count.
    post_events(api, "ana@acme-buyer.com", [("a1", "/pricing", e1), ("a2", "/pricing", e2)])
    post_events(api, "ana@acme-buyer.com", [("a3", "/pricing/team", e3)])

    contact = Contact.objects.get(pk=contact_id)
    as_of = contact.score_as_of
    assert as_of is not None
    assert now <= as_of <= timezone.now()
    intent = decayed(20, e1, as_of) + decayed(20, e2, as_of) + decayed(20, e3, as_of)
    assert contact.score_fit == 15.0
    assert contact.score_intent == pytest.approx(intent, rel=1e-12)
    assert contact.score_model_version == 1
    quarters = (as_of - KEY_EPOCH).total_seconds() / 86_400 / 91.3
    assert contact.score_intent_key == pytest.approx(
        math.log(intent) - math.log(0.75) * quarters, rel=1e-12
    )
    # 15 + ~54.6 ≥ 50 with fit 15 ≥ 10: an MQL (from subscriber, the default stage).
    assert contact.lifecycle_stage == LifecycleStage.MQL

    # The stored state agrees with the score API at score_as_of.
    answer = api.get(f"/api/v1/contacts/{contact_id}/score", {"at": as_of.isoformat()}).json()
    assert answer["fit"] == round(contact.score_fit, 2)
    assert answer["intent"] == round(contact.score_intent, 2)
    assert answer["score"] == round(contact.score_fit + contact.score_intent, 2)
    assert answer["model_version"] == 1

    # And decays to any later instant exactly as the API says.
    later = as_of + timedelta(days=91.3)
    answer = api.get(f"/api/v1/contacts/{contact_id}/score", {"at": later.isoformat()}).json()
    assert answer["intent"] == round(contact.score_intent * 0.75, 2)


def test_crossing_the_threshold_moves_a_lead_to_mql_once(api: APIClient) -> None:
    contact_id = create_contact(api, "bo@acme-buyer.com", title="VP Sales", lifecycle_stage="lead")
    now = timezone.now()
    post_events(api, "bo@acme-buyer.com", [("b1", "/pricing", now - timedelta(days=2))])
    contact = Contact.objects.get(pk=contact_id)
    assert contact.lifecycle_stage == LifecycleStage.LEAD  # 15 + ~19.7 < 50
    assert not LifecycleTransition.objects.filter(contact_id=contact_id).exists()

    post_events(api, "bo@acme-buyer.com", [("b2", "/demo", now - timedelta(days=1))])
    contact = Contact.objects.get(pk=contact_id)
    assert contact.lifecycle_stage == LifecycleStage.MQL
    (transition,) = LifecycleTransition.objects.filter(contact_id=contact_id)
    as_of = contact.score_as_of
    assert as_of is not None
    expected = (
        15
        + decayed(20, now - timedelta(days=2), as_of)
        + decayed(30, now - timedelta(days=1), as_of)
    )
    assert (transition.from_stage, transition.to_stage) == ("lead", "mql")
    assert transition.actor_kind == "system"
    assert transition.actor_id is None
    assert transition.score == pytest.approx(expected, rel=1e-12)
    assert transition.workspace_id == contact.workspace_id
    assert "threshold of 50" in transition.reason
    assert "v1" in transition.reason

    # More events keep it an MQL and record nothing more.
    post_events(api, "bo@acme-buyer.com", [("b3", "/demo", now - timedelta(hours=1))])
    assert LifecycleTransition.objects.filter(contact_id=contact_id).count() == 1
    assert Contact.objects.get(pk=contact_id).lifecycle_stage == LifecycleStage.MQL


def test_below_min_fit_never_becomes_mql(api: APIClient) -> None:
    contact_id = create_contact(api, "cy@acme-buyer.com", lifecycle_stage="lead")
    now = timezone.now()
    post_events(
        api,
        "cy@acme-buyer.com",
        [("c1", "/demo", now - timedelta(days=1)), ("c2", "/demo/live", now - timedelta(hours=2))],
    )
    contact = Contact.objects.get(pk=contact_id)
    assert contact.score_fit == 0.0
    assert contact.score_intent > 50  # the score passes the threshold, the fit does not
    assert contact.lifecycle_stage == LifecycleStage.LEAD
    assert not LifecycleTransition.objects.filter(contact_id=contact_id).exists()


def test_recycled_contacts_are_not_promoted_by_score(api: APIClient) -> None:
    contact_id = create_contact(
        api, "di@acme-buyer.com", title="VP Ops", lifecycle_stage="recycled"
    )
    now = timezone.now()
    post_events(
        api,
        "di@acme-buyer.com",
        [("d1", "/demo", now - timedelta(days=1)), ("d2", "/demo", now - timedelta(hours=1))],
    )
    assert Contact.objects.get(pk=contact_id).lifecycle_stage == LifecycleStage.RECYCLED


def test_patching_the_title_rescores_fit(api: APIClient) -> None:
    contact_id = create_contact(api, "ed@acme-buyer.com", title="Engineer")
    contact = Contact.objects.get(pk=contact_id)
    assert (contact.score_fit, contact.score_intent, contact.score_model_version) == (0.0, 0.0, 1)
    assert contact.score_intent_key is None

    response = api.patch(
        f"/api/v1/contacts/{contact_id}", {"title": "VP Engineering"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert Contact.objects.get(pk=contact_id).score_fit == 15.0


def test_a_stage_set_by_hand_is_recorded(api: APIClient) -> None:
    contact_id = create_contact(api, "fy@acme-buyer.com")
    response = api.patch(
        f"/api/v1/contacts/{contact_id}", {"lifecycle_stage": "sql"}, format="json"
    )
    assert response.status_code == 200, response.content
    (transition,) = LifecycleTransition.objects.filter(contact_id=contact_id)
    assert (transition.from_stage, transition.to_stage, transition.actor_kind) == (
        "subscriber",
        "sql",
        "api_key",
    )


def _batch(prefix: str, contacts: int, per_contact: int, now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "id": f"{prefix}-{c}-{n}",
            "type": "page_view",
            "occurred_at": (now - timedelta(hours=n + 1)).isoformat(),
            "properties": {"path": "/demo" if n % 2 else "/pricing"},
            "contact": {"email": f"{prefix}{c}@example.com"},
        }
        for c in range(contacts)
        for n in range(per_contact)
    ]


def test_rescoring_a_1000_event_batch_takes_a_bounded_number_of_queries(
    api: APIClient, workspace: Workspace
) -> None:
    """Counted with CaptureQueriesContext around contacts_rescore, whose every statement goes
    through Django's cursor (the ingest COPY/INSERT run on the raw psycopg connection and are
    not counted by Django, so the whole POST is not measured here)."""
    now = timezone.now()
    events = _batch("big", contacts=250, per_contact=4, now=now)
    assert len(events) == 1000
    response = api.post(
        "/api/v1/events", data=json.dumps({"events": events}), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    big = list(Contact.objects.filter(email__startswith="big").values_list("pk", flat=True))
    assert len(big) == 250
    # Everyone was scored by the ingest: 2 pricing + 2 demo views ≈ 100 points, fit 0.
    assert not Contact.objects.filter(pk__in=big, score_as_of__isnull=True).exists()

    # Give them a title so the next rescore promotes them all (the stage change path too).
    Contact.objects.filter(pk__in=big).update(title="VP", lifecycle_stage="lead")
    with CaptureQueriesContext(connection) as many:
        result = contacts_rescore(workspace=workspace, contact_ids=big)
    assert len(result.promoted) == 250
    assert LifecycleTransition.objects.filter(contact_id__in=big).count() == 250

    small = big[:2]
    Contact.objects.filter(pk__in=small).update(lifecycle_stage="lead")
    with CaptureQueriesContext(connection) as few:
        result = contacts_rescore(workspace=workspace, contact_ids=small)
    assert len(result.promoted) == 2
    # The same statements for 250 contacts as for 2: the active model, the contacts, their
    # events, the state UPDATE, the stage UPDATE and the transitions INSERT (savepoints of the
    # nested atomic blocks aside).
    assert statements(many) == statements(few)
    assert len(statements(many)) == 6


def statements(captured: CaptureQueriesContext) -> list[str]:
    return [
        query["sql"].split()[0]
        for query in captured.captured_queries
        if "SAVEPOINT" not in query["sql"]
    ]

"""Scores move on ingest: stored state, MQL moves, fit re-scored on edits, bounded queries.

Expected numbers are computed here from the rule points and ``w * 0.75 ** (days / 91.3)``,
not by calling the engine. The stored state is measured at ``score_as_of`` (the time of the
ingest), so expectations are computed from the stored ``score_as_of``.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import patch

import psycopg
import pytest
from django.db import transaction
from django.utils import timezone
from psycopg import sql
from rest_framework.test import APIClient

from como.ingest import services as ingest_services
from como.leads import reactions
from como.leads.models import Contact, LifecycleStage, LifecycleTransition
from como.scoring.score_state import contacts_rescore
from como.scoring.services import scoring_model_create_version
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
    as_of = contact.score.score_as_of
    assert as_of is not None
    assert now <= as_of <= timezone.now()
    intent = decayed(20, e1, as_of) + decayed(20, e2, as_of) + decayed(20, e3, as_of)
    assert contact.score.score_fit == 15.0
    assert contact.score.score_intent == pytest.approx(intent, rel=1e-12)
    assert contact.score.score_model_version == 1
    quarters = (as_of - KEY_EPOCH).total_seconds() / 86_400 / 91.3
    assert contact.score.score_intent_sign == 1
    assert contact.score.score_intent_key == pytest.approx(
        math.log(intent) - math.log(0.75) * quarters, rel=1e-12
    )
    # 15 + ~54.6 ≥ 50 with fit 15 ≥ 10: an MQL (from subscriber, the default stage).
    assert contact.lifecycle_stage == LifecycleStage.MQL

    # The stored state agrees with the score API at score_as_of.
    answer = api.get(f"/api/v1/contacts/{contact_id}/score", {"at": as_of.isoformat()}).json()
    assert answer["fit"] == round(contact.score.score_fit, 2)
    assert answer["intent"] == round(contact.score.score_intent, 2)
    assert answer["score"] == round(contact.score.score_fit + contact.score.score_intent, 2)
    assert answer["model_version"] == 1

    # And decays to any later instant exactly as the API says.
    later = as_of + timedelta(days=91.3)
    answer = api.get(f"/api/v1/contacts/{contact_id}/score", {"at": later.isoformat()}).json()
    assert answer["intent"] == round(contact.score.score_intent * 0.75, 2)


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
    as_of = contact.score.score_as_of
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
    assert contact.score.score_fit == 0.0
    assert contact.score.score_intent > 50  # the score passes the threshold, the fit does not
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
    assert (
        contact.score.score_fit,
        contact.score.score_intent,
        contact.score.score_model_version,
    ) == (0.0, 0.0, 1)
    assert (contact.score.score_intent_sign, contact.score.score_intent_key) == (0, None)

    response = api.patch(
        f"/api/v1/contacts/{contact_id}", {"title": "VP Engineering"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert Contact.objects.get(pk=contact_id).score.score_fit == 15.0


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
    api: APIClient, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counted around contacts_rescore (the full path). Scoring's own statements: the
    stage-changed reactions (the MQL handoff) are counted by their own tests."""
    monkeypatch.setattr(reactions.STAGE_CHANGED, "handlers", [])
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
    assert not Contact.objects.filter(pk__in=big, score__score_as_of__isnull=True).exists()

    # Give them a title so the next rescore promotes them all (the stage change path too).
    Contact.objects.filter(pk__in=big).update(title="VP", lifecycle_stage="lead")
    with executed() as many:
        result = contacts_rescore(workspace=workspace, contact_ids=big)
    assert len(result.promoted) == 250
    assert LifecycleTransition.objects.filter(contact_id__in=big).count() == 250

    small = big[:2]
    Contact.objects.filter(pk__in=small).update(lifecycle_stage="lead")
    with executed() as few:
        result = contacts_rescore(workspace=workspace, contact_ids=small)
    assert len(result.promoted) == 2
    # The same statements for 250 contacts as for 2: the active model, the lock of the
    # contacts (in id order, before their history is read), the contacts, their events, the
    # state UPDATE, the stage UPDATE and the transitions INSERT (savepoints of the nested
    # atomic blocks aside).
    assert statements(many) == statements(few)
    assert len(statements(many)) == 7


@contextmanager
def executed() -> Iterator[list[str]]:
    """Every statement run through psycopg meanwhile, Django's cursors and raw ones alike
    (scoring uses raw cursors for server-side binding, which CaptureQueriesContext misses).
    It observes: each statement still runs."""
    seen: list[str] = []
    original = psycopg.Cursor.execute

    def spy(cursor: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        text = query.as_string(cursor) if isinstance(query, sql.Composable) else str(query)
        seen.append(" ".join(text.split()))
        return original(cursor, query, *args, **kwargs)

    with patch.object(psycopg.Cursor, "execute", spy):
        yield seen


@pytest.fixture
def scoring_sql() -> Iterator[list[str]]:
    """The statements of scoring calls made by ingest (and only those), as they run. The
    stage-changed reactions (the MQL handoff proposal) are switched off: not scoring's."""
    seen: list[str] = []
    original = ingest_services.contacts_score_events

    def observed(**kwargs: Any) -> Any:
        with executed() as statements:
            try:
                return original(**kwargs)
            finally:
                seen.extend(statements)

    with (
        patch.object(ingest_services, "contacts_score_events", observed),
        reactions.STAGE_CHANGED.override(),
    ):
        yield seen


def statements(seen: list[str]) -> list[str]:
    return [text.split()[0] for text in seen if "SAVEPOINT" not in text]


# --- the incremental path ---------------------------------------------------------------------


def event_reads(seen: list[str]) -> list[str]:
    return [text for text in seen if '"leads_event"' in text or "leads_event" in text.split()]


def test_in_order_batches_are_folded_into_the_state_without_reading_history(
    api: APIClient, scoring_sql: list[str]
) -> None:
    contact_id = create_contact(api, "inc@acme-buyer.com", title="Engineer")
    now = timezone.now()
    # Nine pricing views 5 days apart (cap 2 per 30 days) and a demo view, posted in order in
    # four batches: which ones the cap lets through depends on views in earlier batches.
    days = [60, 55, 50, 45, 40, 35, 30, 25, 20]
    views = [(f"p{d}", "/pricing", now - timedelta(days=d)) for d in days]
    views.append(("demo", "/demo", now - timedelta(days=1)))
    batches = [views[0:3], views[3:5], views[5:8], views[8:]]
    post_events(api, "inc@acme-buyer.com", batches[0])  # first scoring: a full one
    for batch in batches[1:]:
        scoring_sql.clear()
        post_events(api, "inc@acme-buyer.com", batch)
        assert statements(scoring_sql)  # it was observed
        assert event_reads(scoring_sql) == []  # scored from the stored state alone

    contact = Contact.objects.get(pk=contact_id)
    as_of = contact.score.score_as_of
    assert as_of is not None
    # By hand: counted pricing views are those with fewer than 2 counted in the 30 days before:
    # 60, 55 count; 50, 45, 40, 35 don't (60 and 55 are within 30 days of each until 30);
    # 30 counts (60 is exactly 30 days earlier, so out); 25 counts (55 is 30 days before).
    # 20 doesn't (30 and 25 counted within 30 days).
    counted = [60, 55, 30, 25]
    intent = sum(decayed(20, now - timedelta(days=d), as_of) for d in counted)
    intent += decayed(30, now - timedelta(days=1), as_of)
    assert contact.score.score_intent == pytest.approx(intent, rel=1e-12)
    # The stored cap window is the last two counted pricing views, in microseconds.
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    assert contact.score.score_caps == {
        "pricing_page": [
            (now - timedelta(days=d) - epoch) // timedelta(microseconds=1) for d in (30, 25)
        ]
    }
    # The incremental state is what a full recompute stores (to float rounding).
    full = contacts_rescore(workspace=contact.workspace, contact_ids=[contact_id], at=as_of)
    assert full.states[contact_id].intent == pytest.approx(contact.score.score_intent, rel=1e-12)
    assert full.states[contact_id].as_of == as_of


def test_a_late_event_is_scored_from_the_whole_history(
    api: APIClient, scoring_sql: list[str]
) -> None:
    contact_id = create_contact(api, "late@acme-buyer.com", title="Engineer")
    now = timezone.now()
    d20, d15, d10 = (now - timedelta(days=d) for d in (20, 15, 10))
    post_events(api, "late@acme-buyer.com", [("a", "/pricing", d20), ("b", "/pricing", d10)])
    # d15 arrives last but happened before d10: with the cap of 2, d20 and d15 count and d10
    # no longer does. Only the history can tell, so the contact is scored in full.
    scoring_sql.clear()
    post_events(api, "late@acme-buyer.com", [("c", "/pricing", d15)])
    assert len(event_reads(scoring_sql)) == 1

    contact = Contact.objects.get(pk=contact_id)
    as_of = contact.score.score_as_of
    assert as_of is not None
    expected = decayed(20, d20, as_of) + decayed(20, d15, as_of)
    assert contact.score.score_intent == pytest.approx(expected, rel=1e-12)
    assert contact.score.last_seen_at == d10


def test_a_late_event_no_capped_rule_counts_is_folded_in_without_the_history(
    api: APIClient, scoring_sql: list[str]
) -> None:
    contact_id = create_contact(api, "later@acme-buyer.com", title="Engineer")
    now = timezone.now()
    d20, d15, d12, d10, d5 = (now - timedelta(days=d) for d in (20, 15, 12, 10, 5))
    post_events(api, "later@acme-buyer.com", [("a", "/pricing", d20), ("b", "/pricing", d10)])
    # All before d10, the last event stored: /demo counts uncapped and /blog counts for no
    # rule, so neither can change what the pricing cap counted. d5 comes after and meets the
    # stored window: d20 and d10 both within 30 days of it, the cap of 2 is full.
    scoring_sql.clear()
    post_events(
        api,
        "later@acme-buyer.com",
        [("c", "/demo", d15), ("d", "/blog", d12), ("e", "/pricing", d5)],
    )
    assert event_reads(scoring_sql) == []

    contact = Contact.objects.get(pk=contact_id)
    as_of = contact.score.score_as_of
    assert as_of is not None
    expected = decayed(20, d20, as_of) + decayed(20, d10, as_of) + decayed(30, d15, as_of)
    assert contact.score.score_intent == pytest.approx(expected, rel=1e-12)
    assert (contact.score.first_seen_at, contact.score.last_seen_at) == (d20, d5)
    # The history gives the same score (to float rounding).
    full = contacts_rescore(workspace=contact.workspace, contact_ids=[contact_id], at=as_of)
    assert full.states[contact_id].intent == pytest.approx(expected, rel=1e-12)


def test_a_late_event_after_its_capped_rules_last_count_is_folded_in_without_the_history(
    api: APIClient, scoring_sql: list[str]
) -> None:
    contact_id = create_contact(api, "capped@acme-buyer.com", title="Engineer")
    now = timezone.now()
    d20, d12, d5 = (now - timedelta(days=d) for d in (20, 12, 5))
    post_events(api, "capped@acme-buyer.com", [("a", "/pricing", d20), ("z", "/blog", d5)])
    # d12 is late (before d5) but after d20, the last pricing view the cap counted: nothing
    # the cap counted comes after it, so the stored window decides. One of 2 in 30 days: counts.
    scoring_sql.clear()
    post_events(api, "capped@acme-buyer.com", [("c", "/pricing", d12)])
    assert event_reads(scoring_sql) == []

    contact = Contact.objects.get(pk=contact_id)
    as_of = contact.score.score_as_of
    assert as_of is not None
    expected = decayed(20, d20, as_of) + decayed(20, d12, as_of)
    assert contact.score.score_intent == pytest.approx(expected, rel=1e-12)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    micros = [(d - epoch) // timedelta(microseconds=1) for d in (d20, d12)]
    assert contact.score.score_caps == {"pricing_page": micros}
    assert (contact.score.first_seen_at, contact.score.last_seen_at) == (d20, d5)
    full = contacts_rescore(workspace=contact.workspace, contact_ids=[contact_id], at=as_of)
    assert full.states[contact_id].intent == pytest.approx(expected, rel=1e-12)
    assert full.states[contact_id].caps == {"pricing_page": micros}


def test_late_events_in_any_order_store_what_the_history_gives(
    api: APIClient, scoring_sql: list[str]
) -> None:
    """Random arrival orders and batch sizes: after every batch, the stored state (whichever
    path made it) is the full recompute's, cap windows included."""
    rng = random.Random(19)
    now = timezone.now()
    folded_late = 0
    for trial in range(6):
        email = f"order{trial}@acme-buyer.com"
        contact_id = create_contact(api, email, title="Engineer")  # fit 0: never near MQL
        paths = ["/pricing"] * 5 + ["/demo", "/blog"]
        views = [
            (f"t{trial}-{n}", rng.choice(paths), now - timedelta(days=rng.randrange(90)))
            for n in range(24)
        ]
        rng.shuffle(views)
        latest: datetime | None = None
        while views:
            size = rng.randint(1, 4)
            batch, views = views[:size], views[size:]
            scoring_sql.clear()
            post_events(api, email, batch)
            if latest is not None and not event_reads(scoring_sql):
                folded_late += any(when <= latest for _, _, when in batch)
            latest = max([when for _, _, when in batch] + ([latest] if latest else []))
            contact = Contact.objects.get(pk=contact_id)
            with transaction.atomic():  # the recompute stores its state: undo it
                full = contacts_rescore(
                    workspace=contact.workspace,
                    contact_ids=[contact_id],
                    at=contact.score.score_as_of,
                ).states[contact_id]
                transaction.set_rollback(True)
            assert contact.score.score_intent == pytest.approx(full.intent, rel=1e-9, abs=1e-9)
            assert contact.score.score_caps == full.caps
            assert contact.score.score_as_of == full.as_of
    assert folded_late  # the late-event fast path was taken


def test_crossing_the_threshold_incrementally_is_confirmed_with_the_exact_score(
    api: APIClient, scoring_sql: list[str]
) -> None:
    contact_id = create_contact(api, "cross@acme-buyer.com", title="VP Sales")
    now = timezone.now()
    post_events(api, "cross@acme-buyer.com", [("x1", "/pricing", now - timedelta(days=3))])
    assert Contact.objects.get(pk=contact_id).lifecycle_stage == LifecycleStage.SUBSCRIBER
    scoring_sql.clear()
    post_events(api, "cross@acme-buyer.com", [("x2", "/demo", now - timedelta(days=1))])
    assert len(event_reads(scoring_sql)) == 1  # near the threshold: the history decides

    contact = Contact.objects.get(pk=contact_id)
    assert contact.lifecycle_stage == LifecycleStage.MQL
    (transition,) = LifecycleTransition.objects.filter(contact_id=contact_id)
    as_of = contact.score.score_as_of
    assert as_of is not None
    exact = (
        15
        + decayed(20, now - timedelta(days=3), as_of)
        + decayed(30, now - timedelta(days=1), as_of)
    )
    assert transition.score == pytest.approx(exact, rel=1e-12)


def test_scoring_1000_new_events_of_scored_contacts_takes_three_statements(
    api: APIClient, workspace: Workspace, scoring_sql: list[str]
) -> None:
    now = timezone.now()
    first = _batch("inc", contacts=250, per_contact=4, now=now - timedelta(days=1))
    response = api.post(
        "/api/v1/events", data=json.dumps({"events": first}), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    # Engineers (fit 0) never reach MQL's min fit, so nothing needs an exact confirmation.
    later = _batch("inc", contacts=250, per_contact=4, now=now)
    for item in later:
        item["id"] = "later-" + item["id"]
    scoring_sql.clear()
    response = api.post(
        "/api/v1/events", data=json.dumps({"events": later}), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    # The active model, the contacts' stored state, then one UPDATE for all 250.
    assert statements(scoring_sql) == ["SELECT", "SELECT", "UPDATE"], scoring_sql
    assert "scoring_scoringmodel" in next(text for text in scoring_sql if "SAVEPOINT" not in text)
    assert event_reads(scoring_sql) == []

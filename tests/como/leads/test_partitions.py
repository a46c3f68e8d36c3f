"""Events partitioned by month: partitions made ahead and for stray months, retention drops
whole old months, and scores behave as COMO_EVENT_RETENTION_MONTHS documents (the stored state
keeps the dropped events' decayed points until a rescore; the score API no longer counts them).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from como.ingest.services import events_ingest
from como.leads import partitions
from como.leads.models import Contact, Event, EventKey
from como.leads.partitions import (
    add_months,
    event_partitions,
    event_partitions_drop_old,
    event_partitions_ensure,
    month_start,
    partition_for,
)
from como.scoring.score_state import contacts_rescore
from como.scoring.selectors import contact_score_at, contacts_current_scores
from como.scoring.services import scoring_model_create_version
from como.workspaces.models import Workspace
from tests.como.scoring.expected import decayed

pytestmark = pytest.mark.django_db

MODEL: dict[str, Any] = {
    "threshold": 500,
    "decay": {"rate_per_quarter": 0.25},
    "fit": [],
    "intent": [{"key": "demo", "event_type": "page_view", "points": 30}],
}


def _partition_of(event: Event) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM leads_event WHERE id = %s", [event.pk])
        (name,) = cursor.fetchone()
    return str(name)


def _ingest(workspace: Workspace, instants: list[datetime]) -> Contact:
    results = events_ingest(
        workspace=workspace,
        events=[
            {
                "id": f"e{n}",
                "type": "page_view",
                "occurred_at": at.isoformat(),
                "contact": {"email": "ann@example.com"},
                "properties": {"path": "/demo"},
            }
            for n, at in enumerate(instants)
        ],
    )
    assert [r.status for r in results] == ["created"] * len(instants)
    return Contact.objects.get(workspace=workspace, email="ann@example.com")


def test_month_arithmetic() -> None:
    assert month_start(datetime(2026, 3, 31, 23, 59, tzinfo=UTC)) == datetime(
        2026, 3, 1, tzinfo=UTC
    )
    assert add_months(datetime(2026, 11, 1, tzinfo=UTC), 3) == datetime(2027, 2, 1, tzinfo=UTC)
    assert add_months(datetime(2026, 1, 1, tzinfo=UTC), -1) == datetime(2025, 12, 1, tzinfo=UTC)
    assert partitions.retention_cutoff(datetime(2026, 3, 31, tzinfo=UTC), 1) == datetime(
        2026, 2, 28, tzinfo=UTC
    )
    assert partition_for(datetime(2026, 2, 14, tzinfo=UTC)).name == "leads_event_p202602"


def test_partitions_ahead_are_made_once() -> None:
    now = datetime(2031, 5, 20, tzinfo=UTC)
    created = event_partitions_ensure(now=now, ahead=2)
    assert created == ["leads_event_p203105", "leads_event_p203106", "leads_event_p203107"]
    assert event_partitions_ensure(now=now, ahead=2) == []
    names = {p.name for p in event_partitions()}
    assert {"leads_event_p203105", "leads_event_p203106", "leads_event_p203107"} <= names


def test_stray_month_moves_out_of_the_default_partition(workspace: Workspace) -> None:
    scoring_model_create_version(workspace=workspace, definition=MODEL, note="test")
    old = datetime(2019, 7, 4, 12, tzinfo=UTC)
    contact = _ingest(workspace, [old])
    event = Event.objects.get(contact=contact)
    assert _partition_of(event) == "leads_event_default"
    assert "leads_event_p201907" in event_partitions_ensure(ahead=0)
    assert _partition_of(event) == "leads_event_p201907"
    # Same row, same id: readers see nothing move.
    assert Event.objects.get(pk=event.pk).occurred_at == old
    # A re-sent id is a duplicate across months, whatever instant it carries now.
    again = events_ingest(
        workspace=workspace,
        events=[
            {
                "id": "e0",
                "type": "page_view",
                "occurred_at": timezone.now().isoformat(),
                "contact": {"email": "ann@example.com"},
            }
        ],
    )
    assert [r.status for r in again] == ["duplicate"]
    assert Event.objects.filter(workspace=workspace).count() == 1


def test_dropping_an_old_partition_leaves_scores_as_documented(workspace: Workspace) -> None:
    scoring_model_create_version(workspace=workspace, definition=MODEL, note="test")
    now = timezone.now()
    this_month = month_start(now)
    instants = [add_months(this_month, -k) + timedelta(days=14, hours=9) for k in (5, 4, 3)]
    contact = _ingest(workspace, instants)
    event_partitions_ensure(ahead=0)
    events = {e.event_id: e for e in Event.objects.filter(contact=contact)}
    assert [_partition_of(events[f"e{n}"]) for n in range(3)] == [
        partition_for(at).name for at in instants
    ]
    at = timezone.now()  # after the ingest: the stored state is as of then
    stored_before = contacts_current_scores([contact], at)[contact.pk]
    explained_before = contact_score_at(contact=contact, at=at).score
    expected = sum(decayed(30, t, at) for t in instants)
    assert stored_before == pytest.approx(expected, rel=1e-9)
    assert explained_before == pytest.approx(expected, rel=1e-9)

    # Four months' retention: the oldest month is wholly older, the next is not.
    assert event_partitions_drop_old(months=4, dry_run=True) == [partition_for(instants[0]).name]
    dropped = event_partitions_drop_old(months=4)
    assert dropped == [partition_for(instants[0]).name]
    assert partition_for(instants[0]).name not in {p.name for p in event_partitions()}
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [dropped[0]])
        assert cursor.fetchone() == (None,)
    assert sorted(Event.objects.filter(contact=contact).values_list("event_id", flat=True)) == [
        "e1",
        "e2",
    ]

    # As documented: the stored score (ranked list, MQL decisions) is not recomputed and
    # still holds the dropped event's decayed points; the score API explains from the events
    # that remain; a rescore brings the stored state down to it.
    contact.refresh_from_db()
    assert contacts_current_scores([contact], at)[contact.pk] == stored_before
    lost = decayed(30, instants[0], at)
    explained_after = contact_score_at(contact=contact, at=at).score
    assert explained_after == pytest.approx(expected - lost, rel=1e-9)
    contacts_rescore(workspace=workspace, contact_ids=[contact.pk], at=at)
    contact.refresh_from_db()
    assert contacts_current_scores([contact], at)[contact.pk] == pytest.approx(
        explained_after, rel=1e-9
    )
    # Nothing else goes: a second pass drops nothing.
    assert event_partitions_drop_old(months=4) == []


def test_without_retention_nothing_is_dropped(settings: Any) -> None:
    settings.COMO_EVENT_RETENTION_MONTHS = None
    event_partitions_ensure(now=datetime(2020, 1, 10, tzinfo=UTC), ahead=0)
    assert event_partitions_drop_old() == []
    assert "leads_event_p202001" in {p.name for p in event_partitions()}
    with pytest.raises(ValueError, match="at least one month"):
        event_partitions_drop_old(months=0)


def test_command_drops_by_setting(settings: Any, capsys: pytest.CaptureFixture[str]) -> None:
    settings.COMO_EVENT_RETENTION_MONTHS = 1200  # a century: only the 1900s go
    event_partitions_ensure(now=datetime(1901, 1, 10, tzinfo=UTC), ahead=0)
    call_command("drop_old_event_partitions")
    assert "dropped 1 partition(s): leads_event_p190101" in capsys.readouterr().out


def test_beat_task_makes_ahead_and_drops_by_setting(settings: Any) -> None:
    from como.leads.tasks import maintain_event_partitions

    assert "como.leads.maintain_event_partitions" in settings.CELERY_BEAT_SCHEDULE
    settings.COMO_EVENT_RETENTION_MONTHS = 1200
    settings.COMO_EVENT_PARTITIONS_AHEAD = 1
    event_partitions_ensure(now=datetime(1902, 3, 1, tzinfo=UTC), ahead=0)
    done = maintain_event_partitions()
    assert done["dropped"] == ["leads_event_p190203"]
    ahead = partition_for(add_months(month_start(timezone.now()), 1)).name
    assert ahead in {p.name for p in event_partitions()}
    assert maintain_event_partitions() == {"created": [], "dropped": []}


def test_dropping_a_month_forgets_its_event_ids(workspace: Workspace) -> None:
    """The key table (EventKey) keeps ids across months; a dropped month's ids go with its
    events, so such an id sent again is stored again, while the kept months' ids are still
    duplicates."""
    this_month = month_start(timezone.now())
    instants = [add_months(this_month, -k) + timedelta(days=14, hours=9) for k in (5, 3)]
    _ingest(workspace, instants)
    event_partitions_ensure(ahead=0)
    assert set(EventKey.objects.filter(workspace=workspace).values_list("event_id", flat=True)) == {
        "e0",
        "e1",
    }

    assert event_partitions_drop_old(months=4) == [partition_for(instants[0]).name]

    assert list(
        EventKey.objects.filter(workspace=workspace).values_list("event_id", flat=True)
    ) == ["e1"]
    again = events_ingest(
        workspace=workspace,
        events=[
            {
                "id": event_id,
                "type": "page_view",
                "occurred_at": timezone.now().isoformat(),
                "contact": {"email": "ann@example.com"},
            }
            for event_id in ("e0", "e1")
        ],
    )
    assert [r.status for r in again] == ["created", "duplicate"]

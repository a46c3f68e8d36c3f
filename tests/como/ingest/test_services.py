"""The ingest service against PostgreSQL: results in order, duplicates, partial rejection."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from como.ingest.services import EventResult, events_ingest
from como.leads.models import Contact, Event
from como.workspaces.models import Workspace

from .helpers import event

pytestmark = pytest.mark.django_db

INVALID: dict[int, tuple[dict[str, Any], str]] = {
    # index: (how the event is broken, the field the error is reported under)
    17: ({"occurred_at": "2026-01-01T10:00:00"}, "occurred_at"),
    101: ({"type": "Page View"}, "type"),
    202: ({"contact": {}}, "contact"),
    303: ({"contact": {"email": "nope"}}, "contact.email"),
    404: ({"properties": "not an object"}, "properties"),
    505: ({"id": ""}, "id"),
    606: ({"occurred_at": "2099-01-01T00:00:00Z"}, "occurred_at"),
    707: ({"utm": {"source": "s" * 201}}, "utm.source"),
    808: ({"extra": True}, "extra"),
    909: ({"occurred_at": None}, "occurred_at"),
}
#: index: index of the earlier event whose id it repeats
DUPLICATES = {50: 10, 150: 149, 450: 0, 750: 700, 999: 998}


def acceptance_batch() -> list[dict[str, Any]]:
    """1,000 events: 10 invalid, 5 repeating an earlier id, 985 to store."""
    events = []
    for index in range(1000):
        item = event(f"evt-{index}", contact={"email": f"person{index % 200}@example.com"})
        if index in INVALID:
            item.update(INVALID[index][0])
        if index in DUPLICATES:
            item["id"] = f"evt-{DUPLICATES[index]}"
        events.append(item)
    return events


def statuses(results: list[EventResult]) -> dict[str, int]:
    counts = {"created": 0, "duplicate": 0, "rejected": 0}
    for result in results:
        counts[result.status] += 1
    return counts


def test_acceptance_batch_stores_985_and_explains_the_other_15(workspace: Workspace) -> None:
    batch = acceptance_batch()

    results = events_ingest(workspace=workspace, events=batch)

    assert [r.index for r in results] == list(range(1000))
    assert statuses(results) == {"created": 985, "duplicate": 5, "rejected": 10}
    assert Event.objects.filter(workspace=workspace).count() == 985
    for index, (_, field) in INVALID.items():
        result = results[index]
        assert result.status == "rejected", index
        assert result.errors is not None
        assert list(result.errors) == [field], (index, result.errors)
    assert results[505].id is None  # an empty id is not echoed back
    assert results[17].id == "evt-17"
    for index, first in DUPLICATES.items():
        assert results[index] == EventResult(index, f"evt-{first}", "duplicate")
    # the first occurrence wins: the repeat's payload is not stored in its place
    assert Event.objects.get(workspace=workspace, event_id="evt-0").contact.email == (
        "person0@example.com"
    )
    assert Contact.objects.filter(workspace=workspace).count() == 200


def test_posting_the_same_batch_again_stores_nothing_new(workspace: Workspace) -> None:
    batch = acceptance_batch()
    events_ingest(workspace=workspace, events=batch)
    contacts_before = set(Contact.objects.filter(workspace=workspace).values_list("id", "email"))

    again = events_ingest(workspace=workspace, events=batch)

    assert statuses(again) == {"created": 0, "duplicate": 990, "rejected": 10}
    assert {r.index for r in again if r.status == "rejected"} == set(INVALID)
    assert Event.objects.filter(workspace=workspace).count() == 985
    assert set(Contact.objects.filter(workspace=workspace).values_list("id", "email")) == (
        contacts_before
    )


def test_a_batch_overlapping_a_stored_one(workspace: Workspace) -> None:
    events_ingest(workspace=workspace, events=[event("a"), event("b")])
    results = events_ingest(workspace=workspace, events=[event("b"), event("c"), event("a")])
    assert [r.status for r in results] == ["duplicate", "created", "duplicate"]
    assert Event.objects.filter(workspace=workspace).count() == 3


def test_stored_fields(workspace: Workspace) -> None:
    received = datetime(2026, 1, 2, 8, 0, tzinfo=UTC)
    item = event(
        "evt-1",
        type="form_submit",
        occurred_at="2026-01-01T11:30:00+01:00",
        properties={"form": "demo", "fields": {"size": 250}, "tags": ["a", "b"]},
        utm={"source": "google", "medium": "cpc", "campaign": "spring", "term": "crm"},
    )
    events_ingest(workspace=workspace, events=[item], source="segment", received_at=received)

    stored = Event.objects.get(workspace=workspace, event_id="evt-1")
    assert stored.type == "form_submit"
    assert stored.occurred_at == datetime(2026, 1, 1, 10, 30, tzinfo=UTC)
    assert stored.received_at == received
    assert stored.source == "segment"
    assert stored.properties == {"form": "demo", "fields": {"size": 250}, "tags": ["a", "b"]}
    assert (stored.utm_source, stored.utm_medium, stored.utm_campaign) == (
        "google",
        "cpc",
        "spring",
    )
    assert (stored.utm_term, stored.utm_content) == ("crm", "")
    assert stored.contact.email == "evt-1@example.com"


def test_event_ids_are_unique_per_workspace_not_globally(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    first = events_ingest(workspace=workspace, events=[event("evt-1")])
    second = events_ingest(workspace=other_workspace, events=[event("evt-1")])
    assert first[0].status == second[0].status == "created"
    ana_here, ana_there = (
        Contact.objects.get(workspace=ws, email="evt-1@example.com")
        for ws in (workspace, other_workspace)
    )
    assert ana_here.pk != ana_there.pk


def test_an_all_rejected_batch_touches_nothing(workspace: Workspace) -> None:
    results = events_ingest(workspace=workspace, events=[{"id": "x"}, "junk"])
    assert [r.status for r in results] == ["rejected", "rejected"]
    assert Event.objects.count() == 0
    assert Contact.objects.count() == 0


def test_python_callers_may_pass_datetimes(workspace: Workspace) -> None:
    when = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    (result,) = events_ingest(workspace=workspace, events=[event("evt-1", occurred_at=when)])
    assert result.status == "created"
    assert Event.objects.get(event_id="evt-1").occurred_at == when


def test_source_longer_than_the_column_is_a_programming_error(workspace: Workspace) -> None:
    with pytest.raises(ValueError, match="source must be at most 64"):
        events_ingest(workspace=workspace, events=[event("a")], source="s" * 65)


def test_first_and_last_seen_move_with_the_events(workspace: Workspace) -> None:
    ana = {"email": "ana@example.com"}
    events_ingest(
        workspace=workspace,
        events=[
            event("a", contact=ana, occurred_at="2026-01-03T10:00:00Z"),
            event("b", contact=ana, occurred_at="2026-01-01T10:00:00Z"),
            event("c", contact=ana, occurred_at="2026-01-02T10:00:00Z"),
        ],
    )
    contact = Contact.objects.get(workspace=workspace, email="ana@example.com")
    assert contact.score.first_seen_at == datetime(2026, 1, 1, 10, 0, tzinfo=UTC)
    assert contact.score.last_seen_at == datetime(2026, 1, 3, 10, 0, tzinfo=UTC)

    # A later event moves only last seen; an earlier (late-arriving) one only first seen.
    events_ingest(
        workspace=workspace, events=[event("d", contact=ana, occurred_at="2026-01-05T10:00:00Z")]
    )
    events_ingest(
        workspace=workspace, events=[event("e", contact=ana, occurred_at="2025-12-30T10:00:00Z")]
    )
    contact.refresh_from_db()
    assert contact.score.first_seen_at == datetime(2025, 12, 30, 10, 0, tzinfo=UTC)
    assert contact.score.last_seen_at == datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


def test_properties_round_trip_through_jsonb(workspace: Workspace) -> None:
    properties = {"regex": "\\u0000", "emoji": "🚗", "nested": {"n": 1.5, "big": 2**70}}
    events_ingest(workspace=workspace, events=[event("evt-1", properties=properties)])
    assert Event.objects.get(workspace=workspace).properties == properties

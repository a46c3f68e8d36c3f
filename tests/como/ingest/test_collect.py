"""POST /api/v1/events/collect: validated at the edge, buffered, stored by the drain."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from rest_framework.test import APIClient

from como.ingest import buffer
from como.ingest.buffer import MAX_FAILURES, buffer_backlog, buffer_drain
from como.ingest.models import AcceptedEvent
from como.leads.models import Contact, Event
from como.workspaces.models import Workspace

from .helpers import event

pytestmark = pytest.mark.django_db

URL = "/api/v1/events/collect"


def collect(client: APIClient, body: Any, **extra: Any) -> Any:
    return client.post(URL, data=json.dumps(body), content_type="application/json", **extra)


def test_an_accepted_event_is_buffered_then_stored_and_scored_by_the_drain(
    api: APIClient, workspace: Workspace
) -> None:
    response = collect(api, event("a", type="form_submit"))

    assert response.status_code == 202
    assert response.json() == {"id": "a", "status": "accepted"}
    assert not Event.objects.filter(workspace=workspace).exists()  # not before the drain
    (row,) = AcceptedEvent.objects.filter(workspace=workspace)
    assert json.loads(row.payload)["id"] == "a"
    assert row.source == "api"

    assert buffer_drain() == 1

    stored = Event.objects.get(workspace=workspace, event_id="a")
    assert (stored.type, stored.source, stored.received_at) == (
        "form_submit",
        "api",
        row.accepted_at,
    )
    assert stored.contact.email == "a@example.com"
    assert not AcceptedEvent.objects.exists()
    assert buffer_backlog() == (0, None)


def test_a_rejected_event_answers_400_with_its_field_errors_and_buffers_nothing(
    api: APIClient,
) -> None:
    response = collect(api, event("a", type="Page View", contact={"email": "nope"}))

    assert response.status_code == 400
    assert set(response.json()) == {"type", "contact.email"}
    assert not AcceptedEvent.objects.exists()


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ('{"events": []}', "application/json", 400),
        ("[1, 2]", "application/json", 400),
        ("{not json", "application/json", 400),
        ("", "application/json", 400),
        ("id=a", "text/plain", 415),
    ],
)
def test_what_is_not_one_event_is_refused(
    api: APIClient, body: str, content_type: str, status: int
) -> None:
    response = api.post(URL, data=body, content_type=content_type)

    assert response.status_code == status
    assert not AcceptedEvent.objects.exists()


def test_no_key_no_entry(workspace: Workspace) -> None:
    assert collect(APIClient(), event("a")).status_code == 401
    assert not AcceptedEvent.objects.exists()


def test_the_key_of_another_workspace_cannot_name_this_one(
    api: APIClient, other_workspace: Workspace
) -> None:
    response = collect(api, event("a"), HTTP_X_COMO_WORKSPACE=other_workspace.slug)

    assert response.status_code == 404
    assert not AcceptedEvent.objects.exists()


def test_a_repeated_id_is_stored_once(api: APIClient, workspace: Workspace) -> None:
    for _ in range(3):
        assert collect(api, event("a")).status_code == 202
    buffer_drain()
    assert collect(api, event("a")).status_code == 202  # after it was stored, too
    buffer_drain()

    assert Event.objects.filter(workspace=workspace, event_id="a").count() == 1
    assert not AcceptedEvent.objects.exists()


def test_the_drain_takes_batches_per_workspace_in_acceptance_order(
    api: APIClient,
    workspace: Workspace,
    other_workspace: Workspace,
    key_client: Callable[[Workspace], APIClient],
) -> None:
    other = key_client(other_workspace)
    for n in range(5):
        collect(api, event(f"a{n}", contact={"email": "same@example.com"}))
        collect(other, event(f"b{n}", contact={"email": "same@example.com"}))

    assert buffer_drain(limit=4) == 4
    assert AcceptedEvent.objects.count() == 6
    assert buffer_drain(limit=100) == 6

    assert Event.objects.filter(workspace=workspace).count() == 5
    assert Event.objects.filter(workspace=other_workspace).count() == 5
    assert Contact.objects.filter(email="same@example.com").count() == 2  # one per workspace


def test_a_failing_drain_rolls_back_and_keeps_the_rows(
    api: APIClient, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(3):
        collect(api, event(f"a{n}"))
    real = buffer.events_ingest

    def fails_on_a1(**kwargs: Any) -> Any:
        if any(item["id"] == "a1" for item in kwargs["events"]):
            raise RuntimeError("the database went away")
        return real(**kwargs)

    monkeypatch.setattr(buffer, "events_ingest", fails_on_a1)

    # The batch fails as a whole, then each row alone: a0 and a2 are stored, a1 waits.
    assert buffer_drain() == 2
    assert set(Event.objects.values_list("event_id", flat=True)) == {"a0", "a2"}
    (waiting,) = AcceptedEvent.objects.all()
    assert (json.loads(waiting.payload)["id"], waiting.failures) == ("a1", 1)
    assert "the database went away" in waiting.last_error

    for _ in range(MAX_FAILURES - 1):
        buffer_drain()
    assert AcceptedEvent.objects.get().failures == MAX_FAILURES
    assert buffer_drain() == 0  # left for a person: never dropped, no longer retried

    monkeypatch.setattr(buffer, "events_ingest", real)
    AcceptedEvent.objects.update(failures=0)  # what a person does once the cause is fixed
    assert buffer_drain() == 1
    assert Event.objects.filter(workspace=workspace).count() == 3


def test_ingest_drain_once_empties_the_buffer(api: APIClient, workspace: Workspace) -> None:
    for n in range(7):
        collect(api, event(f"a{n}"))

    call_command("ingest_drain", "--once", "--batch", "3")

    assert Event.objects.filter(workspace=workspace).count() == 7
    assert not AcceptedEvent.objects.exists()


def test_the_edge_writes_one_statement(api: APIClient) -> None:
    from django.test.utils import CaptureQueriesContext

    collect(api, event("warm"))
    with CaptureQueriesContext(connection) as queries:
        assert collect(api, event("a")).status_code == 202
    # The key's lookup (its workspace joined); the insert goes through psycopg directly.
    assert len(queries) == 1, [q["sql"] for q in queries]

"""No event is ever left pointing at a contact or a workspace that is gone.

The events table has no foreign-key constraints (their per-row checks at every ingest commit
cost more than the insert; see ``como.leads.models.Event``): deletions lock what they delete
first and ingest holds what it writes to, so a cascade sees every event. These tests commit
(``transaction=True``) and hold an ingest batch open in a thread while another deletes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, transaction

from como.consent.services import contact_erase
from como.ingest.services import events_ingest
from como.leads.models import Contact, Event
from como.leads.services import contact_delete, contacts_delete
from como.workspaces.models import Workspace
from como.workspaces.services import workspace_create, workspace_delete

from .helpers import event

pytestmark = [pytest.mark.django_db(transaction=True)]

PERSON = {"email": "pat@example.com"}


def orphans() -> int:
    """Events whose contact or workspace does not exist."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM leads_event e
            WHERE NOT EXISTS (SELECT 1 FROM leads_contact c WHERE c.id = e.contact_id)
               OR NOT EXISTS (SELECT 1 FROM workspaces_workspace w WHERE w.id = e.workspace_id)
            """
        )
        (count,) = cursor.fetchone()
    return int(count)


def _wait_for_a_lock_wait() -> None:
    """Until another session of this database waits on a lock (the deleter on the batch)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            (waiting,) = cursor.fetchone()
        if waiting:
            return
        time.sleep(0.02)
    raise AssertionError("the deletion never waited for the batch in flight")


def _delete_during_a_batch(workspace: Workspace, delete: Callable[[], object]) -> list[object]:
    """Hold a committed-later batch for PERSON open, run ``delete`` meanwhile, then commit
    the batch; the errors of either side."""
    ingested, release = threading.Event(), threading.Event()
    errors: list[object] = []

    def batch() -> None:
        try:
            with transaction.atomic():
                events_ingest(
                    workspace=workspace,
                    events=[event(f"late-{i}", contact=PERSON) for i in range(3)],
                )
                ingested.set()
                release.wait(10)
        except BaseException as error:
            errors.append(error)
        finally:
            ingested.set()
            connection.close()

    def deleter() -> None:
        try:
            delete()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    first = threading.Thread(target=batch)
    first.start()
    assert ingested.wait(10)
    second = threading.Thread(target=deleter)
    second.start()
    try:
        _wait_for_a_lock_wait()
    finally:
        release.set()
        first.join(30)
        second.join(30)
    return errors


def test_deleting_a_contact_while_a_batch_adds_to_it_leaves_no_orphan(
    workspace: Workspace,
) -> None:
    events_ingest(workspace=workspace, events=[event("first", contact=PERSON)])
    contact = Contact.objects.get(workspace=workspace, email=PERSON["email"])

    errors = _delete_during_a_batch(workspace, lambda: contact_delete(contact=contact))

    assert errors == []
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert Event.objects.filter(workspace=workspace).count() == 0
    assert orphans() == 0


def test_erasing_a_contact_while_a_batch_adds_to_it_leaves_no_orphan(
    workspace: Workspace,
) -> None:
    events_ingest(workspace=workspace, events=[event("first", contact=PERSON)])
    contact = Contact.objects.get(workspace=workspace, email=PERSON["email"])

    errors = _delete_during_a_batch(workspace, lambda: contact_erase(contact=contact))

    assert errors == []
    assert Event.objects.filter(workspace=workspace).count() == 0
    assert orphans() == 0


def test_deleting_a_workspace_while_a_batch_is_stored_leaves_no_orphan() -> None:
    workspace = workspace_create(slug="doomed", vertical="b2b")
    events_ingest(workspace=workspace, events=[event("first", contact=PERSON)])

    errors = _delete_during_a_batch(workspace, lambda: workspace_delete(workspace=workspace))

    assert errors == []
    assert not Workspace.objects.filter(slug="doomed").exists()
    assert orphans() == 0


def test_a_batch_after_its_workspace_was_deleted_stores_nothing() -> None:
    workspace = workspace_create(slug="gone", vertical="b2b")
    workspace_delete(workspace=Workspace.objects.get(slug="gone"))

    with pytest.raises(Workspace.DoesNotExist):
        events_ingest(workspace=workspace, events=[event("after", contact=PERSON)])

    assert orphans() == 0
    assert not Contact.objects.filter(email=PERSON["email"]).exists()


def test_deleting_contacts_in_bulk_takes_their_events(workspace: Workspace) -> None:
    events_ingest(
        workspace=workspace,
        events=[event(f"e{i}", contact={"email": f"p{i % 3}@example.com"}) for i in range(9)],
    )
    doomed = Contact.objects.filter(workspace=workspace, email__in=["p0@example.com", "p1@x"])

    assert contacts_delete(contacts=doomed) == 1

    assert Event.objects.filter(workspace=workspace).count() == 6
    assert orphans() == 0


def test_a_merge_moves_every_event_before_the_visitor_goes(workspace: Workspace) -> None:
    events_ingest(
        workspace=workspace,
        events=[event(f"anon-{i}", contact={"anonymous_id": "cookie-1"}) for i in range(3)],
    )
    visitor = Contact.objects.get(workspace=workspace, anonymous_ids__value="cookie-1")
    events_ingest(
        workspace=workspace,
        events=[event("known", contact=PERSON)],
    )
    events_ingest(
        workspace=workspace,
        events=[event("identify", contact={**PERSON, "anonymous_id": "cookie-1"})],
    )

    assert not Contact.objects.filter(pk=visitor.pk).exists()
    known = Contact.objects.get(workspace=workspace, email=PERSON["email"])
    assert Event.objects.filter(contact=known).count() == 5
    assert orphans() == 0

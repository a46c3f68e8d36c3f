"""The contact's score row (models.ContactScore): one per contact, whichever path creates or
deletes it, and the only row an ingest batch's scoring writes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection

from como.ingest.services import events_ingest
from como.leads.models import Contact, ContactScore
from como.leads.services import contact_create, contact_delete
from como.workspaces.models import Workspace
from tests.como.ingest.helpers import event
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

LATER = "2026-01-02T10:00:00Z"


def zero_row(contact_id: int) -> tuple[object, ...]:
    return tuple(
        ContactScore.objects.filter(contact_id=contact_id).values_list(
            "workspace_id",
            "score_fit",
            "score_intent",
            "score_intent_sign",
            "score_intent_key",
            "score_as_of",
            "score_model_version",
            "score_caps",
            "first_seen_at",
            "last_seen_at",
        )
    )


def test_every_creation_path_gives_the_contact_a_zero_score_row(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    made = [
        Contact.objects.create(workspace=workspace, email="orm@example.com").pk,
        *(
            c.pk
            for c in Contact.objects.bulk_create(
                Contact(workspace=other_workspace, email=f"bulk{n}@example.com") for n in range(3)
            )
        ),
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO leads_contact (workspace_id, email, phone, first_name, last_name, title,"
            " industry, country, region, postal_code, external_id, attributes, lifecycle_stage,"
            " created_at, updated_at) VALUES (%s, 'raw@example.com', '', '', '', '', '', '', '',"
            " '', '', '{}', 'subscriber', now(), now()) RETURNING id",
            [workspace.pk],
        )
        made.append(cursor.fetchone()[0])
    for pk in made:
        workspace_id = Contact.objects.get(pk=pk).workspace_id
        assert zero_row(pk) == ((workspace_id, 0.0, 0.0, 0, None, None, None, {}, None, None),)
    assert ContactScore.objects.count() == Contact.objects.count() == 5


def test_a_service_created_contact_is_scored_on_its_row(workspace: Workspace) -> None:
    contact = contact_create(workspace=workspace, email="ana@example.com")
    score = ContactScore.objects.get(contact=contact)
    assert score.score_model_version == 1  # scored at creation (a reaction), on the row
    assert score.workspace_id == workspace.pk


def test_deleting_contacts_deletes_their_score_rows_raw_deletes_too(
    workspace: Workspace,
) -> None:
    kept, by_service, raw = (ContactFactory.create(workspace=workspace) for _ in range(3))
    contact_delete(contact=by_service)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM leads_contact WHERE id = %s", [raw.pk])
    assert list(ContactScore.objects.values_list("contact_id", flat=True)) == [kept.pk]


def test_an_identity_merge_takes_the_visitors_score_row_with_it(workspace: Workspace) -> None:
    seen = "2026-01-01T10:00:00Z"
    events_ingest(workspace=workspace, events=[event("known", contact={"email": "a@example.com"})])
    events_ingest(
        workspace=workspace,
        events=[event("visit", contact={"anonymous_id": "cookie-1"}, occurred_at=seen)],
    )
    visitor = Contact.objects.get(workspace=workspace, email="")
    events_ingest(
        workspace=workspace,
        events=[event("login", contact={"anonymous_id": "cookie-1", "email": "a@example.com"})],
    )
    assert not Contact.objects.filter(pk=visitor.pk).exists()
    assert not ContactScore.objects.filter(contact_id=visitor.pk).exists()
    (known,) = Contact.objects.filter(workspace=workspace)
    assert known.score.last_seen_at == datetime(2026, 1, 1, 10, 0, tzinfo=UTC)


def test_scoring_a_batch_updates_score_rows_and_no_contact_row(workspace: Workspace) -> None:
    events_ingest(
        workspace=workspace,
        events=[event(f"first-{n}", contact={"email": f"p{n}@example.com"}) for n in range(5)],
    )

    def updates(table: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT coalesce(sum(n_tup_upd), 0) FROM pg_stat_xact_user_tables"
                " WHERE relname = %s",
                [table],
            )
            return int(cursor.fetchone()[0])

    contacts, scores = updates("leads_contact"), updates("leads_contactscore")
    events_ingest(
        workspace=workspace,
        events=[
            event(f"again-{n}", contact={"email": f"p{n}@example.com"}, occurred_at=LATER)
            for n in range(5)
        ],
    )
    assert updates("leads_contact") == contacts  # no contact row rewritten by scoring
    assert updates("leads_contactscore") == scores + 5
    assert set(
        ContactScore.objects.filter(workspace=workspace).values_list("last_seen_at", flat=True)
    ) == {datetime(2026, 1, 2, 10, 0, tzinfo=UTC)}

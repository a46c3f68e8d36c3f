"""Ingest that outgrows the planner's figures for the leads tables refreshes them.

What the planner believes is ``pg_class.reltuples``, which only ANALYZE (or VACUUM) sets; the
database under test runs without autovacuum, as CI's does, so nothing else would move it. The
changes since the last ANALYZE are what each backend reports to the statistics system after it
commits, so these tests commit (``transaction=True``) and make this backend report at once.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from como.ingest import statistics
from como.ingest.services import events_ingest
from como.leads.models import Contact, ContactScore, EventKey
from como.workspaces.models import Workspace
from como.workspaces.services import workspace_create

from .helpers import event

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def workspace() -> Workspace:
    return workspace_create(slug="stats", vertical="b2b")


def believed(model: Any) -> float:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table]
        )
        return float(cursor.fetchone()[0])


def ingest(workspace: Workspace, prefix: str, people: int) -> None:
    events_ingest(workspace=workspace, events=[event(f"{prefix}-{n}") for n in range(people)])
    with connection.cursor() as cursor:
        # This backend's changes go to the statistics system at its next report, not only
        # up to a second later.
        cursor.execute("SELECT pg_stat_force_next_flush()")


def test_a_batch_after_growth_past_the_threshold_analyzes_the_leads_tables(
    workspace: Workspace,
) -> None:
    statistics.reset_for_tests()
    ingest(workspace, "first", 120)  # checks first, before these rows were reported
    assert believed(Contact) != Contact.objects.count()
    statistics.reset_for_tests()
    ingest(workspace, "second", 3)
    assert believed(Contact) == Contact.objects.count() == 123
    assert believed(ContactScore) == 123
    assert believed(EventKey) == EventKey.objects.count() == 123


def test_a_process_checks_at_most_once_a_second(workspace: Workspace) -> None:
    statistics.reset_for_tests()
    ingest(workspace, "first", 120)
    ingest(workspace, "second", 3)  # within the second: no check
    assert believed(Contact) != Contact.objects.count()

"""Concurrent batches: identity resolution stays correct without check-then-insert races.

These tests commit (``transaction=True``) and run batches in threads, each on its own database
connection, released together by a barrier so their transactions overlap.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from como.ingest.services import EventResult, events_ingest
from como.leads.models import AnonymousId, Contact, Event, EventKey
from como.scoring.score_state import contacts_rescore
from como.workspaces.models import Workspace

from .helpers import event

pytestmark = [
    pytest.mark.django_db(transaction=True),
]


def run_together(jobs: list[Callable[[], list[EventResult]]]) -> list[list[EventResult]]:
    barrier = threading.Barrier(len(jobs))
    results: list[list[EventResult]] = [[] for _ in jobs]
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = jobs[index]()
        except BaseException as error:  # reported by the test thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def test_concurrent_batches_naming_the_same_new_people(workspace: Workspace) -> None:
    people = 100

    def job(thread: int) -> Callable[[], list[EventResult]]:
        batch = [
            event(
                f"t{thread}-{i}",
                contact={"email": f"p{i}@example.com", "anonymous_id": f"c-{thread}-{i}"},
            )
            for i in range(people)
        ]
        return lambda: events_ingest(workspace=workspace, events=batch)

    results = run_together([job(thread) for thread in range(4)])

    assert all(r.status == "created" for batch in results for r in batch)
    assert Contact.objects.filter(workspace=workspace).count() == people
    assert Event.objects.filter(workspace=workspace).count() == 4 * people
    owners = dict(
        AnonymousId.objects.filter(workspace=workspace).values_list("value", "contact__email")
    )
    assert len(owners) == 4 * people
    assert all(owners[f"c-{t}-{i}"] == f"p{i}@example.com" for t in range(4) for i in range(people))


def test_the_same_event_ids_posted_concurrently_are_stored_once(workspace: Workspace) -> None:
    batch = [event(f"evt-{i}", contact={"anonymous_id": f"cookie-{i % 10}"}) for i in range(200)]
    results = run_together([lambda: events_ingest(workspace=workspace, events=batch)] * 3)

    created = sum(r.status == "created" for batch_results in results for r in batch_results)
    assert created == 200
    assert Event.objects.filter(workspace=workspace).count() == 200
    assert Contact.objects.filter(workspace=workspace).count() == 10


def test_identifying_while_the_visitor_keeps_browsing(workspace: Workspace) -> None:
    visitors = 20
    events_ingest(workspace=workspace, events=[event("known", contact={"email": "a@example.com"})])
    events_ingest(
        workspace=workspace,
        events=[event(f"v{i}", contact={"anonymous_id": f"cookie-{i}"}) for i in range(visitors)],
    )
    logins = [
        event(f"login-{i}", contact={"anonymous_id": f"cookie-{i}", "email": "a@example.com"})
        for i in range(visitors)
    ]
    browsing = [
        event(f"browse-{i}-{n}", contact={"anonymous_id": f"cookie-{i}"})
        for i in range(visitors)
        for n in range(5)
    ]

    run_together(
        [
            lambda: events_ingest(workspace=workspace, events=logins),
            lambda: events_ingest(workspace=workspace, events=browsing[: len(browsing) // 2]),
            lambda: events_ingest(workspace=workspace, events=browsing[len(browsing) // 2 :]),
        ]
    )

    ana = Contact.objects.get(workspace=workspace, email="a@example.com")
    assert Contact.objects.filter(workspace=workspace).count() == 1
    assert Event.objects.filter(workspace=workspace).count() == 1 + visitors * 7
    assert set(Event.objects.filter(workspace=workspace).values_list("contact", flat=True)) == {
        ana.pk
    }
    assert set(
        AnonymousId.objects.filter(workspace=workspace).values_list("contact", flat=True)
    ) == {ana.pk}


def _stored_matches_history(workspace: Workspace, contact_ids: list[int]) -> None:
    """Each contact's stored score state is what its whole history gives (nothing lost)."""
    for contact in Contact.objects.filter(pk__in=contact_ids).order_by("pk"):
        with transaction.atomic():  # the recompute stores its state: undo it
            full = contacts_rescore(
                workspace=workspace, contact_ids=[contact.pk], at=contact.score.score_as_of
            ).states[contact.pk]
            transaction.set_rollback(True)
        assert contact.score.score_intent == pytest.approx(full.intent, rel=1e-9, abs=1e-9), (
            contact.pk
        )
        assert contact.score.score_caps == full.caps, contact.pk
        assert contact.score.last_seen_at == full.last_seen, contact.pk


def test_concurrent_batches_scoring_the_same_contacts_neither_deadlock_nor_lose_points(
    workspace: Workspace,
) -> None:
    """Batches that update the same contacts in different orders (random people, late and
    in-order events, some near the MQL threshold so their history decides) run together: none
    fails on a deadlock, and every contact's stored state is its history's (no lost update:
    each batch reads the state the other committed)."""
    people = [f"p{i}@example.com" for i in range(30)]
    # Known contacts, scored once, so the batches below take the incremental path.
    events_ingest(
        workspace=workspace,
        events=[event(f"seed-{i}", contact={"email": email}) for i, email in enumerate(people)],
    )
    now = timezone.now()
    paths = ["/pricing", "/pricing", "/demo", "/blog", "/careers"]

    def job(thread: int) -> Callable[[], list[EventResult]]:
        rng = random.Random(thread)
        batches = [
            [
                event(
                    f"t{thread}-{b}-{n}",
                    contact={"email": rng.choice(people)},
                    occurred_at=(now - timedelta(days=rng.randrange(60))).isoformat(),
                    properties={"path": rng.choice(paths)},
                )
                for n in range(80)
            ]
            for b in range(4)
        ]
        return lambda: [
            r for batch in batches for r in events_ingest(workspace=workspace, events=batch)
        ]

    results = run_together([job(thread) for thread in range(4)])

    assert all(r.status == "created" for batch in results for r in batch)
    assert Event.objects.filter(workspace=workspace).count() == len(people) + 4 * 4 * 80
    ids = list(Contact.objects.filter(workspace=workspace).values_list("pk", flat=True))
    assert len(ids) == len(people)
    _stored_matches_history(workspace, ids)


def test_one_event_id_at_two_instants_in_concurrent_batches_is_stored_once(
    workspace: Workspace,
) -> None:
    """The events table is partitioned by month, so its unique key holds occurred_at; the same
    id sent by two batches at once with different instants (and months) is still one event."""
    ids = [f"dup-{i}" for i in range(100)]

    def job(month: int) -> Callable[[], list[EventResult]]:
        batch = [
            event(id, occurred_at=f"2026-{month:02d}-{1 + i % 28:02d}T10:00:00Z")
            for i, id in enumerate(ids)
        ]
        return lambda: events_ingest(workspace=workspace, events=batch)

    results = run_together([job(month) for month in (1, 2, 3)])

    created = [str(r.id) for batch in results for r in batch if r.status == "created"]
    assert sorted(created) == sorted(ids)  # each id created by exactly one batch
    assert sum(r.status == "duplicate" for batch in results for r in batch) == 2 * len(ids)
    assert Event.objects.filter(workspace=workspace).count() == len(ids)


@pytest.mark.parametrize("first_commits", [True, False])
def test_a_batch_waiting_on_ids_another_holds_claims_what_that_one_leaves(
    workspace: Workspace, first_commits: bool
) -> None:
    """The second batch's claim of ids the first holds uncommitted waits for the first; then
    it finds the shared ids taken (the first committed) or claims them (it rolled back), and
    claims its own either way."""
    first = [event(f"evt-{i}") for i in range(50)]
    second = [event(f"evt-{i}") for i in range(25, 75)]
    holding = threading.Event()

    def hold_then_end() -> list[EventResult]:
        with transaction.atomic():
            results = events_ingest(workspace=workspace, events=first)
            holding.set()
            # Long enough for the second batch to reach the claim and wait on these ids.
            threading.Event().wait(0.5)
            transaction.set_rollback(not first_commits)
        return results

    def claim_after() -> list[EventResult]:
        assert holding.wait(timeout=10)
        return events_ingest(workspace=workspace, events=second)

    _, results = run_together([hold_then_end, claim_after])

    created = {str(r.id) for r in results if r.status == "created"}
    duplicates = {str(r.id) for r in results if r.status == "duplicate"}
    if first_commits:
        assert created == {f"evt-{i}" for i in range(50, 75)}
        assert duplicates == {f"evt-{i}" for i in range(25, 50)}
        stored = 75
    else:
        assert created == {f"evt-{i}" for i in range(25, 75)}
        assert duplicates == set()
        stored = 50
    assert Event.objects.filter(workspace=workspace).count() == stored
    assert EventKey.objects.filter(workspace=workspace).count() == stored

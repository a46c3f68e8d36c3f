"""Concurrent beat passes on committed rows: SKIP LOCKED batches and one send per step."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from como.agents.models import AgentAction
from como.sequences.advance import sequences_advance
from como.sequences.enrollment import members_enrol
from como.sequences.models import MemberStep, SequenceMember
from como.workspaces.models import Workspace

from .support import approved_sequence, email, people, program

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fast_passwords")]


@pytest.fixture
def enrolled(workspace: Workspace) -> list[int]:
    contacts = people(workspace, 6)
    _, version = approved_sequence(
        workspace, program(email("hello"), {"id": "w", "type": "wait", "minutes": 60})
    )
    members_enrol(version=version, contact_ids=[c.pk for c in contacts])
    return list(SequenceMember.objects.order_by("pk").values_list("pk", flat=True))


def test_members_locked_by_another_pass_are_skipped_not_waited_for(enrolled: list[int]) -> None:
    locked, held, release = enrolled[:2], threading.Event(), threading.Event()

    def hold() -> None:
        with transaction.atomic():
            list(SequenceMember.objects.select_for_update().filter(pk__in=locked))
            held.set()
            release.wait(30)
        connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(10)
    try:
        first = sequences_advance(now=timezone.now() + timedelta(seconds=1), batch=2)
    finally:
        release.set()
        holder.join()
    assert (first.members, first.sends, first.batches) == (4, 4, 2)
    assert set(MemberStep.objects.values_list("member_id", flat=True)) == set(enrolled[2:])
    second = sequences_advance(now=timezone.now() + timedelta(seconds=1))
    assert (second.members, second.sends) == (2, 2)


def test_passes_running_at_once_send_each_step_once(enrolled: list[int]) -> None:
    now = timezone.now() + timedelta(seconds=1)
    totals: list[int] = []
    start = threading.Barrier(3)

    def run() -> None:
        start.wait()
        totals.append(sequences_advance(now=now, batch=1).sends)
        connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(totals) == 6
    assert AgentAction.objects.filter(kind="email_send").count() == 6
    assert MemberStep.objects.filter(outcome="sent").count() == 6

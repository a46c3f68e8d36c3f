"""Races: two workers claiming one action, two approvers deciding one action at the same moment.

These tests commit (``transaction=True``) and run in threads, each on its own database connection,
released together by a barrier so that their transactions overlap. The execute task is replaced
by a recorder (the fast path's enqueue is counted, not run); the threads execute themselves.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from rest_framework.test import APIClient

from como.agents import execution, tasks
from como.agents.execution import Outcome, action_execute
from como.agents.models import ActionApproval, ActionStatus, AgentAction
from como.agents.services import action_approve, playbook_for
from como.workspaces.models import Workspace

from .proposals import person, propose

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_passwords"),
]

KIND = "test_race"


class CountingExecutor:
    """Slow enough for a second worker to arrive while it runs; counts its runs."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.keys: list[str] = []

    def __call__(self, action: AgentAction, idempotency_key: str) -> Mapping[str, Any]:
        with self.lock:
            self.keys.append(idempotency_key)
        time.sleep(0.3)
        return {"sent": 1}


class Enqueued:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ids: list[int] = []

    def delay(self, action_id: int) -> None:
        with self.lock:
            self.ids.append(action_id)


@pytest.fixture
def executor(monkeypatch: pytest.MonkeyPatch) -> CountingExecutor:
    counting = CountingExecutor()
    monkeypatch.setitem(execution._executors, KIND, counting)
    return counting


@pytest.fixture
def enqueued(monkeypatch: pytest.MonkeyPatch) -> Enqueued:
    recorder = Enqueued()
    monkeypatch.setattr(tasks, "execute_action", recorder)
    return recorder


def run_together(jobs: list[Callable[[threading.Barrier], Any]]) -> list[Any]:
    """Run each job in a thread of its own; each gets a barrier shared by all of them."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            results[index] = jobs[index](barrier)
        except BaseException as error:  # reported by the test thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert not errors, errors
    return results


def test_two_workers_claiming_one_action_run_it_once(
    workspace: Workspace, executor: CountingExecutor, enqueued: Enqueued
) -> None:
    playbook = playbook_for(workspace)
    playbook.auto_approve_kinds = [KIND]
    playbook.save()
    action = propose(workspace, kind=KIND)
    assert action.status == ActionStatus.APPROVED

    def work(barrier: threading.Barrier) -> Outcome:
        barrier.wait(timeout=10)
        return action_execute(action.pk)

    outcomes = run_together([work, work])

    assert sorted(outcome.status for outcome in outcomes) == ["skipped", "succeeded"]
    assert executor.keys == [str(action.pk)]
    stored = AgentAction.objects.get(pk=action.pk)
    assert (stored.status, stored.attempts, stored.result) == ("succeeded", 1, {"sent": 1})


def test_two_approvers_at_the_same_moment_cause_one_execution(
    workspace: Workspace, executor: CountingExecutor, enqueued: Enqueued
) -> None:
    ann, bob = person(workspace, "approver", "ann"), person(workspace, "owner", "bob")
    action = propose(workspace, kind=KIND)

    def approver(user: Any) -> Callable[[threading.Barrier], tuple[str, str]]:
        def decide(barrier: threading.Barrier) -> tuple[str, str]:
            barrier.wait(timeout=10)
            try:
                action_approve(action=AgentAction.objects.get(pk=action.pk), user=user)
                answer = ("approved", "")
            except ValidationError as error:
                answer = ("refused", " ".join(error.messages))
            # Both then run the execute task, as the fast path and a sweep might.
            barrier.wait(timeout=10)
            action_execute(action.pk)
            return answer

        return decide

    answers = run_together([approver(ann), approver(bob)])

    assert sorted(answers) == [
        ("approved", ""),
        ("refused", "This action is approved, not awaiting approval."),
    ]
    assert ActionApproval.objects.filter(action=action).count() == 1
    assert enqueued.ids == [action.pk]  # one approval took effect: one enqueue
    assert executor.keys == [str(action.pk)]
    stored = AgentAction.objects.get(pk=action.pk)
    assert stored.status == ActionStatus.SUCCEEDED
    assert list(stored.transitions.values_list("to_status", flat=True)) == [
        "proposed",
        "approved",
        "executing",
        "succeeded",
    ]


def test_two_approvers_posting_to_the_api_at_the_same_moment(
    workspace: Workspace, executor: CountingExecutor, enqueued: Enqueued
) -> None:
    clients = []
    for name in ("ann", "bob"):
        client = APIClient()
        client.force_login(person(workspace, "approver", name))
        clients.append(client)
    action = propose(workspace, kind=KIND)
    url = f"/api/v1/actions/{action.pk}/approve"

    def post(client: APIClient) -> Callable[[threading.Barrier], tuple[int, Any]]:
        def send(barrier: threading.Barrier) -> tuple[int, Any]:
            barrier.wait(timeout=10)
            response = client.post(url, {"note": "ok"}, format="json")
            return response.status_code, response.json()

        return send

    answers = run_together([post(clients[0]), post(clients[1])])

    statuses = sorted(status for status, _ in answers)
    assert statuses == [200, 400]
    refused = next(body for status, body in answers if status == 400)
    assert refused == {"non_field_errors": ["This action is approved, not awaiting approval."]}
    assert enqueued.ids == [action.pk]
    assert [action_execute(action.pk).status for _ in range(2)] == ["succeeded", "skipped"]
    assert executor.keys == [str(action.pk)]

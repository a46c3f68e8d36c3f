"""Executing approved actions: results, retries with backoff, failures, claims, the sweeper.

Executors are registered for a test kind here, on the real registry (undone after each test).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from celery.exceptions import SoftTimeLimitExceeded

from como.agents import execution, tasks
from como.agents.execution import (
    BACKOFF_BASE,
    LEASE,
    MAX_ATTEMPTS,
    SWEEP_GRACE,
    Outcome,
    TransientError,
    action_execute,
    actions_sweep,
)
from como.agents.models import ActionStatus, ActionTransition, AgentAction
from como.agents.services import playbook_for
from como.compliance.findings import Report
from como.workspaces.models import Workspace

from .proposals import propose

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

KIND = "test_send"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class Executor:
    """A test executor: records each call; answers with ``results`` in turn (an exception
    instance is raised)."""

    def __init__(self, *results: Any) -> None:
        self.results = list(results)
        self.calls: list[tuple[int, str]] = []

    def __call__(self, action: AgentAction, idempotency_key: str) -> Mapping[str, Any]:
        self.calls.append((action.pk, idempotency_key))
        result = self.results[min(len(self.calls), len(self.results)) - 1]
        if isinstance(result, BaseException):
            raise result
        return dict(result)


@pytest.fixture
def register(monkeypatch: pytest.MonkeyPatch) -> Callable[[Executor], Executor]:
    def install(executor: Executor) -> Executor:
        monkeypatch.setitem(execution._executors, KIND, executor)
        return executor

    return install


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Enqueued:
    """Stands in for the execute task."""

    def __init__(self) -> None:
        self.delayed: list[int] = []
        self.scheduled: list[tuple[tuple[Any, ...], datetime]] = []

    def delay(self, action_id: int) -> None:
        self.delayed.append(action_id)

    def apply_async(self, args: tuple[Any, ...], eta: datetime) -> None:
        self.scheduled.append((args, eta))


@pytest.fixture
def enqueued(monkeypatch: pytest.MonkeyPatch) -> Enqueued:
    recorder = Enqueued()
    monkeypatch.setattr(tasks, "execute_action", recorder)
    return recorder


def approved(workspace: Workspace, key: str = "a-1", kind: str = KIND) -> AgentAction:
    """An approved action (the playbook auto-approves the test kind)."""
    playbook = playbook_for(workspace)
    if kind not in playbook.auto_approve_kinds:
        playbook.auto_approve_kinds = [*playbook.auto_approve_kinds, kind]
        playbook.save()
    action = propose(workspace, key=key, kind=kind)
    assert action.status == ActionStatus.APPROVED
    return action


def trail(action: AgentAction) -> list[tuple[str, str, str, str]]:
    return [
        (t.from_status, t.to_status, t.actor_kind, t.note)
        for t in ActionTransition.objects.filter(action=action).order_by("at", "id")
    ]


def test_success_stores_the_result(
    workspace: Workspace, register: Callable[[Executor], Executor]
) -> None:
    executor = register(Executor({"external_id": "cmp-881", "accepted": 12}))
    action = approved(workspace)

    outcome = action_execute(action.pk, now=Clock(T0))

    assert outcome == Outcome(ActionStatus.SUCCEEDED, 1)
    assert executor.calls == [(action.pk, str(action.pk))]  # the id is the idempotency key
    stored = AgentAction.objects.get(pk=action.pk)
    assert stored.status == ActionStatus.SUCCEEDED
    assert stored.result == {"external_id": "cmp-881", "accepted": 12}
    assert (stored.attempts, stored.error, stored.claimed_at, stored.finished_at) == (
        1,
        "",
        T0,
        T0,
    )
    assert trail(stored) == [
        ("", "proposed", "agent", "Proposed."),
        ("proposed", "approved", "system", "Auto-approved by the playbook's policy."),
        ("approved", "executing", "system", "Attempt 1."),
        ("executing", "succeeded", "system", "Done."),
    ]


def test_running_it_again_does_nothing(
    workspace: Workspace, register: Callable[[Executor], Executor]
) -> None:
    executor = register(Executor({"ok": True}))
    action = approved(workspace)
    action_execute(action.pk)

    assert action_execute(action.pk) == Outcome("skipped")
    assert len(executor.calls) == 1
    assert ActionTransition.objects.filter(action=action).count() == 4


def test_a_proposal_is_not_executed(
    workspace: Workspace, register: Callable[[Executor], Executor]
) -> None:
    executor = register(Executor({"ok": True}))
    action = propose(workspace, kind=KIND)

    assert action_execute(action.pk) == Outcome("skipped")
    assert executor.calls == []
    assert AgentAction.objects.get(pk=action.pk).status == ActionStatus.PROPOSED


def test_transient_errors_retry_with_backoff_then_fail(
    workspace: Workspace,
    register: Callable[[Executor], Executor],
    enqueued: Enqueued,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    executor = register(Executor(TransientError("503 from the provider")))
    action = approved(workspace)
    clock = Clock(T0)

    for attempt in range(1, MAX_ATTEMPTS):
        with django_capture_on_commit_callbacks(execute=True):
            outcome = action_execute(action.pk, now=clock)
        stored = AgentAction.objects.get(pk=action.pk)
        assert outcome == Outcome(ActionStatus.APPROVED, attempt)
        assert (stored.status, stored.attempts) == (ActionStatus.APPROVED, attempt)
        assert stored.error == "503 from the provider"
        # Exponential backoff (5 s, 10 s, 20 s, …) with jitter: between half and all of it.
        delay = BACKOFF_BASE * 2 ** (attempt - 1)
        assert stored.next_attempt_at is not None
        assert clock.now + delay / 2 <= stored.next_attempt_at <= clock.now + delay
        # The retry is scheduled for then; before then nobody may claim it.
        assert enqueued.scheduled[-1] == ((action.pk,), stored.next_attempt_at)
        early = Clock(stored.next_attempt_at - timedelta(milliseconds=1))
        assert action_execute(action.pk, now=early) == Outcome("skipped")
        assert trail(stored)[-1] == (
            "executing",
            "approved",
            "system",
            f"Attempt {attempt} failed (503 from the provider); retrying at "
            f"{stored.next_attempt_at:%H:%M:%S}.",
        )
        clock.now = stored.next_attempt_at

    outcome = action_execute(action.pk, now=clock)

    stored = AgentAction.objects.get(pk=action.pk)
    assert outcome == Outcome(ActionStatus.FAILED, MAX_ATTEMPTS)
    assert (stored.status, stored.attempts) == (ActionStatus.FAILED, MAX_ATTEMPTS)
    assert stored.error == "503 from the provider (gave up)"
    assert stored.finished_at == clock.now
    assert len(executor.calls) == MAX_ATTEMPTS
    assert len(enqueued.scheduled) == MAX_ATTEMPTS - 1
    assert action_execute(action.pk, now=Clock(clock.now + timedelta(days=1))) == Outcome("skipped")


def test_a_transient_error_then_success_is_recorded_in_order(
    workspace: Workspace, register: Callable[[Executor], Executor]
) -> None:
    register(Executor(TransientError("timeout"), {"external_id": "m-1"}))
    action = approved(workspace)
    action_execute(action.pk, now=Clock(T0))
    retry_at = AgentAction.objects.get(pk=action.pk).next_attempt_at
    assert retry_at is not None

    assert action_execute(action.pk, now=Clock(retry_at)) == Outcome(ActionStatus.SUCCEEDED, 2)

    stored = AgentAction.objects.get(pk=action.pk)
    assert (stored.result, stored.error) == ({"external_id": "m-1"}, "")
    assert [(t[0], t[1]) for t in trail(stored)] == [
        ("", "proposed"),
        ("proposed", "approved"),
        ("approved", "executing"),
        ("executing", "approved"),
        ("approved", "executing"),
        ("executing", "succeeded"),
    ]
    notes = [t[3] for t in trail(stored)]
    assert notes[2:] == [
        "Attempt 1.",
        f"Attempt 1 failed (timeout); retrying at {retry_at:%H:%M:%S}.",
        "Attempt 2.",
        "Done.",
    ]


def test_running_out_of_time_retries_with_backoff_then_fails(
    workspace: Workspace,
    register: Callable[[Executor], Executor],
    enqueued: Enqueued,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    """Celery's soft time limit raises inside the executor: the work may well finish next time,
    so it is a transient failure, not a permanent one."""
    executor = register(Executor(SoftTimeLimitExceeded()))
    action = approved(workspace)
    clock = Clock(T0)

    with django_capture_on_commit_callbacks(execute=True):
        outcome = action_execute(action.pk, now=clock)

    stored = AgentAction.objects.get(pk=action.pk)
    assert outcome == Outcome(ActionStatus.APPROVED, 1)
    assert (stored.status, stored.attempts, stored.finished_at) == (ActionStatus.APPROVED, 1, None)
    assert stored.error == "the task's soft time limit ran out"
    assert stored.next_attempt_at is not None
    assert T0 + BACKOFF_BASE / 2 <= stored.next_attempt_at <= T0 + BACKOFF_BASE
    assert enqueued.scheduled == [((action.pk,), stored.next_attempt_at)]
    assert stored.enqueued_at == stored.next_attempt_at  # pending from its eta
    assert trail(stored)[-1] == (
        "executing",
        "approved",
        "system",
        "Attempt 1 failed (the task's soft time limit ran out); retrying at "
        f"{stored.next_attempt_at:%H:%M:%S}.",
    )

    for _ in range(2, MAX_ATTEMPTS + 1):
        clock.now = AgentAction.objects.get(pk=action.pk).next_attempt_at or clock.now
        with django_capture_on_commit_callbacks(execute=True):
            outcome = action_execute(action.pk, now=clock)

    stored = AgentAction.objects.get(pk=action.pk)
    assert outcome == Outcome(ActionStatus.FAILED, MAX_ATTEMPTS)
    assert (stored.status, stored.attempts) == (ActionStatus.FAILED, MAX_ATTEMPTS)
    assert stored.error == "the task's soft time limit ran out (gave up)"
    assert len(executor.calls) == MAX_ATTEMPTS
    assert len(enqueued.scheduled) == MAX_ATTEMPTS - 1


class SlowPreflight:
    """A channel adapter whose preflight (the gate right before sending) runs out of time."""

    key = "slow_preflight"
    kinds = frozenset({"slow_preflight_send"})
    slow = False  # quick at proposal, slow right before sending

    def preflight(self, action: Any, *, at: datetime) -> Any:
        if self.slow:
            raise SoftTimeLimitExceeded()
        return Report.of([], [self.key])

    def execute(self, action: Any, idempotency_key: str) -> Mapping[str, Any]:
        raise AssertionError("nothing may be sent without the gate's say")

    def sync_metrics(self, *, workspace_id: int, day: Any) -> list[Any]:
        return []


def test_a_preflight_running_out_of_time_is_retried_not_failed(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, enqueued: Enqueued
) -> None:
    from como.channels import base

    adapter = SlowPreflight()
    monkeypatch.setitem(base._adapters, adapter.key, adapter)
    monkeypatch.setitem(base._by_kind, "slow_preflight_send", adapter)
    action = approved(workspace, kind="slow_preflight_send")
    adapter.slow = True

    outcome = action_execute(action.pk, now=Clock(T0))

    stored = AgentAction.objects.get(pk=action.pk)
    assert outcome == Outcome(ActionStatus.APPROVED, 1)
    assert (stored.status, stored.attempts) == (ActionStatus.APPROVED, 1)
    assert stored.error == "the task's soft time limit ran out"
    assert stored.next_attempt_at is not None


def test_a_permanent_error_fails_at_once(
    workspace: Workspace, register: Callable[[Executor], Executor]
) -> None:
    executor = register(Executor(ValueError("the audience no longer exists")))
    action = approved(workspace)

    assert action_execute(action.pk, now=Clock(T0)) == Outcome(ActionStatus.FAILED, 1)

    stored = AgentAction.objects.get(pk=action.pk)
    assert (stored.status, stored.attempts, stored.next_attempt_at) == ("failed", 1, None)
    assert stored.error == "ValueError('the audience no longer exists')"
    assert len(executor.calls) == 1
    assert trail(stored)[-1] == (
        "executing",
        "failed",
        "system",
        "ValueError('the audience no longer exists')",
    )


def test_a_kind_without_an_executor_fails(workspace: Workspace) -> None:
    action = approved(workspace, kind="nobody_runs_this")

    assert action_execute(action.pk) == Outcome(ActionStatus.FAILED, 1)

    assert AgentAction.objects.get(pk=action.pk).error == (
        "LookupError(\"No executor is registered for actions of kind 'nobody_runs_this'.\")"
    )


# --- claims ----------------------------------------------------------------------------------


def _claimed_at(action: AgentAction, when: datetime, attempts: int = 1) -> None:
    """As if a worker claimed the action at ``when`` and died."""
    AgentAction.objects.filter(pk=action.pk).update(
        status=ActionStatus.EXECUTING, claimed_at=when, attempts=attempts
    )


def test_a_claim_within_its_lease_is_left_alone(
    workspace: Workspace, register: Callable[[Executor], Executor]
) -> None:
    executor = register(Executor({"ok": True}))
    action = approved(workspace)
    _claimed_at(action, T0)

    assert action_execute(action.pk, now=Clock(T0 + LEASE)) == Outcome("skipped")
    assert executor.calls == []
    assert actions_sweep(now=T0 + LEASE) == []


def test_an_abandoned_claim_is_reclaimed(
    workspace: Workspace, register: Callable[[Executor], Executor]
) -> None:
    executor = register(Executor({"external_id": "again"}))
    action = approved(workspace)
    _claimed_at(action, T0)
    later = T0 + LEASE + timedelta(seconds=1)

    assert actions_sweep(now=later) == [action.pk]
    outcome = action_execute(action.pk, now=Clock(later))

    assert outcome == Outcome(ActionStatus.SUCCEEDED, 2)
    # The same idempotency key as the dead worker's attempt: the adapter recognises it.
    assert executor.calls == [(action.pk, str(action.pk))]
    stored = AgentAction.objects.get(pk=action.pk)
    assert (stored.status, stored.claimed_at, stored.result) == (
        ActionStatus.SUCCEEDED,
        later,
        {"external_id": "again"},
    )
    assert trail(stored)[-2:] == [
        ("executing", "executing", "system", "Attempt 2: the previous claim outlived its lease."),
        ("executing", "succeeded", "system", "Done."),
    ]


def test_a_slow_worker_overtaken_by_a_reclaimer_records_nothing(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    action = approved(workspace)
    calls: list[str] = []
    inner: list[Outcome] = []

    def slow(running: AgentAction, key: str) -> Mapping[str, Any]:
        calls.append(key)
        if len(calls) == 1:
            # While the first worker is still at it, its lease runs out and another reclaims it.
            inner.append(action_execute(running.pk, now=Clock(T0 + LEASE * 2)))
            return {"by": "first"}
        return {"by": "reclaimer"}

    monkeypatch.setitem(execution._executors, KIND, slow)

    outer = action_execute(action.pk, now=Clock(T0))

    assert inner == [Outcome(ActionStatus.SUCCEEDED, 2)]
    assert outer == Outcome("skipped", 1)
    assert calls == [str(action.pk), str(action.pk)]
    stored = AgentAction.objects.get(pk=action.pk)
    assert (stored.status, stored.result) == (ActionStatus.SUCCEEDED, {"by": "reclaimer"})
    assert [t[1] for t in trail(stored)].count("succeeded") == 1


# --- the sweeper -----------------------------------------------------------------------------


def test_the_sweeper_enqueues_approved_actions_the_fast_path_missed(
    workspace: Workspace,
    enqueued: Enqueued,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    now = T0
    old = approved(workspace, key="old")
    older = approved(workspace, key="older")
    fresh = approved(workspace, key="fresh")
    backoff = approved(workspace, key="backoff")
    retry_due = approved(workspace, key="retry-due")
    proposed = propose(workspace, key="proposed", kind="test_email")
    stale_claim = approved(workspace, key="stale-claim")
    live_claim = approved(workspace, key="live-claim")

    def set_approved_at(action: AgentAction, when: datetime, **fields: Any) -> None:
        AgentAction.objects.filter(pk=action.pk).update(approved_at=when, **fields)

    set_approved_at(older, now - SWEEP_GRACE - timedelta(minutes=5))
    set_approved_at(old, now - SWEEP_GRACE)
    set_approved_at(fresh, now - SWEEP_GRACE + timedelta(seconds=1))
    set_approved_at(backoff, now - timedelta(hours=1), next_attempt_at=now + timedelta(seconds=30))
    set_approved_at(retry_due, now - timedelta(minutes=30), next_attempt_at=now)
    set_approved_at(proposed, now - timedelta(hours=2))
    set_approved_at(stale_claim, now - timedelta(hours=3))
    _claimed_at(stale_claim, now - LEASE - timedelta(seconds=1))
    set_approved_at(live_claim, now - timedelta(hours=3))
    _claimed_at(live_claim, now - timedelta(seconds=5))

    with django_capture_on_commit_callbacks(execute=True):
        swept = actions_sweep(now=now)

    # Oldest approval first.
    assert swept == [stale_claim.pk, retry_due.pk, older.pk, old.pk]
    assert enqueued.delayed == swept
    assert {fresh.pk, backoff.pk, live_claim.pk, proposed.pk}.isdisjoint(swept)


def test_the_sweeper_respects_its_limit(workspace: Workspace) -> None:
    for n in range(3):
        action = approved(workspace, key=f"a-{n}")
        AgentAction.objects.filter(pk=action.pk).update(approved_at=T0 - timedelta(minutes=10 - n))

    assert len(actions_sweep(now=T0, limit=2)) == 2

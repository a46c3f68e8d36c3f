"""Running approved actions, exactly once in effect.

- The action row is the outbox. Approval commits ``approved`` and enqueues
  ``como.agents.execute_action`` on commit (the fast path); :func:`actions_sweep`, run by beat,
  finds approved actions whose message was lost and enqueues them again.
- ``enqueued_at`` records a publish the broker accepted (a retry's: its eta), and a claim clears
  it (the message is consumed). The sweeper leaves an action alone while a message published less
  than :data:`REQUEUE` ago may still be waiting behind a backlog, so a long queue is not doubled
  every sweep; a publish that failed is never recorded, so a lost enqueue is repaired by the next
  sweep all the same.
- :func:`action_execute` *claims* the action with one conditional UPDATE
  (``approved → executing``): of any number of workers, one wins, the others do nothing. A claim
  older than :data:`LEASE` is taken to belong to a dead worker and may be claimed again.
- The executor registered for the action's kind gets the action id as its idempotency key, so a
  second run after a crash (claimed, effect done, status not yet recorded) is recognised by the
  executor instead of repeated. :class:`TransientError`, and Celery's soft time limit running
  out, retry with exponential backoff and jitter up to :data:`MAX_ATTEMPTS`; any other error
  fails the action.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from como.channels.base import adapter_for_kind
from como.channels.errors import TransientError
from como.compliance.findings import Severity
from como.registry import Registry

from .compliance_gate import describe, merged_findings, preflight
from .models import ActionStatus, ActionTransition, ActorKind, AgentAction
from .send_limits import send_lock

logger = logging.getLogger(__name__)

#: How long a claim holds before the action counts as abandoned by a dead worker.
LEASE = timedelta(seconds=settings.COMO_ACTION_LEASE_SECONDS)
MAX_ATTEMPTS = 5
BACKOFF_BASE = timedelta(seconds=5)
BACKOFF_CAP = timedelta(minutes=10)
#: The sweeper leaves the fast path this long before it steps in.
SWEEP_GRACE = timedelta(seconds=settings.COMO_ACTION_SWEEP_GRACE_SECONDS)
#: A published execute message younger than this is presumed to be waiting in the queue.
REQUEUE = timedelta(seconds=settings.COMO_ACTION_REQUEUE_SECONDS)
#: Errors worth another attempt: the provider's transient ones, and running out of time (the
#: next attempt may well be quicker; the idempotency key covers an effect already done).
RETRYABLE: tuple[type[Exception], ...] = (TransientError, SoftTimeLimitExceeded)


class Executor(Protocol):
    """Carries out one kind of action. ``idempotency_key`` is the action's id as text: an
    executor must make a second call with the same key change nothing more (the provider's
    idempotency header, a unique row, a Message-ID…). Returns what to store as the result
    (external ids, the response)."""

    def __call__(self, action: AgentAction, idempotency_key: str) -> Mapping[str, Any]: ...


#: Executors by action kind, for kinds no channel adapter declares (webhook, handoff, refit).
EXECUTORS: Registry[Executor] = Registry("executor")
_executors = EXECUTORS.entries  # the live entries, under the name tests patch


def register_executor(kind: str, executor: Executor) -> None:
    EXECUTORS.register(kind, executor)


def executor_for(kind: str) -> Executor | None:
    """The executor registered for ``kind``, else the channel adapter that declares it."""
    executor = EXECUTORS.find(kind)
    if executor is None:
        adapter = adapter_for_kind(kind)
        if adapter is not None:
            return adapter.execute
    return executor


def enqueue_execution(
    action_id: int, *, eta: datetime | None = None, at: datetime | None = None
) -> None:
    """Enqueue the execute task (due at ``eta``, if given) when the current transaction
    commits, and record the enqueue once the broker has accepted it. ``at``: the publish's
    instant by the caller's clock (a retry's: the clock its claim was taken by); default now."""

    def enqueue() -> None:
        from .tasks import execute_action

        published_at = at or timezone.now()
        if eta is None:
            execute_action.delay(action_id)
        else:
            execute_action.apply_async((action_id,), eta=eta)
        # Only reached when the publish succeeded: a lost one leaves no record.
        _record_enqueue(action_id, eta or published_at, published_at)

    # robust: approval is committed either way; a broker outage is the sweeper's to repair.
    transaction.on_commit(enqueue, robust=True)


def _record_enqueue(action_id: int, due_at: datetime, published_at: datetime) -> None:
    """Conditional: never moves ``enqueued_at`` back, and records nothing when a worker has
    claimed the action since the publish began: that message is consumed already, and a stale
    record would hold the sweeper back from an action the claim deferred."""
    AgentAction.objects.filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=due_at),
        Q(claimed_at__isnull=True) | Q(claimed_at__lte=published_at),
        pk=action_id,
        status__in=[ActionStatus.APPROVED, ActionStatus.EXECUTING],
    ).update(enqueued_at=due_at)


@dataclass(frozen=True)
class Outcome:
    status: str  # the action's status after this call, or "skipped" when not claimed
    attempts: int = 0


def action_execute(action_id: int, *, now: Callable[[], datetime] = timezone.now) -> Outcome:
    """Claim the action and run its executor; record the result. Safe to call any number of
    times, concurrently: only the worker whose claim succeeds runs the executor."""
    claimed_at = now()
    claimable = Q(status=ActionStatus.APPROVED) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=claimed_at)
    )
    abandoned = Q(status=ActionStatus.EXECUTING, claimed_at__lt=claimed_at - LEASE)
    claim = {
        "status": ActionStatus.EXECUTING,
        "claimed_at": claimed_at,
        "attempts": F("attempts") + 1,
        "enqueued_at": None,  # the message that brought us here is consumed
        "updated_at": claimed_at,
    }
    with transaction.atomic():
        # Two conditional UPDATEs rather than one with ``claimable | abandoned``, so that the
        # audit row says what the action was claimed from.
        from_status, note = ActionStatus.APPROVED, "."
        won = AgentAction.objects.filter(claimable, pk=action_id).update(**claim)
        if not won:
            from_status, note = ActionStatus.EXECUTING, ": the previous claim outlived its lease."
            won = AgentAction.objects.filter(abandoned, pk=action_id).update(**claim)
        if not won:
            return Outcome("skipped")
        action = AgentAction.objects.select_related("workspace").get(pk=action_id)
        _audit(action, from_status, ActionStatus.EXECUTING, f"Attempt {action.attempts}{note}")
    # A capped send counts and sends under one lock, so a racing worker counts this one.
    with send_lock(action):
        return _gate_and_run(action, claimed_at, now)


def _gate_and_run(
    action: AgentAction, claimed_at: datetime, now: Callable[[], datetime]
) -> Outcome:
    gate = _compliance_gate(action, claimed_at, now)
    if gate is not None:
        return gate
    executor = executor_for(action.kind)
    try:
        if executor is None:
            raise LookupError(f"No executor is registered for actions of kind {action.kind!r}.")
        result = dict(executor(action, str(action.pk)))
    except RETRYABLE as error:
        return _retry_or_fail(action, claimed_at, error, now())
    except Exception as error:
        logger.exception("action %s failed", action.pk)
        return _finish(action, claimed_at, ActionStatus.FAILED, now(), error=repr(error))
    return _finish(action, claimed_at, ActionStatus.SUCCEEDED, now(), result=result)


def _compliance_gate(
    action: AgentAction, claimed_at: datetime, now: Callable[[], datetime]
) -> Outcome | None:
    """Check the action again, now: a blocking finding fails it and nothing is sent; a
    deferral (quiet hours) returns it to ``approved`` until the window opens. None: go ahead.
    A preflight that fails the way an executor may (a timeout, the soft time limit) is retried
    like one."""
    try:
        report = preflight(action, at=claimed_at)
    except RETRYABLE as error:
        return _retry_or_fail(action, claimed_at, error, now())
    except Exception as error:
        logger.exception("preflight of action %s raised", action.pk)
        return _finish(
            action, claimed_at, ActionStatus.FAILED, now(), error=f"Preflight: {error!r}"
        )
    if report is None:
        return None
    if report.blocking:
        return _finish(
            action,
            claimed_at,
            ActionStatus.FAILED,
            now(),
            error="Compliance blocked the send: " + describe(report, Severity.BLOCK),
            findings=merged_findings(action.findings or [], report),
        )
    until = report.defer_until
    if until is not None and until > claimed_at:
        why = describe(report, Severity.DEFER)
        if action.expires_at is not None and until > action.expires_at:
            return _finish(
                action,
                claimed_at,
                ActionStatus.EXPIRED,
                now(),
                error=f"Skipped: it could go only at {until:%Y-%m-%d %H:%M} UTC, after it "
                f"expires at {action.expires_at:%Y-%m-%d %H:%M} UTC: {why}",
                findings=merged_findings(action.findings or [], report),
            )
        return _defer(
            action, claimed_at, until, why, merged_findings(action.findings or [], report)
        )
    return None


def _defer(
    action: AgentAction,
    claimed_at: datetime,
    until: datetime,
    why: str,
    findings: list[dict[str, Any]],
) -> Outcome:
    """Back to ``approved`` until ``until``; the sweeper sends it once that instant passes (no
    message is pending: the claim cleared ``enqueued_at``). The attempt is given back: waiting
    for quiet hours to end is not a failure. The report that deferred it replaces the gate's
    findings, so the action's page says why it waits (a cap, a window)."""
    with transaction.atomic():
        moved = AgentAction.objects.filter(
            pk=action.pk, status=ActionStatus.EXECUTING, claimed_at=claimed_at
        ).update(
            status=ActionStatus.APPROVED,
            next_attempt_at=until,
            attempts=F("attempts") - 1,
            updated_at=claimed_at,
            findings=findings,
        )
        if moved:
            _audit(
                action,
                ActionStatus.EXECUTING,
                ActionStatus.APPROVED,
                f"Deferred until {until:%Y-%m-%d %H:%M} UTC: {why}",
            )
    return Outcome(ActionStatus.APPROVED if moved else "skipped", action.attempts - 1)


def _retry_or_fail(
    action: AgentAction, claimed_at: datetime, error: Exception, at: datetime
) -> Outcome:
    if isinstance(error, SoftTimeLimitExceeded):
        error = TransientError("the task's soft time limit ran out")
    if action.attempts >= MAX_ATTEMPTS:
        return _finish(action, claimed_at, ActionStatus.FAILED, at, error=f"{error} (gave up)")
    delay = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (action.attempts - 1))
    retry_at = at + delay * random.uniform(0.5, 1.0)
    with transaction.atomic():
        moved = AgentAction.objects.filter(
            pk=action.pk, status=ActionStatus.EXECUTING, claimed_at=claimed_at
        ).update(
            status=ActionStatus.APPROVED, next_attempt_at=retry_at, error=str(error), updated_at=at
        )
        if moved:
            _audit(
                action,
                ActionStatus.EXECUTING,
                ActionStatus.APPROVED,
                f"Attempt {action.attempts} failed ({error}); retrying at {retry_at:%H:%M:%S}.",
            )
    if moved:
        # Recorded as due at ``retry_at`` once published; if the publish fails, nothing is
        # recorded and the sweeper sends it once ``retry_at`` passes.
        enqueue_execution(action.pk, eta=retry_at, at=at)
    return Outcome(ActionStatus.APPROVED if moved else "skipped", action.attempts)


def _finish(
    action: AgentAction,
    claimed_at: datetime,
    status: str,
    at: datetime,
    *,
    result: Mapping[str, Any] | None = None,
    error: str = "",
    findings: list[dict[str, Any]] | None = None,
) -> Outcome:
    """Record the end, only if our claim still stands (a reclaimer's outcome is its own)."""
    changes: dict[str, Any] = {
        "status": status,
        "result": dict(result or {}),
        "error": error,
        "finished_at": at,
        "updated_at": at,
    }
    if findings is not None:
        changes["findings"] = findings
    with transaction.atomic():
        done = AgentAction.objects.filter(
            pk=action.pk, status=ActionStatus.EXECUTING, claimed_at=claimed_at
        ).update(**changes)
        if done:
            _audit(action, ActionStatus.EXECUTING, status, error or "Done.")
    return Outcome(status if done else "skipped", action.attempts)


def _audit(action: AgentAction, from_status: str, to_status: str, note: str) -> None:
    ActionTransition.objects.create(
        workspace_id=action.workspace_id,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor_kind=ActorKind.SYSTEM,
        note=note,
        at=timezone.now(),
    )


def actions_sweep(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Enqueue approved actions the fast path missed (lost message, broker down at approval)
    and executing ones whose claim expired (dead worker). Returns their ids.

    Either kind only when no message is pending: none is recorded (the publish failed, or a
    claim consumed it, as before a deferral or a retry whose publish failed) or the last one is
    older than :data:`REQUEUE` (the broker lost it). So a message waiting behind a backlog is not
    duplicated every sweep, and a lost publish is repaired by the next one.

    ``FOR UPDATE SKIP LOCKED`` lets several sweepers share the work; claiming stays with
    :func:`action_execute`, so enqueueing one twice is harmless."""
    now = now or timezone.now()
    nothing_pending = Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=now - REQUEUE)
    due = (
        (
            Q(status=ActionStatus.APPROVED, approved_at__lte=now - SWEEP_GRACE)
            & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        )
        | Q(status=ActionStatus.EXECUTING, claimed_at__lt=now - LEASE)
    ) & nothing_pending
    with transaction.atomic():
        ids = list(
            AgentAction.objects.select_for_update(skip_locked=True)
            .filter(due)
            .order_by("approved_at")
            .values_list("pk", flat=True)[:limit]
        )
        for pk in ids:
            enqueue_execution(pk)
    return ids

"""The sweeper under a backlog: it re-enqueues an approved action only when no execute message
is pending — none was published (the broker was down), a claim consumed it (a deferral), or the
last one is older than ``REQUEUE`` (the broker lost it) — so a queue that is merely long is not
doubled every sweep.

Messages are really published by the real task to a queue of this test's own on the test run's
Redis, and counted there; "the broker is down" is this process publishing to a port nobody
listens on (the producer's retries run out and the on-commit publish raises, as in
tests/e2e/test_action_exactly_once.py, which stops a real broker).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from como.agents import execution
from como.agents.execution import LEASE, REQUEUE, SWEEP_GRACE, action_execute, actions_sweep
from como.agents.models import ActionStatus, AgentAction
from como.channels import base
from como.channels.base import ActionLike, MetricRow
from como.compliance.findings import Finding, Report, Severity
from como.workspaces.models import Workspace
from tests.celery_queues import private_queue
from tests.e2e.test_action_exactly_once import free_port, publishing_to

from .test_execution import KIND, Clock, Executor, approved

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

SWEEP_PERIOD = timedelta(seconds=settings.COMO_ACTION_SWEEP_SECONDS)
GATE_KIND = "sweeper_gate_send"

Capture = Callable[..., Any]


@pytest.fixture
def queue() -> Iterator[Callable[[], int]]:
    """Publish to a fresh queue; yields how many messages wait in it."""
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    with private_queue() as name:
        yield lambda: int(broker.llen(name))
    broker.close()


@pytest.fixture
def broker_down() -> Iterator[None]:
    """Publishing from this process fails: nothing listens where it publishes."""
    with publishing_to(f"redis://127.0.0.1:{free_port()}/0"):
        yield


@pytest.fixture
def register(monkeypatch: pytest.MonkeyPatch) -> Callable[[Executor], Executor]:
    def install(executor: Executor) -> Executor:
        monkeypatch.setitem(execution._executors, KIND, executor)
        return executor

    return install


def stored(action: AgentAction) -> AgentAction:
    return AgentAction.objects.get(pk=action.pk)


def sweeps(start: datetime, end: datetime) -> list[datetime]:
    """Beat's sweeps from ``start`` up to (not including) ``end``."""
    instants = []
    while start < end:
        instants.append(start)
        start += SWEEP_PERIOD
    return instants


def test_a_message_waiting_in_the_queue_is_not_duplicated_until_requeue_passes(
    workspace: Workspace,
    queue: Callable[[], int],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        action = approved(workspace)
    after = timezone.now()

    # The approval's message is in the queue and its publish is recorded.
    assert queue() == 1
    published = stored(action).enqueued_at
    assert published is not None
    assert before <= published <= after

    # Behind a backlog, no worker gets to it: every sweep within REQUEUE leaves it alone.
    backlog = sweeps(published + SWEEP_GRACE, published + REQUEUE)
    assert len(backlog) == int((REQUEUE - SWEEP_GRACE) / SWEEP_PERIOD) + 1  # 20 by default
    for at in backlog:
        with django_capture_on_commit_callbacks(execute=True):
            assert actions_sweep(now=at) == []
    assert queue() == 1

    # REQUEUE after the publish the message counts as lost: enqueued once more, and recorded.
    with django_capture_on_commit_callbacks(execute=True):
        assert actions_sweep(now=published + REQUEUE) == [action.pk]
    assert queue() == 2
    republished = stored(action).enqueued_at
    assert republished is not None
    assert republished > published
    # The next sweep leaves the new message alone (the record is the clock's at the publish).
    with django_capture_on_commit_callbacks(execute=True):
        assert actions_sweep(now=republished + SWEEP_PERIOD) == []
    assert queue() == 2


def test_an_enqueue_lost_while_the_broker_was_down_is_repaired_by_the_next_sweep(
    workspace: Workspace,
    queue: Callable[[], int],
    broker_down: None,
    django_capture_on_commit_callbacks: Capture,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with (
        caplog.at_level(logging.ERROR, logger="django.db.backends.base"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        action = approved(workspace)  # the approval commits; its publish raises

    assert any("on_commit" in record.getMessage() for record in caplog.records)
    assert stored(action).status == ActionStatus.APPROVED
    assert stored(action).enqueued_at is None  # a failed publish is not recorded
    assert queue() == 0
    approved_at = stored(action).approved_at
    assert approved_at is not None

    # Still down at the next sweep: enqueued again, lost again, still unrecorded.
    with django_capture_on_commit_callbacks(execute=True):
        assert actions_sweep(now=approved_at + SWEEP_GRACE) == [action.pk]
    assert stored(action).enqueued_at is None

    # The broker is back: the sweep after that sends it, once.
    with publishing_to(settings.CELERY_BROKER_URL):
        with django_capture_on_commit_callbacks(execute=True):
            assert actions_sweep(now=approved_at + SWEEP_GRACE + SWEEP_PERIOD) == [action.pk]
        assert queue() == 1
        assert stored(action).enqueued_at is not None
        with django_capture_on_commit_callbacks(execute=True):
            assert actions_sweep(now=approved_at + SWEEP_GRACE + 2 * SWEEP_PERIOD) == []
        assert queue() == 1


def test_a_retry_is_pending_from_its_eta_and_a_lost_retry_is_swept_once_due(
    workspace: Workspace,
    queue: Callable[[], int],
    register: Callable[[Executor], Executor],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    register(
        Executor(execution.TransientError("503"), execution.TransientError("503"), {"done": True})
    )
    with django_capture_on_commit_callbacks(execute=True):
        action = approved(workspace)
    published = stored(action).enqueued_at
    assert published is not None

    # Attempt 1 fails; its retry is published with an eta and recorded as due then. (Claimed
    # after the sweeper's grace, so that every later instant is one the sweeper looks at
    # whatever the jitter of the backoff.)
    claim = published + SWEEP_GRACE + timedelta(seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert action_execute(action.pk, now=Clock(claim)).status == ActionStatus.APPROVED
    retry_at = stored(action).next_attempt_at
    assert retry_at is not None
    assert stored(action).enqueued_at == retry_at
    assert queue() == 2  # the approval's (no worker consumes it here) and the retry's
    for at in sweeps(retry_at, retry_at + REQUEUE):
        assert actions_sweep(now=at) == []

    # Attempt 2 fails while the broker is down: the retry's publish is lost, nothing recorded,
    # and the sweeper sends it as soon as it is due.
    with (
        publishing_to(f"redis://127.0.0.1:{free_port()}/0"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert action_execute(action.pk, now=Clock(retry_at)).status == ActionStatus.APPROVED
    second_retry = stored(action).next_attempt_at
    assert second_retry is not None
    assert second_retry > retry_at
    assert stored(action).enqueued_at is None
    assert queue() == 2
    assert actions_sweep(now=second_retry - timedelta(seconds=1)) == []
    assert actions_sweep(now=second_retry) == [action.pk]
    assert action_execute(action.pk, now=Clock(second_retry)).status == ActionStatus.SUCCEEDED


# --- quiet hours: the deferral consumed the message --------------------------------------------


class DeferringAdapter:
    key = "sweeper_gate"
    kinds = frozenset({GATE_KIND})

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.sent: list[int] = []

    def preflight(self, action: ActionLike, *, at: datetime) -> Report:
        return Report.of(self.findings, [self.key])

    def execute(self, action: ActionLike, idempotency_key: str) -> Mapping[str, Any]:
        self.sent.append(action.pk)
        return {"sent": True}

    def sync_metrics(self, *, workspace_id: int, day: date) -> list[MetricRow]:
        return []


@pytest.fixture
def adapter(monkeypatch: pytest.MonkeyPatch) -> DeferringAdapter:
    gate = DeferringAdapter()
    monkeypatch.setitem(base._adapters, gate.key, gate)
    monkeypatch.setitem(base._by_kind, GATE_KIND, gate)
    return gate


def test_a_short_deferral_is_swept_as_soon_as_its_instant_passes(
    workspace: Workspace,
    queue: Callable[[], int],
    adapter: DeferringAdapter,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        action = approved(workspace, kind=GATE_KIND)
    published = stored(action).enqueued_at
    assert published is not None

    # The worker takes the message a second later; quiet hours end in two minutes (well within
    # REQUEUE of the approval's publish, which must not hold the sweeper back).
    claim = published + timedelta(seconds=1)
    opens = claim + timedelta(minutes=2)
    assert opens < published + REQUEUE
    adapter.findings = [
        Finding(
            rule="sweeper_gate.quiet_hours",
            severity=Severity.DEFER,
            message="Outside 08:00-21:00 for the recipient.",
            defer_until=opens,
        )
    ]
    assert action_execute(action.pk, now=Clock(claim)).status == ActionStatus.APPROVED
    deferred = stored(action)
    assert (deferred.status, deferred.next_attempt_at, deferred.enqueued_at) == (
        ActionStatus.APPROVED,
        opens,
        None,
    )

    for at in sweeps(claim, opens):
        assert actions_sweep(now=at) == []
    adapter.findings = []
    with django_capture_on_commit_callbacks(execute=True):
        assert actions_sweep(now=opens) == [action.pk]
    assert queue() == 2
    assert action_execute(action.pk, now=Clock(opens)).status == ActionStatus.SUCCEEDED
    assert adapter.sent == [action.pk]


# --- abandoned claims ------------------------------------------------------------------------


def test_an_abandoned_claim_is_enqueued_once_per_requeue_not_every_sweep(
    workspace: Workspace,
    queue: Callable[[], int],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    action = approved(workspace)
    claimed = timezone.now() - LEASE - timedelta(seconds=1)
    # A worker claimed it (consuming the message) and died.
    AgentAction.objects.filter(pk=action.pk).update(
        status=ActionStatus.EXECUTING, claimed_at=claimed, attempts=1, enqueued_at=None
    )
    now = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        assert actions_sweep(now=now) == [action.pk]
    assert queue() == 1
    recorded = stored(action).enqueued_at
    assert recorded is not None
    for at in sweeps(now + SWEEP_PERIOD, recorded + REQUEUE):
        with django_capture_on_commit_callbacks(execute=True):
            assert actions_sweep(now=at) == []
    assert queue() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert actions_sweep(now=recorded + REQUEUE) == [action.pk]
    assert queue() == 2


def test_a_publish_recorded_after_a_claim_is_ignored(workspace: Workspace) -> None:
    """The race: the approval's message is published, a worker claims (and defers) the action,
    then the publisher records its enqueue. The record would hold a deferred action back."""
    action = approved(workspace)
    published_at = timezone.now()
    AgentAction.objects.filter(pk=action.pk).update(
        claimed_at=published_at + timedelta(milliseconds=5), enqueued_at=None
    )

    execution._record_enqueue(action.pk, published_at, published_at)

    assert stored(action).enqueued_at is None

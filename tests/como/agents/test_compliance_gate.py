"""The compliance gate around a channel's action: its report at proposal, the check right before
execution (a block fails it and nothing is sent; quiet hours defer it without spending an
attempt), and the sweeper sending it once the window opens.

A small channel adapter is registered for a test kind on the real registry; its report is what
the test sets, so the gate's behaviour is what is under test here (the real checks and adapters
have their own tests, and the consent matrix runs them end to end).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from como.agents.execution import SWEEP_GRACE, action_execute, actions_sweep
from como.agents.models import ActionStatus, AgentAction
from como.agents.services import action_approve, playbook_for
from como.channels import base
from como.channels.base import ActionLike, MetricRow
from como.channels.errors import TransientError
from como.compliance.findings import Finding, Report, Severity
from como.workspaces.models import Workspace

from .proposals import person, propose

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

KIND = "gate_test_send"
#: After the approvals the tests make (the sweeper only looks at actions approved before "now").
T0 = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(hours=1)


class GateAdapter:
    key = "gate_test"
    kinds = frozenset({KIND})

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.preflights: list[datetime] = []
        self.sent: list[tuple[int, str]] = []

    def preflight(self, action: ActionLike, *, at: datetime) -> Report:
        self.preflights.append(at)
        return Report.of(self.findings, [self.key])

    def execute(self, action: ActionLike, idempotency_key: str) -> Mapping[str, Any]:
        self.sent.append((action.pk, idempotency_key))
        return {"sent": True}

    def sync_metrics(self, *, workspace_id: int, day: date) -> list[MetricRow]:
        return []


@pytest.fixture
def adapter(monkeypatch: pytest.MonkeyPatch) -> GateAdapter:
    gate = GateAdapter()
    monkeypatch.setitem(base._adapters, gate.key, gate)
    monkeypatch.setitem(base._by_kind, KIND, gate)
    return gate


def block(message: str = "No consent on record.") -> Finding:
    return Finding(rule="gate_test.consent", severity=Severity.BLOCK, message=message)


def defer(until: datetime) -> Finding:
    return Finding(
        rule="gate_test.quiet_hours",
        severity=Severity.DEFER,
        message="Outside 08:00-21:00 for the recipient.",
        defer_until=until,
    )


def approved(workspace: Workspace, key: str = "g-1") -> AgentAction:
    playbook = playbook_for(workspace)
    playbook.auto_approve_kinds = [KIND]
    playbook.save()
    action = propose(workspace, key=key, kind=KIND, channel="")
    assert action.status == ActionStatus.APPROVED
    return action


def test_the_proposal_carries_the_adapters_report_and_its_channel(
    workspace: Workspace, adapter: GateAdapter
) -> None:
    adapter.findings = [block()]

    action = propose(workspace, kind=KIND, channel="")

    assert action.channel == "gate_test"
    assert [(f["rule"], f["severity"], f["source"]) for f in action.findings] == [
        ("gate_test.consent", "block", "gate")
    ]
    approver = person(workspace, "approver", "ana")
    with pytest.raises(ValidationError, match="blocking compliance finding"):
        action_approve(action=action, user=approver)


def test_a_block_found_right_before_execution_fails_it_and_sends_nothing(
    workspace: Workspace, adapter: GateAdapter
) -> None:
    action = approved(workspace)
    adapter.findings = [block("Consent was revoked after approval.")]

    outcome = action_execute(action.pk, now=lambda: T0)

    action.refresh_from_db()
    assert outcome.status == ActionStatus.FAILED
    assert adapter.sent == []
    assert adapter.preflights[-1] == T0  # checked at the claim, not at approval
    assert action.error == (
        "Compliance blocked the send: gate_test.consent: Consent was revoked after approval."
    )
    assert [f["message"] for f in action.blocking_findings] == [
        "Consent was revoked after approval."
    ]


def test_quiet_hours_defer_without_spending_an_attempt_then_the_sweeper_sends(
    workspace: Workspace, adapter: GateAdapter, monkeypatch: pytest.MonkeyPatch
) -> None:
    action = approved(workspace)
    opens = T0 + timedelta(hours=9)
    adapter.findings = [defer(opens)]

    outcome = action_execute(action.pk, now=lambda: T0)

    action.refresh_from_db()
    assert (outcome.status, action.status, action.attempts) == (
        ActionStatus.APPROVED,
        "approved",
        0,
    )
    assert action.next_attempt_at == opens
    assert adapter.sent == []
    note = action.transitions.order_by("at", "id").values_list("note", flat=True).last()
    assert note == f"Deferred until {opens:%Y-%m-%d %H:%M} UTC: gate_test.quiet_hours: " + (
        "Outside 08:00-21:00 for the recipient."
    )

    # Not yet: neither the sweeper nor a stray execute message sends it early.
    enqueued: list[int] = []
    monkeypatch.setattr("como.agents.execution.enqueue_execution", enqueued.append)
    assert actions_sweep(now=opens - timedelta(seconds=1)) == []
    assert action_execute(action.pk, now=lambda: opens - timedelta(seconds=1)).status == "skipped"

    # The window opens: the sweeper picks it up, and the send goes out once.
    adapter.findings = []
    assert actions_sweep(now=opens + SWEEP_GRACE) == [action.pk]
    assert action_execute(action.pk, now=lambda: opens).status == ActionStatus.SUCCEEDED
    assert adapter.sent == [(action.pk, str(action.pk))]
    action.refresh_from_db()
    assert action.attempts == 1


def test_an_instant_already_past_does_not_defer(workspace: Workspace, adapter: GateAdapter) -> None:
    action = approved(workspace)
    adapter.findings = [defer(T0 - timedelta(minutes=1))]

    assert action_execute(action.pk, now=lambda: T0).status == ActionStatus.SUCCEEDED
    assert len(adapter.sent) == 1


def test_a_preflight_that_raises_fails_the_action_and_sends_nothing(
    workspace: Workspace, adapter: GateAdapter, monkeypatch: pytest.MonkeyPatch
) -> None:
    action = approved(workspace)

    def broken(action: ActionLike, *, at: datetime) -> Report:
        raise RuntimeError("the ledger is unreachable")

    monkeypatch.setattr(adapter, "preflight", broken)

    assert action_execute(action.pk, now=lambda: T0).status == ActionStatus.FAILED
    action.refresh_from_db()
    assert "the ledger is unreachable" in action.error
    assert adapter.sent == []


def test_a_preflight_that_times_out_is_retried_like_an_executor(
    workspace: Workspace, adapter: GateAdapter, monkeypatch: pytest.MonkeyPatch
) -> None:
    action = approved(workspace)

    def slow(action: ActionLike, *, at: datetime) -> Report:
        raise TransientError("the ledger timed out")

    monkeypatch.setattr(adapter, "preflight", slow)

    outcome = action_execute(action.pk, now=lambda: T0)

    action.refresh_from_db()
    assert (outcome.status, action.status, action.attempts) == ("approved", "approved", 1)
    assert action.next_attempt_at is not None
    assert action.next_attempt_at > T0
    assert "the ledger timed out" in action.error
    assert adapter.sent == []

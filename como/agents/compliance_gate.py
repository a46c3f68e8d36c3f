"""Compliance around an action's life: its report when proposed, the gate right before it runs.

An action whose kind belongs to a channel adapter is checked by that adapter's ``preflight``
(the compliance engine plus the platform's limits) twice:

- at proposal, so the approver reads the report and a blocking finding makes approval
  impossible;
- right before execution, because consent can be revoked, a number can reply STOP and the
  clock can move into quiet hours between approval and sending. Then a blocking finding fails
  the action and nothing is sent; a ``defer`` finding (quiet hours) puts it back to wait until
  the window opens, without spending an attempt. A deferral past the action's ``expires_at``
  ends it as expired instead: it would go out later than whoever proposed it allowed.

The playbook's own limits on marketing sends, its frequency caps and send windows
(:mod:`.send_limits`), are a step of this gate: their ``defer`` findings join the adapter's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from como.channels.base import ActionLike, adapter_for_kind
from como.compliance.findings import Report, Severity

from .send_limits import send_limits_report

#: Rules written by an agent at proposal are kept; the adapter's report replaces its own.
_GATE_MARK = "gate"


def preflight(action: ActionLike, *, at: datetime) -> Report | None:
    """The adapter's report for the action now, or None when no channel adapter handles it."""
    adapter = adapter_for_kind(action.kind)
    if adapter is None:
        return None
    report = adapter.preflight(action, at=at)
    limits = send_limits_report(action, at=at)
    return Report.of((*report.findings, *limits.findings), (*report.checked, *limits.checked))


def channel_of(kind: str, channel: str) -> str:
    """The channel an action goes out on: its adapter's, for a kind an adapter declares."""
    adapter = adapter_for_kind(kind)
    return adapter.key if adapter is not None else channel


def merged_findings(
    proposed: Sequence[Mapping[str, Any]], report: Report | None
) -> list[dict[str, Any]]:
    """The agent's own findings, then the engine's (marked, so a revision replaces them)."""
    own = [dict(f) for f in proposed if f.get("source") != _GATE_MARK]
    if report is None:
        return own
    return own + [{**f, "source": _GATE_MARK} for f in report.as_list()]


def describe(report: Report, severity: Severity) -> str:
    return "; ".join(f"{f.rule}: {f.message}" for f in report.findings if f.severity is severity)

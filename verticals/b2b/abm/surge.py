"""The surge trigger: an account that *starts* surging gets an account play proposed.

An account is surging at ``now`` when one of its intent signals scoring at least the playbook's
surge bar (``intent.surge_bar``) occurred in the last ``accounts.play.surge_window_days`` days.
A batch of signals is watched (:data:`verticals.b2b.intent.services.WATCHERS`): the surging
domains among the batch's are read before it is stored and again after, in the storing
transaction; the accounts surging after and not before started surging, and
:func:`.proposals.propose_account_plays` proposes for them with ``reason="surge"`` and, as what
changed, the strongest new surge (topic, score, provider, week, signal id). A revision of a
signal that was already over the bar, or next week's signal of an account still in its window,
starts nothing. Two queries per batch, whatever its size.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from como.workspaces.models import Workspace

from ..accounts.settings import accounts_settings
from ..intent.models import IntentSignal
from ..intent.selectors import workspace_intent_settings
from .proposals import propose_account_plays

VERTICAL = "b2b"


def _surging(
    workspace: Workspace, domains: Sequence[str], since: datetime, bar: int
) -> dict[str, IntentSignal]:
    """Per surging domain of ``domains``, its strongest surge since ``since`` (ties: newest)."""
    rows = (
        IntentSignal.objects.filter(
            workspace=workspace, domain__in=list(domains), score__gte=bar, occurred_at__gt=since
        )
        .order_by("domain", "-score", "-occurred_at", "-pk")
        .distinct("domain")
    )
    return {row.domain: row for row in rows}


def surge_watch(workspace: Workspace, domains: Sequence[str], now: datetime) -> Callable[[], None]:
    """The intent batch watcher: what surges before the batch, to compare after it."""
    if workspace.vertical != VERTICAL or not domains:
        return lambda: None
    bar = workspace_intent_settings(workspace).surge_bar
    since = now - timedelta(days=accounts_settings(workspace).play.surge_window_days)
    before = set(_surging(workspace, domains, since, bar))

    def react() -> None:
        after = _surging(workspace, [d for d in domains if d not in before], since, bar)
        started = {
            signal.account_id: signal for signal in after.values() if signal.account_id is not None
        }
        if not started:
            return
        propose_account_plays(
            workspace,
            sorted(started),
            reason="surge",
            changed={
                pk: {
                    "topic": s.topic,
                    "score": s.score,
                    "provider": s.provider,
                    "week": s.week.isoformat(),
                    "signal_id": s.pk,
                    "surge_bar": bar,
                }
                for pk, s in started.items()
            },
            at=now,
        )

    return react

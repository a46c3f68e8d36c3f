"""Two workers racing for a person's last free slot under a frequency cap: exactly one text goes.

The transactions commit (``transaction=True``); each thread runs ``action_execute`` on its own
database connection, released together by a barrier. The real SMS adapter sends through the
sandbox transport; its delivery is slowed (not replaced) so that, without the send lock, both
workers would count before either had logged its text.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from como.agents.execution import Outcome, action_execute
from como.agents.models import ActionStatus, AgentAction
from como.channels.sms import adapter as sms_adapter
from como.workspaces.models import Workspace
from tests.como.channels.sms_support import consenting_contact

from .send_limits_support import limit, logged, text_to, texts_sent
from .test_concurrency import run_together

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_passwords"),
]


def noon_in_chicago_after(now: datetime) -> datetime:
    """The next 18:00 UTC (12:00 CST, 13:00 CDT) at least an hour after ``now``: inside TCPA's
    hours, and after the real clock the sandbox stamps ``sent_at`` with, so the texts sent
    during the test count."""
    day = now + timedelta(hours=1)
    noon = day.replace(hour=18, minute=0, second=0, microsecond=0)
    return noon if noon >= day else noon + timedelta(days=1)


def test_two_workers_racing_for_the_last_slot_send_one_text(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    limit(workspace, frequency_caps=[{"channel": "sms", "max_messages": 2, "per_days": 7}])
    ana = consenting_contact(workspace)
    at = noon_in_chicago_after(datetime.now(UTC))
    earlier = logged(ana, datetime.now(UTC) - timedelta(days=1), "yesterday", campaign_id=3)
    first, second = text_to(ana, "offer-a"), text_to(ana, "offer-b")
    deliver = sms_adapter.sms_deliver

    def slow_deliver(**kwargs: Any) -> Any:
        time.sleep(0.5)
        return deliver(**kwargs)

    monkeypatch.setattr(sms_adapter, "sms_deliver", slow_deliver)

    def worker(action: AgentAction) -> Any:
        def work(barrier: threading.Barrier) -> Outcome:
            barrier.wait(timeout=10)
            return action_execute(action.pk, now=lambda: at)

        return work

    outcomes = run_together([worker(first), worker(second)])

    assert sorted(outcome.status for outcome in outcomes) == ["approved", "succeeded"]
    sent = texts_sent(ana)
    assert len(sent) == 1
    assert sent[0] in (first.pk, second.pk)
    waiting = AgentAction.objects.get(pk=second.pk if sent[0] == first.pk else first.pk)
    assert waiting.status == ActionStatus.APPROVED
    assert earlier.sent_at is not None
    assert waiting.next_attempt_at == earlier.sent_at + timedelta(days=7)

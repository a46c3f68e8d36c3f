"""Every task that retries on a database hiccup uses the one shared policy."""

from __future__ import annotations

from django.db import OperationalError

from como.agents import tasks as agents
from como.campaigns import tasks as campaigns
from como.scoring import tasks as scoring
from como.task_policy import RETRY_ON_DATABASE_ERRORS

DATABASE_RETRYING = [
    agents.execute_action,
    agents.sweep_actions,
    agents.expire_actions,
    agents.refit_scoring,
    agents.escalate_handoffs,
    scoring.rescore_workspace,
    campaigns.sync_metrics,
    campaigns.recompute_attribution,
]


def test_the_database_retry_policy_is_shared() -> None:
    assert RETRY_ON_DATABASE_ERRORS["autoretry_for"] == (OperationalError,)
    for task in DATABASE_RETRYING:
        assert task.autoretry_for == (OperationalError,), task.name
        assert (task.retry_backoff, task.max_retries) == (True, 5), task.name

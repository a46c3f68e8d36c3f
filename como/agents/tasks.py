"""Celery tasks of agents: thin wrappers that take ids and call a service."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from .execution import action_execute, actions_sweep
from .services import actions_expire


@shared_task(
    name="como.agents.execute_action",
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def execute_action(action_id: int) -> str:
    """Claim and run one approved action (a no-op unless this call wins the claim)."""
    return action_execute(action_id).status


@shared_task(
    name="como.agents.sweep_actions",
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def sweep_actions() -> int:
    """Beat: enqueue approved actions whose message was lost, and abandoned claims."""
    return len(actions_sweep())


@shared_task(
    name="como.agents.expire_actions",
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def expire_actions() -> int:
    """Beat: expire proposals nobody decided in time."""
    return actions_expire()

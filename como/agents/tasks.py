"""Celery tasks of agents: thin wrappers that take ids and call a service."""

from __future__ import annotations

from celery import shared_task

from como.task_policy import RETRY_ON_DATABASE_ERRORS

from .execution import action_execute, actions_sweep
from .services import actions_expire


@shared_task(
    name="como.agents.execute_action",
    ignore_result=True,
    **RETRY_ON_DATABASE_ERRORS,
)
def execute_action(action_id: int) -> str:
    """Claim and run one approved action (a no-op unless this call wins the claim)."""
    return action_execute(action_id).status


@shared_task(
    name="como.agents.sweep_actions",
    ignore_result=True,
    **RETRY_ON_DATABASE_ERRORS,
)
def sweep_actions() -> int:
    """Beat: enqueue approved actions whose message was lost, and abandoned claims."""
    return len(actions_sweep())


@shared_task(
    name="como.agents.expire_actions",
    ignore_result=True,
    **RETRY_ON_DATABASE_ERRORS,
)
def expire_actions() -> int:
    """Beat: expire proposals nobody decided in time."""
    return actions_expire()


@shared_task(
    name="como.agents.refit_scoring",
    ignore_result=True,
    **RETRY_ON_DATABASE_ERRORS,
)
def refit_scoring(workspace_id: int) -> str:
    """Beat, per playbook: refit the workspace's scoring model on its outcomes and propose it
    (nothing when the agent is switched off, or the outcomes are too few)."""
    from como.workspaces.models import Workspace

    from .refit import scoring_refit_run

    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:  # a schedule outliving its workspace
        return "no workspace"
    return scoring_refit_run(workspace=workspace).status


@shared_task(
    name="como.agents.escalate_handoffs",
    ignore_result=True,
    **RETRY_ON_DATABASE_ERRORS,
)
def escalate_handoffs(now: str | None = None) -> int:
    """Beat: pass MQL handoffs nobody touched in time to the next rep or the manager, and
    record their SLA breaches. ``now`` (ISO 8601, default the clock) lets an operator or a
    test run the escalation as of another instant."""
    from django.utils.dateparse import parse_datetime

    from .handoff.escalation import handoffs_escalate

    at = parse_datetime(now) if now else None
    return len(handoffs_escalate(now=at))

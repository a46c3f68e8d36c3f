"""Agents that run on a schedule: one django-celery-beat ``PeriodicTask`` per workspace and agent,
kept in step with the workspace's playbook.

The playbook's ``agents`` JSON holds, per agent key, whether it is on and (for an agent that
runs on a schedule) when::

    {
        "scoring_refit": {"enabled": true, "every_days": 7},
        "some_agent": {"enabled": false},
        "another_agent": {"crontab": "0 6 * * 1"}
    }

- ``enabled``: true or false; an agent not listed, or without ``enabled``, is on.
- At most one of ``every_days`` (whole days, 1 to 3650), ``every_hours`` (whole hours, 1 to
  87600) or ``crontab`` (five fields, ``minute hour day-of-month month day-of-week``, read in the
  workspace's time zone). None: the agent's default schedule (:class:`AgentSchedule`).
- Agents may keep settings of their own beside these keys.

:func:`agent_schedule_sync` writes the rows (called by
:func:`como.agents.playbooks.playbook_update` whenever a playbook is saved). A switched-off agent
keeps its row, disabled; its task checks the playbook again when it runs, so a schedule that
fires late (a beat process that had not reloaded yet) does nothing. The rows are named
``agents/<workspace id>/<agent key>`` and run the agent's task with
``kwargs={"workspace_id": <id>}``; edit the playbook rather than the row, which the next sync
overwrites.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from como.beat import (
    crontab_fields,
    crontab_schedule,
    interval_schedule,
    periodic_task_upsert,
    periodic_tasks_delete,
)
from como.registry import Registry
from como.workspaces.models import Workspace

from .models import Playbook
from .registry import registered_agents

#: The keys of an agent's playbook entry that this module reads.
SCHEDULE_KEYS = ("every_days", "every_hours", "crontab")
#: Ten years: far beyond any useful cadence, well within the interval's integer column.
MAX_EVERY = {"every_days": 3650, "every_hours": 3650 * 24}


@dataclass(frozen=True)
class Cadence:
    """When an agent runs: every ``every`` ``period`` (days or hours), or on a crontab."""

    every: int | None = None
    period: str = IntervalSchedule.DAYS
    crontab: str | None = None

    def __str__(self) -> str:
        if self.crontab is not None:
            return f"crontab {self.crontab}"
        return f"every {self.every} {self.period}"


@dataclass(frozen=True)
class AgentSchedule:
    """An agent's periodic task: the Celery task name (it takes ``workspace_id``) and the
    cadence used when the playbook names none."""

    agent: str
    task: str
    default: Cadence


#: Each agent's periodic task, by agent key.
SCHEDULES: Registry[AgentSchedule] = Registry("agent schedule")


def register_schedule(schedule: AgentSchedule) -> None:
    SCHEDULES.register(schedule.agent, schedule)


def registered_schedules() -> list[AgentSchedule]:
    return SCHEDULES.all()


def task_name(workspace_id: int, agent: str) -> str:
    return f"agents/{workspace_id}/{agent}"


# --- The playbook's agents JSON --------------------------------------------------------------


def agents_settings_errors(agents: Any) -> list[str]:
    """``path: message`` lines for an invalid ``Playbook.agents`` value; empty when valid."""
    if not isinstance(agents, Mapping):
        return ["agents: must be a JSON object of agent key → settings"]
    known = {spec.key for spec in registered_agents()}
    errors: list[str] = []
    for key, entry in agents.items():
        if key not in known:
            names = ", ".join(sorted(known)) or "none"
            errors.append(f"agents.{key}: no agent is registered as {key!r} (known: {names})")
            continue
        if not isinstance(entry, Mapping):
            errors.append(f'agents.{key}: must be an object like {{"enabled": true}}')
            continue
        if "enabled" in entry and not isinstance(entry["enabled"], bool):
            errors.append(f"agents.{key}.enabled: must be true or false")
        given = [name for name in SCHEDULE_KEYS if name in entry]
        if given and key not in SCHEDULES:
            errors.append(f"agents.{key}: this agent does not run on a schedule")
            continue
        if len(given) > 1:
            errors.append(f"agents.{key}: give one of {', '.join(SCHEDULE_KEYS)}, not several")
            continue
        for name in given:
            errors += [f"agents.{key}.{name}: {problem}" for problem in _value_errors(name, entry)]
    return errors


def _value_errors(name: str, entry: Mapping[str, Any]) -> list[str]:
    value = entry[name]
    if name == "crontab":
        if not isinstance(value, str):
            return ["must be five fields, like '0 6 * * 1'"]
        try:
            crontab_fields(value)
        except ValueError as error:
            return [str(error)]
        return []
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return ["must be a whole number, at least 1"]
    if value > MAX_EVERY[name]:
        return [f"must be at most {MAX_EVERY[name]}"]
    return []


def cadence_of(entry: Mapping[str, Any], default: Cadence) -> Cadence:
    """The cadence an agent's (valid) playbook entry asks for."""
    if "every_days" in entry:
        return Cadence(every=int(entry["every_days"]), period=IntervalSchedule.DAYS)
    if "every_hours" in entry:
        return Cadence(every=int(entry["every_hours"]), period=IntervalSchedule.HOURS)
    if "crontab" in entry:
        return Cadence(crontab=" ".join(str(entry["crontab"]).split()))
    return default


def _entry(playbook: Playbook, agent: str) -> Mapping[str, Any]:
    entry = (playbook.agents or {}).get(agent)
    return entry if isinstance(entry, Mapping) else {}


# --- Sync ------------------------------------------------------------------------------------


@transaction.atomic
def agent_schedule_sync(*, workspace: Workspace) -> list[PeriodicTask]:
    """Create, update, enable or disable the workspace's agent schedules to match its playbook,
    and delete those of agents that no longer have one. Rows that already match are left
    untouched (beat reloads its schedule whenever a row is saved). Returns the rows."""
    from .services import playbook_for

    playbook = playbook_for(workspace)
    wanted: list[PeriodicTask] = []
    for schedule in registered_schedules():
        entry = _entry(playbook, schedule.agent)
        wanted.append(
            _upsert(
                workspace,
                schedule,
                cadence_of(entry, schedule.default),
                enabled=bool(entry.get("enabled", True)),
            )
        )
    prefix = task_name(workspace.pk, "")
    periodic_tasks_delete(
        PeriodicTask.objects.filter(name__startswith=prefix).exclude(
            name__in=[task.name for task in wanted]
        )
    )
    return wanted


def _upsert(
    workspace: Workspace, schedule: AgentSchedule, cadence: Cadence, *, enabled: bool
) -> PeriodicTask:
    interval: IntervalSchedule | None = None
    crontab: CrontabSchedule | None = None
    if cadence.crontab is not None:
        crontab = crontab_schedule(cadence.crontab, workspace.time_zone)
    else:
        interval = interval_schedule(cadence.every or 1, cadence.period)
    values: dict[str, Any] = {
        "task": schedule.task,
        "interval_id": None if interval is None else interval.pk,
        "crontab_id": None if crontab is None else crontab.pk,
        "solar_id": None,
        "clocked_id": None,
        "kwargs": json.dumps({"workspace_id": workspace.pk}),
        "enabled": enabled,
        "one_off": False,
        "description": (
            f"Agent {schedule.agent} of workspace {workspace.slug}, {cadence}"
            + ("" if enabled else " (switched off)")
            + ". Set in the workspace's playbook: edit it there, not here."
        ),
    }
    return periodic_task_upsert(task_name(workspace.pk, schedule.agent), values)

"""Agent schedules follow the playbook: django-celery-beat rows per workspace and agent."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from como.agents.models import AgentAction
from como.agents.playbooks import playbook_update
from como.agents.refit import AGENT
from como.agents.schedules import agent_schedule_sync, agents_settings_errors, task_name
from como.agents.services import playbook_for
from como.agents.tasks import refit_scoring
from como.workspaces.models import Workspace

from .refit_population import build_population

pytestmark = pytest.mark.django_db

TASK = "como.agents.refit_scoring"


def refit_row(workspace: Workspace) -> PeriodicTask:
    return PeriodicTask.objects.select_related("interval", "crontab").get(
        name=task_name(workspace.pk, AGENT)
    )


def test_saving_the_playbook_creates_the_refit_schedule(workspace: Workspace) -> None:
    assert not PeriodicTask.objects.filter(task=TASK).exists()

    playbook_update(
        playbook=playbook_for(workspace), agents={AGENT: {"enabled": True, "every_days": 3}}
    )

    row = refit_row(workspace)
    assert row.task == TASK
    assert json.loads(row.kwargs) == {"workspace_id": workspace.pk}
    assert row.enabled
    assert row.interval is not None
    assert (row.interval.every, row.interval.period) == (3, IntervalSchedule.DAYS)
    assert row.crontab is None
    assert "playbook" in row.description


def test_an_agent_the_playbook_does_not_mention_runs_on_its_default_schedule(
    other_workspace: Workspace,
) -> None:
    # Automotive: neither the workspace nor its vertical mentions the refit agent.
    playbook_update(playbook=playbook_for(other_workspace))

    row = refit_row(other_workspace)
    assert row.enabled
    assert row.interval is not None
    assert (row.interval.every, row.interval.period) == (7, IntervalSchedule.DAYS)


def test_an_agent_the_vertical_schedules_runs_on_the_verticals_schedule(
    workspace: Workspace,
) -> None:
    # B2B: the vertical's playbook defaults refit on Monday mornings (the workspace's time).
    playbook_update(playbook=playbook_for(workspace))

    row = refit_row(workspace)
    assert row.enabled
    assert row.interval is None
    assert row.crontab is not None
    assert (row.crontab.minute, row.crontab.hour, row.crontab.day_of_week) == ("0", "6", "1")
    assert str(row.crontab.timezone) == workspace.time_zone


def test_rescheduling_updates_the_same_row(workspace: Workspace) -> None:
    playbook = playbook_for(workspace)
    playbook_update(playbook=playbook, agents={AGENT: {"every_days": 7}})
    first = refit_row(workspace)

    playbook_update(playbook=playbook, agents={AGENT: {"every_hours": 12}})
    hourly = refit_row(workspace)
    assert hourly.pk == first.pk
    assert hourly.interval is not None
    assert (hourly.interval.every, hourly.interval.period) == (12, IntervalSchedule.HOURS)

    playbook_update(playbook=playbook, agents={AGENT: {"crontab": "30 6 * * mon"}})
    weekly = refit_row(workspace)
    assert weekly.pk == first.pk
    assert weekly.interval is None
    assert weekly.crontab is not None
    crontab = weekly.crontab
    assert (crontab.minute, crontab.hour, crontab.day_of_week) == ("30", "6", "mon")
    assert (crontab.day_of_month, crontab.month_of_year) == ("*", "*")
    assert str(crontab.timezone) == workspace.time_zone  # the workspace's clock
    assert PeriodicTask.objects.filter(task=TASK).count() == 1


def test_switching_an_agent_off_disables_its_row_and_on_enables_it(workspace: Workspace) -> None:
    playbook = playbook_for(workspace)
    playbook_update(playbook=playbook, agents={AGENT: {"enabled": True, "every_days": 7}})

    playbook_update(playbook=playbook, agents={AGENT: {"enabled": False, "every_days": 7}})
    assert not refit_row(workspace).enabled
    assert "switched off" in refit_row(workspace).description

    playbook_update(playbook=playbook, agents={AGENT: {"enabled": True, "every_days": 7}})
    assert refit_row(workspace).enabled


def test_an_unchanged_playbook_leaves_the_row_untouched(workspace: Workspace) -> None:
    playbook = playbook_for(workspace)
    playbook_update(playbook=playbook, agents={AGENT: {"every_days": 7}})
    before = refit_row(workspace).date_changed

    playbook_update(playbook=playbook, handoff_sla_minutes=10)

    assert refit_row(workspace).date_changed == before


def test_schedules_are_per_workspace(workspace: Workspace, other_workspace: Workspace) -> None:
    playbook_update(playbook=playbook_for(workspace), agents={AGENT: {"every_days": 2}})
    playbook_update(playbook=playbook_for(other_workspace), agents={AGENT: {"enabled": False}})

    mine, theirs = refit_row(workspace), refit_row(other_workspace)
    assert json.loads(mine.kwargs) == {"workspace_id": workspace.pk}
    assert json.loads(theirs.kwargs) == {"workspace_id": other_workspace.pk}
    assert (mine.enabled, theirs.enabled) == (True, False)


def test_a_row_of_an_agent_without_a_schedule_is_removed(workspace: Workspace) -> None:
    stray = PeriodicTask.objects.create(
        name=task_name(workspace.pk, "retired_agent"),
        task="como.agents.retired",
        interval=IntervalSchedule.objects.create(every=1, period=IntervalSchedule.DAYS),
    )

    agent_schedule_sync(workspace=workspace)

    assert not PeriodicTask.objects.filter(pk=stray.pk).exists()
    assert refit_row(workspace).enabled


@pytest.mark.parametrize(
    ("agents", "error"),
    [
        ({AGENT: {"every_days": 0}}, f"agents.{AGENT}.every_days: must be a whole number"),
        ({AGENT: {"every_hours": 1.5}}, f"agents.{AGENT}.every_hours: must be a whole number"),
        ({AGENT: {"every_days": True}}, f"agents.{AGENT}.every_days: must be a whole number"),
        ({AGENT: {"crontab": "0 6 * *"}}, f"agents.{AGENT}.crontab: must be five fields"),
        ({AGENT: {"crontab": "0 25 * * *"}}, f"agents.{AGENT}.crontab: not a valid crontab"),
        # celery's ParseException is no ValueError: these were a 500 (como.beat catches it).
        ({AGENT: {"crontab": "-1 * * * *"}}, f"agents.{AGENT}.crontab: not a valid crontab"),
        ({AGENT: {"crontab": "1,,2 * * * *"}}, f"agents.{AGENT}.crontab: not a valid crontab"),
        (
            {AGENT: {"every_days": 1, "crontab": "0 6 * * *"}},
            f"agents.{AGENT}: give one of every_days, every_hours, crontab",
        ),
        ({AGENT: {"enabled": "no"}}, f"agents.{AGENT}.enabled: must be true or false"),
        ({AGENT: True}, f"agents.{AGENT}: must be an object"),
        ({"scoring_refti": {"enabled": False}}, "agents.scoring_refti: no agent is registered"),
        ([], "agents: must be a JSON object"),
    ],
)
def test_invalid_agent_settings_are_refused_and_nothing_changes(
    workspace: Workspace, agents: object, error: str
) -> None:
    playbook = playbook_for(workspace)
    playbook_update(playbook=playbook, agents={AGENT: {"every_days": 7}})

    assert any(line.startswith(error) for line in agents_settings_errors(agents))
    with pytest.raises(ValidationError) as raised:
        playbook_update(playbook=playbook, agents=agents)

    assert any(line.startswith(error) for line in raised.value.message_dict["agents"])
    playbook.refresh_from_db()
    assert playbook.agents == {AGENT: {"every_days": 7}}
    row = refit_row(workspace)
    assert row.interval is not None
    assert row.interval.every == 7


def test_unknown_playbook_fields_are_refused(workspace: Workspace) -> None:
    with pytest.raises(TypeError, match="workspace"):
        playbook_update(playbook=playbook_for(workspace), workspace=workspace)


def test_a_switched_off_agents_task_proposes_nothing(workspace: Workspace) -> None:
    build_population(workspace)
    playbook = playbook_for(workspace)
    playbook_update(playbook=playbook, agents={AGENT: {"enabled": False, "every_days": 7}})

    # A stale schedule fires anyway (beat had not reloaded): the task looks at the playbook.
    assert refit_scoring(workspace_id=workspace.pk) == "disabled"
    assert not AgentAction.objects.exists()

    playbook_update(playbook=playbook, agents={AGENT: {"enabled": True, "every_days": 7}})
    assert refit_scoring(workspace_id=workspace.pk) == "proposed"
    assert AgentAction.objects.filter(agent=AGENT).count() == 1


def test_a_schedule_outliving_its_workspace_does_nothing(db: object) -> None:
    assert refit_scoring(workspace_id=987_654) == "no workspace"

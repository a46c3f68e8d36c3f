"""The surge trigger: an account that starts surging (crosses the bar, not surging in the
window before) gets one play; a second signal while it waits, a revision of a surge, or a
signal under the bar proposes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from como.agents.models import AgentAction
from como.agents.services import action_reject
from como.leads.models import Account
from como.workspaces.models import Workspace
from tests.como.sequences.support import approver
from verticals.b2b.intent.services import intent_signals_record

from .abm_setup import acme

pytestmark = pytest.mark.django_db


def _monday() -> date:
    today = timezone.now().date()
    return today - timedelta(days=today.weekday())


def _signal(domain: str, topic: str, score: int, week: date | None = None) -> dict[str, Any]:
    return {
        "provider": "bombora",
        "domain": domain,
        "topic": topic,
        "score": score,
        "week": (week or _monday()).isoformat(),
    }


def _record(workspace: Workspace, *items: dict[str, Any]) -> None:
    results = intent_signals_record(workspace=workspace, items=list(items), source="api")
    assert all(r.status in ("created", "updated") for r in results), results


def _plays(workspace: Workspace) -> list[AgentAction]:
    return list(AgentAction.objects.filter(workspace=workspace, kind="account_play").order_by("pk"))


def test_a_surge_crossing_the_bar_proposes_once_and_not_again_while_it_waits(
    workspace: Workspace,
) -> None:
    team = acme(workspace)
    quiet = Account.objects.create(workspace=workspace, domain="quiet.example", name="Quiet")

    _record(
        workspace,
        _signal("acme.com", "Data Warehouse", 59),  # under the bar: nothing
        _signal("quiet.example", "Data Warehouse", 40),
    )
    assert _plays(workspace) == []

    _record(workspace, _signal("acme.com", "Cloud Data Warehouse", 72))

    [play] = _plays(workspace)
    assert play.target_id == str(team.account.pk)
    assert play.payload["reason"] == "surge"
    changed = play.payload["changed"]
    assert {k: changed[k] for k in ("topic", "score", "provider", "surge_bar")} == {
        "topic": "Cloud Data Warehouse",
        "score": 72,
        "provider": "bombora",
        "surge_bar": 60,
    }
    assert play.payload["parts"] == ["handoff", "sequence", "audience"]

    # a second surging signal while the play waits: nothing more
    _record(workspace, _signal("acme.com", "ETL Tools", 81))
    assert len(_plays(workspace)) == 1
    assert quiet.pk != team.account.pk


def test_an_account_already_surging_does_not_start_again(workspace: Workspace) -> None:
    team = acme(workspace)
    _record(workspace, _signal("acme.com", "Cloud Data Warehouse", 72))
    [play] = _plays(workspace)
    action_reject(action=play, user=approver(workspace, "vera"), reason="Not now.")

    # the provider revises the same reading: the account was surging already
    _record(workspace, _signal("acme.com", "Cloud Data Warehouse", 75))
    assert len(_plays(workspace)) == 1
    assert play.target_id == str(team.account.pk)


def test_a_surge_older_than_the_window_is_no_surge_now(workspace: Workspace) -> None:
    acme(workspace)
    _record(workspace, _signal("acme.com", "Data Lake", 90, week=_monday() - timedelta(weeks=3)))
    assert _plays(workspace) == []

    _record(workspace, _signal("acme.com", "Data Lake", 66))
    assert len(_plays(workspace)) == 1

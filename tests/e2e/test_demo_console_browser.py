"""The console on the demo's own data, as a new user meets it (issue 15's acceptance): the demo
owner logs in, sees the dashboard's charts drawn with data, opens a campaign's per-channel
charts, clears three actions from the inbox with the keyboard (one approved, one rejected with
a reason, one in a bulk approval) and sees a scoring change's preview count before saving.
Screenshots go to artifacts/screenshots/demo-*.png (README, "Screenshots")."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from como.agents.models import (
    ActionApproval,
    ActionStatus,
    ActionTransition,
    AgentAction,
    PlaybookVersion,
)
from como.agents.services import playbook_for
from como.campaigns.models import Campaign
from como.demo import services
from tests.como.demo.test_seed import SMALL

from .test_admin_browser import _CHARTS_JS, _log_in, page  # noqa: F401  (the Chromium page)
from .test_admin_browser import pytestmark as browser_marks
from .test_dashboard_browser import CHARTS

pytestmark = [*browser_marks, pytest.mark.usefixtures("fast_passwords")]

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
NOTE = "Read the findings; fine to send."
REASON = "Not this week: the service drive is full."


def _shot(tab: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert len(tab.screenshot(path=str(SHOTS / f"demo-{name}.png"), full_page=True)) > 10_000


def _decide_with_note_if_asked(tab: Any) -> None:
    """After `a`: an action with warnings asks for a note (a form); one without goes at once."""
    form = tab.locator("#inbox-form:not([hidden])")
    try:
        form.wait_for(timeout=1_500)
    except Exception:
        return
    tab.keyboard.type(NOTE)
    tab.keyboard.press("Enter")


def _waiting(workspace: Any) -> list[AgentAction]:
    return list(
        AgentAction.objects.filter(workspace=workspace, status=ActionStatus.PROPOSED).order_by(
            "created_at", "pk"
        )
    )


@pytest.mark.django_db(transaction=True)
def test_the_demo_owner_uses_the_console(live_server: Any, page: Any, tmp_path: Path) -> None:  # noqa: F811
    seeded = services.demo_seed(credentials_path=tmp_path / "demo.json", workspaces=SMALL)
    dealer = next(s for s in seeded.workspaces if s.workspace.vertical == "automotive")
    workspace = dealer.workspace
    _log_in(page, live_server, dealer.member.username, dealer.member.password)

    # The dashboard: every chart has data and has painted pixels.
    page.goto(f"{live_server.url}/admin/")
    page.wait_for_function("() => document.querySelectorAll('canvas.console-chart').length > 0")
    charts = page.evaluate(CHARTS)
    assert charts
    for chart in charts:
        assert chart["datasets"], chart
        assert any(d["points"] and d["sum"] > 0 for d in chart["datasets"]), chart
        assert chart["painted"] > 0, chart
    _shot(page, "dashboard")

    # A campaign's per-channel charts: a chart per channel it runs on, each with data.
    campaign = (
        Campaign.objects.filter(workspace=workspace)
        .exclude(utm_campaigns=[])
        .order_by("pk")
        .first()
    )
    assert campaign is not None
    page.goto(f"{live_server.url}/admin/campaigns/campaign/{campaign.pk}/monitoring/")
    page.wait_for_function("() => document.querySelectorAll('canvas.chart').length > 0")
    drawn = page.evaluate(_CHARTS_JS)
    assert {c["channel"] for c in drawn} >= set(campaign.channels)
    assert all(c["drawn"] and any(n for _, n in c["datasets"]) for c in drawn), drawn
    _shot(page, "campaign")

    # The inbox: three of the demo's waiting actions cleared with the keyboard.
    waiting = _waiting(workspace)
    assert len(waiting) >= 3, [a.kind for a in waiting]
    assert all(a.proposed_by_id != page_user_id(dealer) for a in waiting)
    first, second, third = waiting[:3]
    page.goto(f"{live_server.url}/admin/agents/inboxaction/")
    page.wait_for_selector(f"#inbox-pane .pane[data-id='{first.pk}']")
    _shot(page, "inbox")
    page.keyboard.press("a")
    _decide_with_note_if_asked(page)
    page.wait_for_selector(f"#row-{first.pk}", state="detached")
    page.wait_for_selector(f"#inbox-pane .pane[data-id='{second.pk}']")
    page.keyboard.press("r")
    page.wait_for_selector("#inbox-form:not([hidden])")
    page.keyboard.type(REASON)
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#row-{second.pk}", state="detached")
    page.wait_for_selector(f"#inbox-pane .pane[data-id='{third.pk}']")
    page.keyboard.press("x")
    page.keyboard.press("a")
    page.wait_for_selector("#inbox-form:not([hidden])")
    page.keyboard.type(NOTE)
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#row-{third.pk}", state="detached")
    for action in (first, second, third):
        action.refresh_from_db()
    assert first.status == ActionStatus.APPROVED  # no worker here: it waits, enqueued
    assert second.status == ActionStatus.REJECTED
    assert ActionTransition.objects.filter(action=second, note__contains=REASON).exists()
    assert third.status == ActionStatus.APPROVED
    assert ActionApproval.objects.get(action=third).note == NOTE

    # The playbook's scoring rules: a lower threshold, its preview count before any save.
    playbook = playbook_for(workspace)
    versions = PlaybookVersion.objects.filter(workspace=workspace).count()
    page.goto(f"{live_server.url}/admin/agents/playbook/{playbook.pk}/change/?section=scoring")
    threshold = float(page.input_value("#id_threshold"))
    page.fill("#id_threshold", str(max(threshold - 25, 1)))
    page.wait_for_selector(".scoring-preview-result")
    preview = page.inner_text("#scoring-preview")
    assert re.search(r"This change would make \d+ leads? MQLs?", preview), preview
    assert PlaybookVersion.objects.filter(workspace=workspace).count() == versions
    _shot(page, "playbook")


def page_user_id(seeded: Any) -> int:
    from django.contrib.auth import get_user_model

    return int(get_user_model().objects.get(username=seeded.member.username).pk)

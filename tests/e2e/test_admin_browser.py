"""The admin as a person uses it: real headless Chromium against a live server."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django.utils import timezone

from como.scoring.decay import QUARTER
from como.scoring.services import scoring_model_create_version
from como.workspaces.models import Workspace
from tests.factories import ContactFactory, EventFactory, MembershipFactory, UserFactory

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.browser,
    # On a developer's machine without Chromium the test skips; CI must not go green without it.
    pytest.mark.skipif(
        CHROMIUM is None and not os.environ.get("CI"),
        reason="Chromium is not installed (make browser)",
    ),
]


@pytest.fixture
def page() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between page actions are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            yield browser.new_page()
        finally:
            browser.close()
            # The ORM calls made while Playwright ran opened a connection of their own (its
            # greenlet is another context); left open, it blocks dropping the test database.
            connections.close_all()
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def _log_in(page: Any, live_server: Any, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form#login-form [type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")


@pytest.mark.django_db(transaction=True)
def test_member_logs_in_and_sees_only_their_workspace(
    live_server: Any, page: Any, workspace: Workspace, other_workspace: Workspace
) -> None:
    user = UserFactory.create(username="maria", password="a-long-demo-passphrase")
    MembershipFactory.create(workspace=workspace, user=user, role="marketer")
    ContactFactory.create(workspace=workspace, email="ana@acme-buyer.com")
    ContactFactory.create(workspace=other_workspace, email="bob@rival-buyer.com")

    _log_in(page, live_server, "maria", "a-long-demo-passphrase")
    assert "Dashboard" in page.title()

    page.goto(f"{live_server.url}/admin/workspaces/workspace/")
    table = page.inner_text("#result_list")
    assert workspace.name in table
    assert other_workspace.name not in table

    page.goto(f"{live_server.url}/admin/leads/contact/")
    contacts = page.inner_text("#result_list")
    assert "ana@acme-buyer.com" in contacts
    assert "bob@rival-buyer.com" not in contacts


@pytest.mark.django_db(transaction=True)
def test_contact_page_draws_the_score_history(
    live_server: Any, page: Any, workspace: Workspace, tmp_path: Path
) -> None:
    user = UserFactory.create(username="maria", password="a-long-demo-passphrase")
    MembershipFactory.create(workspace=workspace, user=user, role="viewer")
    scoring_model_create_version(
        workspace=workspace,
        definition={
            "threshold": 50,
            "fit": [
                {"key": "vp", "when": {"attr": "contact.title", "contains": "vp"}, "points": 15}
            ],
            "intent": [{"key": "demo", "event_type": "demo", "points": 40}],
        },
    )
    contact = ContactFactory.create(workspace=workspace, title="VP of Data")
    now = timezone.now()
    for ago in (QUARTER, timedelta(days=20)):
        EventFactory.create(contact=contact, type="demo", occurred_at=now - ago)

    _log_in(page, live_server, "maria", "a-long-demo-passphrase")
    page.goto(f"{live_server.url}/admin/leads/contact/{contact.pk}/change/")

    chart = page.locator("#score-history svg")
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    assert box is not None
    assert box["width"] > 300
    assert box["height"] > 100
    line = page.locator("#score-history polyline.score-line").bounding_box()
    assert line is not None
    assert line["width"] > 0
    assert line["height"] > 0
    # A horizontal line has no height, so Playwright never calls it visible: measure it.
    threshold = page.locator("#score-history line.score-threshold").bounding_box()
    assert threshold is not None
    assert threshold["width"] > 300
    assert "MQL" in page.inner_text("#score-now")
    # Kept with the test's files for a person to look at (pytest --basetemp=…).
    shot = chart.screenshot(path=str(tmp_path / "score-history.png"))
    assert len(shot) > 1_000
    page.screenshot(path=str(tmp_path / "contact-page.png"), full_page=True)


#: Where browser tests leave screenshots for a person to look at (git-ignored).
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"

#: Every chart on the page as Chart.js holds it, and whether its canvas has any pixel drawn.
_CHARTS_JS = """() => [...document.querySelectorAll('canvas.chart')].map(canvas => {
    const chart = Chart.getChart(canvas);
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    return {
        channel: canvas.dataset.channel || '',
        datasets: (chart ? chart.data.datasets : []).map(
            d => [d.label, d.data.filter(v => v).length]),
        drawn: pixels.some(v => v !== 0),
        width: canvas.width,
    };
})"""


@pytest.mark.django_db(transaction=True)
def test_a_campaigns_monitoring_page_draws_its_channels(
    live_server: Any, page: Any, workspace: Workspace, other_workspace: Workspace
) -> None:
    from datetime import UTC, datetime
    from decimal import Decimal

    from como.campaigns.models import Campaign, CampaignTarget, ChannelMetric
    from como.leads.models import Event

    user = UserFactory.create(username="maria", password="a-long-demo-passphrase")
    MembershipFactory.create(workspace=workspace, user=user, role="viewer")
    today = timezone.now().astimezone(UTC).date()
    campaign = Campaign.objects.create(
        workspace=workspace,
        name="Spring push",
        status="active",
        channels=["paid_search", "email"],
        utm_campaigns=["spring-push"],
        starts_on=today - timedelta(days=40),
        ends_on=today + timedelta(days=20),
    )
    for n in range(30):
        day = today - timedelta(days=n)
        weekend = day.weekday() >= 5
        ChannelMetric.objects.create(
            workspace=workspace,
            campaign=campaign,
            channel="paid_search",
            day=day,
            impressions=2000 - 600 * weekend,
            clicks=90 - 30 * weekend + n,
            spend=Decimal("150.00") - 40 * weekend,
            source="import",
        )
        ChannelMetric.objects.create(
            workspace=workspace, campaign=campaign, channel="email", day=day,
            sent=300 if day.weekday() == 1 else 12, delivered=290 if day.weekday() == 1 else 12,
            opened=80 if day.weekday() == 1 else 4, clicked=9,
        )  # fmt: skip
    for n in range(6):
        contact = ContactFactory.create(workspace=workspace)
        at = datetime.combine(today - timedelta(days=3 * n), datetime.min.time(), tzinfo=UTC)
        Event.objects.create(
            workspace=workspace, contact=contact, event_id=f"spring-{n}", type="page_view",
            occurred_at=at, received_at=at, utm_source="google", utm_medium="cpc",
            utm_campaign="spring-push",
        )  # fmt: skip
    CampaignTarget.objects.create(
        campaign=campaign, channel="paid_search", metric="spend", value=9000
    )
    CampaignTarget.objects.create(campaign=campaign, channel="email", metric="opened", value=900)
    rival = Campaign.objects.create(workspace=other_workspace, name="Rival push")

    _log_in(page, live_server, "maria", "a-long-demo-passphrase")
    page.goto(f"{live_server.url}/admin/campaigns/campaign/{campaign.pk}/change/")
    page.click("text=Daily charts per channel")
    page.wait_for_url(f"**/admin/campaigns/campaign/{campaign.pk}/monitoring/")
    page.wait_for_function(
        "() => [...document.querySelectorAll('canvas.chart')].every(c => Chart.getChart(c))"
    )
    charts = page.evaluate(_CHARTS_JS)
    by_channel = {chart["channel"]: chart for chart in charts if chart["channel"]}
    assert set(by_channel) == {"paid_search", "email"}
    search = dict(by_channel["paid_search"]["datasets"])
    assert search["Clicks"] == 30  # every day of the 30 shown
    assert search["Spend"] == 30
    assert search["Leads"] == 6
    assert dict(by_channel["email"]["datasets"])["Opened"] == 30
    assert all(chart["drawn"] and chart["width"] > 200 for chart in charts), charts
    # Targets as progress bars, the channels side by side.
    assert page.locator("[data-target='paid_search.spend'] [role=progressbar]").count() == 1
    table = page.inner_text("table[data-channels]")
    assert "paid_search" in table
    assert "email" in table
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = page.screenshot(path=str(SCREENSHOTS / "campaign.png"), full_page=True)
    assert len(shot) > 10_000

    # The period switch and another workspace's campaign.
    page.click("text=7 days")
    page.wait_for_url("**/monitoring/?days=7")
    page.wait_for_function("() => document.querySelectorAll('canvas.chart').length > 0")
    assert (
        dict(dict((c["channel"], c) for c in page.evaluate(_CHARTS_JS))["paid_search"]["datasets"])[
            "Clicks"
        ]
        == 7
    )
    response = page.goto(f"{live_server.url}/admin/campaigns/campaign/{rival.pk}/monitoring/")
    assert response is not None
    assert response.status == 404


@pytest.mark.django_db(transaction=True)
def test_owner_edits_a_scoring_rule_sees_the_preview_then_the_new_version(
    live_server: Any, page: Any, workspace: Workspace
) -> None:
    from como.agents.models import PlaybookVersion
    from como.agents.services import playbook_for

    user = UserFactory.create(username="olga", password="a-long-demo-passphrase")
    MembershipFactory.create(workspace=workspace, user=user, role="owner")
    scoring_model_create_version(
        workspace=workspace,
        definition={
            "threshold": 50,
            "fit": [
                {"key": "vp", "when": {"attr": "contact.title", "contains": "vp"}, "points": 30}
            ],
        },
    )
    # 3 VPs at 30 points (two of them leads or subscribers, one a customer), 2 others at 0.
    for title, stage in [("VP Sales", "lead"), ("VP IT", "subscriber"), ("VP Ops", "customer")]:
        ContactFactory.create(workspace=workspace, title=title, lifecycle_stage=stage)
    ContactFactory.create_batch(2, workspace=workspace, title="Analyst", lifecycle_stage="lead")
    playbook = playbook_for(workspace)

    _log_in(page, live_server, "olga", "a-long-demo-passphrase")
    page.goto(f"{live_server.url}/admin/agents/playbook/{playbook.pk}/change/?section=scoring")
    assert page.title().startswith(f"{workspace.name}: playbook")
    page.fill("#id_threshold", "30")
    # The preview answers as the form changes, without a reload.
    page.wait_for_selector(".scoring-preview-result")
    assert page.inner_text(".promoted-count") == "2"
    assert "This change would make 2 leads MQLs" in page.inner_text("#scoring-preview")
    assert PlaybookVersion.objects.filter(workspace=workspace).count() == 0  # not saved yet

    page.fill("#id_note", "Lower the bar")
    page.click("input[name=_save]")
    page.click("a.saved-version")
    page.wait_for_selector("table.playbook-diff")
    diff = page.inner_text("table.playbook-diff")
    assert "scoring\tthreshold\tchanged\t50\t→\t30.0" in diff
    shots = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "playbook.png"), full_page=True)
    assert PlaybookVersion.objects.filter(workspace=workspace).count() == 2

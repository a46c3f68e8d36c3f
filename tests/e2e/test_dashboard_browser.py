"""The dashboard in real Chromium: a member of a workspace whose channel metrics came through
the real import path sees the charts drawn with data, and the period switch redraws them
through htmx without a reload. The screenshot goes to artifacts/screenshots/ (README)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from como.campaigns.models import Campaign
from como.campaigns.services import metrics_import
from como.workspaces.models import Workspace
from tests.e2e.test_admin_browser import CHROMIUM, _log_in, page  # noqa: F401  (fixture)
from tests.factories import MembershipFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.usefixtures("fast_passwords"),
    # As tests/e2e/test_admin_browser.py: CI must not go green without Chromium.
    pytest.mark.skipif(
        CHROMIUM is None and not os.environ.get("CI"),
        reason="Chromium is not installed (make browser)",
    ),
]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"

#: Per chart: its datasets' point counts and sums, and whether any pixel of it is painted.
CHARTS = """() => [...document.querySelectorAll('canvas.console-chart')].map(canvas => {
  const chart = Chart.getChart(canvas);
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
  return {
    datasets: chart ? chart.data.datasets.map(d => ({label: d.label, points: d.data.length,
      sum: d.data.reduce((a, b) => a + b, 0)})) : [],
    painted,
  };
})"""


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_draws_its_charts_with_data(
    live_server: Any,
    page: Any,  # noqa: F811
    workspace: Workspace,
) -> None:
    user = UserFactory.create(username="maria", password="a-long-demo-passphrase")
    MembershipFactory.create(workspace=workspace, user=user, role="marketer")
    Campaign.objects.create(workspace=workspace, name="Spring")
    today = timezone.now().date()
    for channel, base in (("paid_search", 40), ("paid_social", 25)):
        metrics_import(
            workspace=workspace,
            channel=channel,
            rows=[
                {
                    "date": (today - timedelta(days=ago)).isoformat(),
                    "campaign": "Spring",
                    "impressions": 1000 + ago,
                    "clicks": base + ago,
                    "spend": f"{50 + ago}.00",
                }
                for ago in range(1, 60)
            ],
        )

    _log_in(page, live_server, "maria", "a-long-demo-passphrase")
    page.wait_for_function("() => Chart.getChart(document.querySelector('canvas.console-chart'))")
    charts = page.evaluate(CHARTS)
    assert len(charts) == 2
    for chart in charts:
        assert {d["label"] for d in chart["datasets"]} == {"paid_search", "paid_social"}
        assert all(d["points"] == 30 and d["sum"] > 0 for d in chart["datasets"])
        assert chart["painted"] > 1_000
    clicks = {d["label"]: d["sum"] for d in charts[0]["datasets"]}
    # 29 days of the import in the 30-day window (yesterday back to 29 days ago).
    assert clicks == {
        "paid_search": sum(40 + ago for ago in range(1, 30)),
        "paid_social": sum(25 + ago for ago in range(1, 30)),
    }

    page.evaluate("() => { window.notReloaded = true; }")
    page.click("a[data-days='90']")
    page.wait_for_selector(".console-panels[data-days='90']")
    page.wait_for_function("() => Chart.getChart(document.querySelector('canvas.console-chart'))")
    assert page.evaluate("() => window.notReloaded") is True  # htmx swapped, no reload
    assert "days=90" in page.url
    wide = page.evaluate(CHARTS)
    assert all(d["points"] == 90 for d in wide[0]["datasets"])
    assert wide[0]["painted"] > 1_000

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)
    assert len(shot) > 10_000

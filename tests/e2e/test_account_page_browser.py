"""The B2B account page in real Chromium: a demo-like account (seven required roles, three
engaged, intent from a Bombora-style and a 6sense-style file through the real CSV import) shows
its committee grid with exact cells, draws the intent timeline with data, and a role override
from the page changes the grid. The screenshot goes to artifacts/screenshots/ (README)."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.urls import reverse

from como.workspaces.models import Workspace
from tests.e2e.test_admin_browser import CHROMIUM, _log_in, page  # noqa: F401  (fixture)
from tests.e2e.test_dashboard_browser import SCREENSHOTS
from tests.factories import MembershipFactory, UserFactory
from tests.verticals.b2b.account_page_data import MISSING_LABELS, SIXSENSE, SURGE, demo_like_account
from verticals.b2b.accounts.models import CommitteeMember

pytestmark = [
    pytest.mark.browser,
    pytest.mark.usefixtures("fast_passwords"),
    pytest.mark.skipif(
        CHROMIUM is None and not os.environ.get("CI"),
        reason="Chromium is not installed (make browser)",
    ),
]

#: The timeline chart's datasets (label, type, values) and whether any pixel is painted.
TIMELINE = """() => {
  const canvas = document.querySelector('#intent-timeline-chart');
  const chart = Chart.getChart(canvas);
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
  return {
    labels: chart ? chart.data.labels : [],
    datasets: chart
      ? chart.data.datasets.map(d => ({label: d.label, type: d.type, data: d.data}))
      : [],
    painted,
  };
}"""

#: Per grid row: its role, whether it is marked missing, and the names in each column.
GRID = """() => {
  const name = a => a.textContent.trim();
  return [...document.querySelectorAll('#committee-grid tbody tr')].map(row => ({
  role: row.dataset.role,
  missing: row.classList.contains('committee-missing'),
  required: !!row.querySelector('[data-required]'),
  engaged: [...row.querySelectorAll('td[data-engaged] .committee-member > a')].map(name),
  idle: [...row.querySelectorAll('td[data-idle] .committee-member > a')].map(name),
}))}"""


@pytest.mark.django_db(transaction=True)
def test_the_account_page_draws_the_committee_and_the_timeline(
    live_server: Any,
    page: Any,  # noqa: F811
    workspace: Workspace,
) -> None:
    data = demo_like_account(workspace)
    user = UserFactory.create(username="maria", password="a-long-demo-passphrase")
    MembershipFactory.create(workspace=workspace, user=user, role="marketer")
    _log_in(page, live_server, "maria", "a-long-demo-passphrase")
    url = live_server.url + reverse("admin:leads_account_change", args=[data.account.pk])

    page.goto(url)
    page.wait_for_function("() => Chart.getChart(document.querySelector('#intent-timeline-chart'))")

    assert page.inner_text("[data-coverage]") == "3/7"
    assert page.inner_text("[data-missing]") == ", ".join(MISSING_LABELS)
    grid = page.evaluate(GRID)
    assert [(r["role"], r["missing"]) for r in grid] == [
        ("legal_compliance", True),
        ("procurement", True),
        ("economic_buyer", False),
        ("executive_sponsor", True),
        ("champion", False),
        ("technical_evaluator", False),
        ("end_user", True),
    ]
    assert all(r["required"] for r in grid)
    cells = {r["role"]: (r["engaged"], r["idle"]) for r in grid}
    assert cells["champion"] == (["Cleo Acme"], [])
    assert cells["economic_buyer"] == (["Eve Acme"], [])
    assert cells["technical_evaluator"] == (["Tom Acme"], [])
    assert cells["legal_compliance"] == ([], ["Lena Acme"])
    assert cells["executive_sponsor"] == ([], ["Xavi Acme"])

    timeline = page.evaluate(TIMELINE)
    assert timeline["painted"] > 1_000
    assert timeline["labels"][-4:] == [week.isoformat() for week in data.weeks]
    bars = {d["label"]: d["data"][-4:] for d in timeline["datasets"] if d["type"] == "bar"}
    assert bars == {
        "bombora · Data Lakehouse": list(SURGE["Data Lakehouse"]),
        "bombora · ETL": list(SURGE["ETL"]),
        "6sense": [0, 0, *SIXSENSE],
    }
    (bar,) = [d for d in timeline["datasets"] if d["type"] == "line"]
    assert bar["label"] == "Surge bar (60)"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = page.screenshot(path=str(SCREENSHOTS / "account_page.png"), full_page=True)
    assert len(shot) > 10_000

    # Cleo, the engaged champion, set to no role by hand: the champion is missing now.
    cleo = data.people["champion"]
    member = page.locator(f"#committee-grid [data-member='{cleo.pk}']")
    member.locator("select[name=role_choice]").select_option("__none__")
    with page.expect_navigation():
        member.locator("button[type=submit]").click()

    assert page.inner_text("[data-coverage]") == "2/7"
    assert "Champion" in page.inner_text("[data-missing]")
    grid = {r["role"]: r for r in page.evaluate(GRID)}
    assert grid["champion"]["missing"] is True
    assert grid["champion"]["engaged"] == []
    assert grid[""]["engaged"] == ["Cleo Acme"]  # the "No committee role" row
    stored = CommitteeMember.objects.get(contact=cleo)
    assert (stored.role, stored.role_source, stored.set_by_id) == ("", "manual", user.pk)

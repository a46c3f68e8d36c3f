"""The attribution reports over a known journey, through the real services (ingest, metrics
import, stage change, opportunities), after ``store.recompute``: ``side_by_side``, the console's
reports page and its CSV exports, and in real Chromium the table per model, the model switch on the
campaign's page and the chart.

The journey (b2b workspace, campaign "Summit"): a paid-social landing 20 days ago, an email
landing 10 days ago, MQL 9 days ago, an opportunity of 1,000.00 opened 8 days ago and won 5
days ago; 200.00 of paid-social spend. First touch gives paid social everything, last touch
gives email everything, linear halves it. A second campaign, named like a formula, has spend
only: its CSV cells must come out defused.
"""

from __future__ import annotations

import csv
import io
import os
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from como.campaigns.attribution.report import Row, side_by_side
from como.campaigns.attribution.store import recompute
from como.campaigns.models import Campaign
from como.campaigns.services import metrics_import
from como.deals.services import opportunities_save
from como.ingest.services import events_ingest
from como.leads.models import Contact
from como.leads.services import contact_stage_change
from como.workspaces.models import Workspace
from tests.e2e.test_admin_browser import CHROMIUM, _log_in, page  # noqa: F401  (fixture)
from tests.factories import MembershipFactory, UserFactory, member_client

EMAIL = "ana@buyer.example"
FORMULA = '=HYPERLINK("http://evil.example","x")'


def _journey(workspace: Workspace) -> dict[str, Any]:
    now = datetime.now(UTC).replace(microsecond=0)
    summit = Campaign.objects.create(workspace=workspace, name="Summit", utm_campaigns=["summit"])
    evil = Campaign.objects.create(workspace=workspace, name=FORMULA, utm_campaigns=["evil"])

    def landing(key: str, days: int, source: str, medium: str) -> dict[str, Any]:
        return {
            "id": key,
            "type": "page_view",
            "occurred_at": (now - timedelta(days=days)).isoformat(),
            "contact": {"email": EMAIL},
            "utm": {"source": source, "medium": medium, "campaign": "summit"},
        }

    results = events_ingest(
        workspace=workspace,
        events=[
            landing("t1", 20, "facebook", "paid_social"),
            landing("t2", 10, "newsletter", "email"),
        ],
    )
    assert {r.status for r in results} == {"created"}, results
    today = now.date()
    for name in ("Summit", FORMULA):
        metrics_import(
            workspace=workspace,
            channel="paid_social",
            rows=[
                {
                    "date": (today - timedelta(days=15)).isoformat(),
                    "campaign": name,
                    "impressions": 10_000,
                    "clicks": 100,
                    "spend": "200.00" if name == "Summit" else "50.00",
                }
            ],
        )
    contact = Contact.objects.get(workspace=workspace, email=EMAIL)
    contact_stage_change(
        workspace=workspace,
        to_stage="mql",
        reason="test",
        contact=contact,
        at=now - timedelta(days=9),
    )
    outcomes = opportunities_save(
        workspace=workspace,
        items=[
            {
                "external_id": "006-1",
                "contact": {"email": EMAIL},
                "amount": "1000.00",
                "status": "won",
                "opened_at": (now - timedelta(days=8)).isoformat(),
                "closed_at": (now - timedelta(days=5)).isoformat(),
            }
        ],
        via="test",
    )
    assert [o.status for o in outcomes] == ["created"], outcomes
    recompute(workspace)
    return {"summit": summit, "evil": evil, "since": today - timedelta(days=29), "until": today}


def _period(found: dict[str, Any]) -> dict[str, str]:
    return {"since": found["since"].isoformat(), "until": found["until"].isoformat()}


def _by(rows: list[Row], model: str) -> dict[str, Row]:
    return {row.key: row for row in rows if row.model == model}


@pytest.mark.django_db
def test_side_by_side_gives_each_model_its_own_split(workspace: Workspace) -> None:
    found = _journey(workspace)
    rows = side_by_side(workspace, by="channel", since=found["since"], until=found["until"])
    first, last, linear = (_by(rows, m) for m in ("first_touch", "last_touch", "linear"))
    paid = first["paid_social"]
    assert (paid.revenue, paid.pipeline, paid.mqls) == (Decimal("1000.00"),) * 2 + (Decimal(1),)
    assert (paid.spend, paid.cost_per_mql) == (Decimal("250.00"), Decimal("250.00"))
    assert paid.roi == 3
    assert last["email"].revenue == Decimal("1000.00")
    assert "paid_social" not in last or last["paid_social"].revenue == 0
    assert linear["paid_social"].revenue == linear["email"].revenue == Decimal("500.00")


@pytest.mark.django_db
def test_the_page_and_its_csv_exports(workspace: Workspace, other_workspace: Workspace) -> None:
    found = _journey(workspace)
    client: Client = member_client(workspace, "viewer")
    shown = client.get(reverse("console-reports"), _period(found))
    assert shown.status_code == 200
    html = shown.content.decode()
    assert 'data-table="attribution-compare"' in html
    assert 'id="report-funnel"' in html
    assert 'id="report-vin"' not in html  # b2b: no VIN report
    assert reverse("console-reports") in html  # the sidebar links the page

    export = client.get(
        reverse("console-reports-export", args=["attribution"]),
        {"by": "campaign", **_period(found)},
    )
    assert export.status_code == 200
    assert export["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0][:3] == ["Model", "Key", "Name"]
    evil = [row for row in rows if row[1] == str(found["evil"].pk)]
    assert evil
    assert all(row[2] == "'" + FORMULA for row in evil)
    # 50.00 spent and nothing earned: ROI -100 %, a cell starting with "-", defused too.
    assert {row[8] for row in evil} == {"'-100.00 %"}
    summit = {row[0]: row for row in rows if row[1] == str(found["summit"].pk)}
    assert summit["last_touch"][5] == "1000.00"

    funnel = client.get(
        reverse("console-reports-export", args=["funnel"]), {"funnel": "campaign", **_period(found)}
    )
    assert funnel.status_code == 200
    assert "Summit" in funnel.content.decode()

    assert client.get(reverse("console-reports"), {"funnel": "region"}).status_code == 400
    assert (
        client.get(reverse("console-reports"), {"workspace": other_workspace.slug}).status_code
        == 404
    )
    switch = reverse("console-campaign-attribution", args=[found["summit"].pk])
    assert client.get(switch, {"model": "nope"}).status_code == 400
    theirs = Campaign.objects.create(workspace=other_workspace, name="Theirs")
    mine_only = reverse("console-campaign-attribution", args=[theirs.pk])
    assert client.get(mine_only, {"model": "linear"}).status_code == 404


CHART = """() => {
  const canvas = document.querySelector('#report-attribution canvas.report-chart');
  const chart = Chart.getChart(canvas);
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
  return {labels: chart.data.labels, sets: chart.data.datasets.map(
    d => [d.model, d.data.reduce((a, b) => a + b, 0)]), painted};
}"""


REVENUE = "rows => rows.map(r => [r.dataset.key, r.querySelector('[data-figure=revenue]')"
REVENUE += ".textContent.trim()])"


def _detail(browser_page: Any, root: str) -> dict[str, str]:
    """channel → revenue in the one-model table under ``root``."""
    cells = browser_page.eval_on_selector_all(
        f"{root} table[data-table=attribution-detail] tbody tr[data-key]", REVENUE
    )
    return dict(cells)


@pytest.mark.browser
@pytest.mark.usefixtures("fast_passwords")
@pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"), reason="Chromium is not installed"
)
@pytest.mark.django_db(transaction=True)
def test_in_chromium_models_differ_the_switch_swaps_and_the_chart_draws(
    live_server: Any,
    page: Any,  # noqa: F811
    workspace: Workspace,
) -> None:
    found = _journey(workspace)
    user = UserFactory.create(username="maria", password="a-long-demo-passphrase")
    MembershipFactory.create(workspace=workspace, user=user, role="marketer")
    _log_in(page, live_server, "maria", "a-long-demo-passphrase")

    query = f"since={found['since']}&until={found['until']}&model=first_touch"
    page.goto(f"{live_server.url}{reverse('console-reports')}?{query}")
    compare = page.eval_on_selector_all(
        "table[data-table=attribution-compare] thead th[data-model]",
        "hs => hs.map(h => h.dataset.model)",
    )
    first, last = compare.index("first_touch") + 2, compare.index("last_touch") + 2
    row = "table[data-table=attribution-compare] tr[data-key=paid_social]"
    assert page.text_content(f"{row} td:nth-child({first})") == "1000.00"
    assert page.text_content(f"{row} td:nth-child({last})") in {"0.00", ""}
    assert _detail(page, "#report-attribution")["paid_social"] == "1000.00"

    page.select_option("#report-attribution select[data-model-switch]", "last_touch")
    page.wait_for_selector("#report-attribution[data-model=last_touch]")
    assert _detail(page, "#report-attribution")["email"] == "1000.00"

    page.wait_for_function(
        "() => Chart.getChart(document.querySelector('#report-attribution canvas.report-chart'))"
    )
    chart = page.evaluate(CHART)
    sums = dict(chart["sets"])
    assert sums["first_touch"] == sums["last_touch"] == 1000
    assert {"paid_social", "email"} <= set(chart["labels"])
    assert chart["painted"] > 500

    monitoring = reverse("admin:campaigns_campaign_monitoring", args=[found["summit"].pk])
    page.goto(f"{live_server.url}{monitoring}")
    panel = "#campaign-attribution"
    page.select_option(f"{panel} select[data-model-switch]", "first_touch")
    page.wait_for_selector(f"{panel}[data-model=first_touch]")
    assert _detail(page, panel)["paid_social"] == "1000.00"
    page.select_option(f"{panel} select[data-model-switch]", "last_touch")
    page.wait_for_selector(f"{panel}[data-model=last_touch]")
    swapped = _detail(page, panel)
    assert swapped["email"] == "1000.00"
    assert swapped.get("paid_social", "0.00") == "0.00"
    page.wait_for_function(
        f"() => Chart.getChart(document.querySelector('{panel} canvas.report-chart'))"
    )

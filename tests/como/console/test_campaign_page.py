"""A campaign's monitoring page: its registered panels in order, the same figures as the API,
a period to choose, and nothing of another workspace."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from como.campaigns.models import Campaign, CampaignTarget, ChannelMetric
from como.console.campaign import channel_chart, performance
from como.console.panels import PANELS, Panel, panels_for
from como.workspaces.models import Workspace
from tests.factories import member_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(workspace: Workspace) -> Campaign:
    today = datetime.now(UTC).date()
    campaign = Campaign.objects.create(
        workspace=workspace,
        name="Spring",
        channels=["paid_search", "email"],
        starts_on=today - timedelta(days=9),
        ends_on=today + timedelta(days=10),
    )
    for n in range(10):
        ChannelMetric.objects.create(
            workspace=workspace,
            campaign=campaign,
            channel="paid_search",
            day=today - timedelta(days=n),
            impressions=1000 + n,
            clicks=40 + n,
            spend=Decimal("25.50"),
        )
    CampaignTarget.objects.create(
        campaign=campaign, channel="paid_search", metric="spend", value=500
    )
    return campaign


def _url(campaign: Campaign, query: str = "") -> str:
    return f"/admin/campaigns/campaign/{campaign.pk}/monitoring/{query}"


def _figures(html: str) -> Any:
    found = re.search(
        r'<script id="campaign-performance" type="application/json">(.*?)</script>', html, re.S
    )
    assert found, "the page embeds its figures"
    return json.loads(found.group(1))


def test_the_page_shows_the_apis_figures(
    campaign: Campaign, api: APIClient, workspace: Workspace
) -> None:
    page = member_client(workspace, "viewer").get(_url(campaign, "?days=7"))
    assert page.status_code == 200
    html = page.content.decode()
    api_figures = api.get(f"/api/v1/campaigns/{campaign.pk}/performance?days=7").json()
    assert _figures(html) == api_figures
    assert len(api_figures["days"]) == 7
    # The panels in their registered order, each once.
    keys = re.findall(r'data-panel="([^"]+)"', html)
    assert keys == [panel.key for panel in panels_for("campaign")]
    assert keys[:3] == ["campaign.daily", "campaign.targets", "campaign.channels"]
    assert 'data-target="paid_search.spend"' in html
    assert "4.29 %" in html  # CTR over the 7 days: 301 clicks of 7,021 impressions
    assert "178.50" in html  # spend: 7 times 25.50


def test_each_channel_chart_has_its_figures(campaign: Campaign) -> None:
    found = performance(campaign, 7)
    assert performance(campaign, 7) is found  # once per page, however many panels ask
    search = channel_chart(found, "paid_search")
    labels = {dataset["label"]: dataset for dataset in search["datasets"]}
    assert set(labels) == {"Impressions", "Clicks", "Spend"}
    assert labels["Clicks"]["data"] == [46, 45, 44, 43, 42, 41, 40]
    assert labels["Spend"]["data"] == [25.5] * 7
    assert labels["Impressions"]["hidden"] is True
    assert channel_chart(found, "email")["datasets"] == []


def test_a_registered_panel_joins_the_page(
    campaign: Campaign, workspace: Workspace, tmp_path: Any, settings: Any
) -> None:
    (tmp_path / "extra.html").write_text("sequences: {{ count }} for {{ name }}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]

    def context(*, principal: Any, workspace: Any, obj: Any = None, days: int = 30) -> Any:
        return {"count": days, "name": obj.name}

    extra = Panel("test.sequences", "campaign", "Sequences", 15, "extra.html", context)
    with PANELS.override({extra.key: extra}):
        html = member_client(workspace, "viewer").get(_url(campaign, "?days=90")).content.decode()
    assert "sequences: 90 for Spring" in html
    keys = re.findall(r'data-panel="([^"]+)"', html)
    assert keys.index("test.sequences") == keys.index("campaign.daily") + 1


@pytest.mark.parametrize("query", ["?days=12", "?days=", "?days=abc", "?days=30&days=x"])
def test_a_period_not_offered_is_400(campaign: Campaign, workspace: Workspace, query: str) -> None:
    response = member_client(workspace, "viewer").get(_url(campaign, query))
    assert response.status_code == 400


def test_another_workspaces_campaign_is_404(campaign: Campaign, other_workspace: Workspace) -> None:
    outsider: Client = member_client(other_workspace, "owner")
    assert outsider.get(_url(campaign)).status_code == 404
    assert outsider.get("/admin/campaigns/campaign/999999/monitoring/").status_code == 404

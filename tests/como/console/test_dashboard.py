"""The dashboard: its figures for one workspace, the page and the API agreeing on them, the
period switch over htmx, and a member of A never seeing B's numbers."""

from __future__ import annotations

import re
from datetime import UTC, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from como.agents.models import AgentAction
from como.campaigns.models import Campaign
from como.campaigns.services import metrics_import
from como.leads.models import LifecycleTransition
from como.workspaces.models import Workspace
from tests.factories import ContactFactory, EventFactory, member_api_client, member_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


def _seed(workspace: Workspace, scale: int) -> None:
    """Figures that differ by ``scale`` between workspaces, written through the services where
    como has one (the metrics import)."""
    now = timezone.now()
    # Today's MQLs are moved at most a minute before now, never before midnight UTC: a run in
    # the first minute of a day counts them today too.
    midnight = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    Campaign.objects.create(workspace=workspace, name="Spring")
    metrics_import(
        workspace=workspace,
        channel="paid_search",
        rows=[
            {
                "date": (now - timedelta(days=1)).date().isoformat(),
                "campaign": "Spring",
                "impressions": 1000 * scale,
                "clicks": 40 * scale,
                "spend": f"{80 * scale}.00",
            },
            {
                "date": (now - timedelta(days=20)).date().isoformat(),
                "campaign": "Spring",
                "impressions": 500,
                "clicks": 10,
                "spend": "20.00",
            },
        ],
    )
    for number in range(2 * scale):
        contact = ContactFactory.create(workspace=workspace, lifecycle_stage="mql")
        EventFactory.create(
            contact=contact,
            type="page_view",
            utm_medium="paid_search",
            occurred_at=now - timedelta(minutes=2),
        )
        LifecycleTransition.objects.create(
            workspace=workspace,
            contact=contact,
            from_stage="lead",
            to_stage="mql",
            at=max(now - timedelta(minutes=1, seconds=number), midnight),
        )
    for number in range(scale):
        AgentAction.objects.create(
            workspace=workspace,
            agent="mql_handoff",
            kind="webhook",
            idempotency_key=f"wait-{number}",
            rationale="waiting",
            proposed_by=workspace.agent_user,
            findings=[{"rule": "tcpa.quiet_hours", "severity": "block", "message": "late"}],
        )


def _page_figures(html: str) -> dict[str, str]:
    return {
        key: re.sub(r"<[^>]+>", "", value).strip()
        for key, value in re.findall(r'data-figure="([^"]+)"[^>]*>(.*?)</', html, re.S)
    }


def test_the_page_and_the_api_agree_on_every_figure(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    _seed(workspace, scale=1)
    _seed(other_workspace, scale=3)
    client = member_api_client(workspace)  # the session serves the admin and the API

    page = client.get(reverse("admin:index"), {"days": 7})
    assert page.status_code == 200
    shown = _page_figures(page.content.decode())
    api = client.get("/api/v1/dashboard", {"days": 7})
    assert api.status_code == 200, api.content
    body = api.json()
    assert body["workspace"]["slug"] == workspace.slug
    panels = body["panels"]

    row = panels["channels"]["rows"][0]
    assert row == {
        "channel": "paid_search",
        "sent": 0,
        "delivered": 0,
        "opened": 0,
        "clicked": 0,
        "impressions": 1000,
        "clicks": 40,
        "spend": "80.00",
        "leads": 0,
        "mqls": 2,
        "cost_per_mql": "40.00",
    }
    assert panels["approvals"]["waiting"] == 1
    assert panels["mqls"] == {"today": 2, "this_week": 2}
    assert panels["compliance_blocks"] == {
        "families": [{"family": "tcpa", "blocks": 1}],
        "total": 1,
    }
    assert panels["funnel"]["stages"][2] == {
        "stage": "mql",
        "label": "Marketing-qualified lead",
        "reached": 2,
    }
    assert sum(panels["channels"]["series"]["clicks"]["paid_search"]) == 40
    assert len(panels["channels"]["series"]["days"]) == 7

    # Every figure the page shows is the API's, the same panels' contexts.
    expected = {
        "approvals.waiting": str(panels["approvals"]["waiting"]),
        "mqls.today": "2",
        "mqls.this_week": "2",
        "compliance_blocks.total": "1",
        "compliance_blocks.tcpa": "1",
        "funnel.mql": "2",
        "handoff_sla.handoffs": str(panels["handoff_sla"]["handoffs"]),
        **{f"channels.paid_search.{k}": str(v) for k, v in row.items() if k != "channel"},
    }
    assert {key: shown.get(key) for key in expected} == expected


def test_thirty_days_reach_the_older_metrics_and_an_htmx_switch_renders_panels_only(
    workspace: Workspace,
) -> None:
    _seed(workspace, scale=1)
    client = member_client(workspace)

    switched = client.get(reverse("admin:index"), {"days": 30}, HTTP_HX_REQUEST="true")
    html = switched.content.decode()
    assert switched.status_code == 200
    assert "<html" not in html  # the panels alone, swapped in without a reload
    assert 'data-days="30"' in html
    assert _page_figures(html)["channels.paid_search.clicks"] == "50"
    assert _page_figures(html)["channels.paid_search.spend"] == "100.00"
    assert "<html" in client.get(reverse("admin:index")).content.decode()


def test_a_member_of_a_never_sees_bs_numbers(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    _seed(workspace, scale=1)
    _seed(other_workspace, scale=3)
    client = api = member_api_client(workspace)

    shown = _page_figures(client.get(reverse("admin:index"), {"days": 7}).content.decode())
    assert shown["channels.paid_search.clicks"] == "40"  # B's is 120
    assert shown["approvals.waiting"] == "1"  # B's is 3
    assert other_workspace.name not in client.get(reverse("admin:index")).content.decode()
    assert (
        client.get(reverse("admin:index"), {"workspace": other_workspace.slug}).status_code == 404
    )
    assert api.get("/api/v1/dashboard", {"workspace": other_workspace.slug}).status_code == 404
    assert (
        api.get("/api/v1/dashboard", HTTP_X_COMO_WORKSPACE=other_workspace.slug).status_code == 404
    )


@pytest.mark.parametrize("days", ["8", "abc", "-1", "9" * 30, "\u0663"])
def test_a_bad_period_is_a_400_naming_days_and_the_page_falls_back(
    workspace: Workspace, days: str
) -> None:
    client = member_api_client(workspace)
    answer = client.get("/api/v1/dashboard", {"days": days})
    assert answer.status_code == 400
    assert "days" in answer.json()
    page = client.get(reverse("admin:index"), {"days": days})
    assert page.status_code == 200
    assert 'data-days="30"' in page.content.decode()


def test_the_automotive_panel_shows_only_for_automotive_workspaces(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    assert (workspace.vertical, other_workspace.vertical) == ("b2b", "automotive")
    b2b = member_api_client(workspace).get("/api/v1/dashboard").json()["panels"]
    dealer = member_api_client(other_workspace)
    automotive = dealer.get("/api/v1/dashboard").json()["panels"]
    assert "inventory_ads" not in b2b
    assert automotive["inventory_ads"]["live_ads"] == 0
    assert automotive["inventory_ads"]["sale_to_pause_p50_seconds"] is None
    page = dealer.get(reverse("admin:index")).content.decode()
    assert 'data-panel="inventory_ads"' in page

"""The campaigns API: CRUD scoped to the caller's workspace, a campaign's metrics with totals
and filters, and report imports with per-row results."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from como.campaigns.models import Campaign, ChannelMetric
from como.workspaces.models import Workspace
from tests.factories import member_api_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def theirs(other_workspace: Workspace) -> Campaign:
    return Campaign.objects.create(workspace=other_workspace, name="Theirs")


def test_create_list_update_delete(api: APIClient, workspace: Workspace, theirs: Campaign) -> None:
    created = api.post(
        "/api/v1/campaigns",
        {
            "name": "Spring",
            "channels": ["email", "paid_search"],
            "starts_on": "2026-03-01",
            "ends_on": "2026-03-31",
            "budget": "5000.00",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["workspace"], body["name"], body["status"], body["channels"], body["budget"]) == (
        "acme",
        "Spring",
        "draft",
        ["email", "paid_search"],
        "5000.00",
    )
    listed = api.get("/api/v1/campaigns").json()
    names = [c["name"] for c in (listed["results"] if isinstance(listed, dict) else listed)]
    assert names == ["Spring"]

    url = f"/api/v1/campaigns/{body['id']}"
    assert api.patch(url, {"status": "active"}, format="json").json()["status"] == "active"
    assert api.delete(url).status_code == 204
    assert not Campaign.objects.filter(workspace=workspace).exists()


def test_another_workspaces_campaign_is_not_found(api: APIClient, theirs: Campaign) -> None:
    url = f"/api/v1/campaigns/{theirs.pk}"
    assert api.get(url).status_code == 404
    assert api.patch(url, {"name": "Mine now"}, format="json").status_code == 404
    assert api.delete(url).status_code == 404
    assert api.get(f"{url}/metrics").status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"


def test_field_errors(api: APIClient, workspace: Workspace, theirs: Campaign) -> None:
    Campaign.objects.create(workspace=workspace, name="Spring")
    response = api.post(
        "/api/v1/campaigns",
        {"name": "Spring", "channels": ["fax"], "starts_on": "2026-03-02", "ends_on": "2026-03-01"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "name": ["This workspace already has a campaign of that name."],
        "channels": ["Unknown channel(s): fax."],
        "ends_on": ["Ends before it starts."],
    }
    # Another workspace's name is free to use.
    assert api.post("/api/v1/campaigns", {"name": "Theirs"}, format="json").status_code == 201


def test_metrics_rows_and_totals_with_filters(api: APIClient, workspace: Workspace) -> None:
    spring = Campaign.objects.create(workspace=workspace, name="Spring")
    other = Campaign.objects.create(workspace=workspace, name="Other")
    for day, channel, impressions, clicks, spend, sent in [
        (date(2026, 3, 1), "paid_search", 1000, 40, "12.50", 0),
        (date(2026, 3, 2), "paid_search", 500, 10, "7.25", 0),
        (date(2026, 3, 2), "email", 0, 0, "0", 120),
        (date(2026, 3, 3), "paid_social", 300, 3, "2.00", 0),
    ]:
        ChannelMetric.objects.create(
            workspace=workspace,
            campaign=spring,
            channel=channel,
            day=day,
            impressions=impressions,
            clicks=clicks,
            spend=Decimal(spend),
            sent=sent,
        )
    ChannelMetric.objects.create(
        workspace=workspace,
        campaign=other,
        channel="paid_search",
        day=date(2026, 3, 2),
        impressions=99,
        spend=Decimal("99"),
    )

    everything = api.get(f"/api/v1/campaigns/{spring.pk}/metrics").json()
    assert everything["campaign"] == {"id": spring.pk, "name": "Spring"}
    assert [(r["day"], r["channel"]) for r in everything["rows"]] == [
        ("2026-03-01", "paid_search"),
        ("2026-03-02", "email"),
        ("2026-03-02", "paid_search"),
        ("2026-03-03", "paid_social"),
    ]
    assert everything["totals"] == {
        "sent": 120,
        "delivered": 0,
        "opened": 0,
        "clicked": 0,
        "unsubscribed": 0,
        "bounced": 0,
        "impressions": 1800,
        "clicks": 53,
        "spend": "21.75",
    }
    some = api.get(
        f"/api/v1/campaigns/{spring.pk}/metrics",
        {"since": "2026-03-02", "until": "2026-03-02", "channel": "paid_search"},
    ).json()
    assert [(r["day"], r["impressions"], r["spend"]) for r in some["rows"]] == [
        ("2026-03-02", 500, "7.25")
    ]
    assert (some["totals"]["impressions"], some["totals"]["spend"]) == (500, "7.25")

    bad = api.get(
        f"/api/v1/campaigns/{spring.pk}/metrics", {"since": "March", "until": "2026-01-01"}
    )
    assert bad.status_code == 400
    assert set(bad.json()) == {"since"}
    backwards = api.get(
        f"/api/v1/campaigns/{spring.pk}/metrics", {"since": "2026-03-02", "until": "2026-03-01"}
    )
    assert backwards.json() == {"until": ["Is before since."]}


def test_import_json_rows(api: APIClient, workspace: Workspace, theirs: Campaign) -> None:
    Campaign.objects.create(workspace=workspace, name="Spring")
    response = api.post(
        "/api/v1/campaigns/metrics/import",
        {
            "channel": "paid_search",
            "rows": [
                {
                    "date": "2026-03-01",
                    "campaign": "Spring",
                    "impressions": 10,
                    "clicks": 1,
                    "spend": "0.50",
                },
                {
                    "date": "2026-03-01",
                    "campaign": "Theirs",
                    "impressions": 10,
                    "clicks": 1,
                    "spend": "0.50",
                },
            ],
        },
        format="json",
    )
    assert response.status_code == 200
    assert response.json() == {
        "channel": "paid_search",
        "stored": 1,
        "errors": 1,
        "metrics": 1,
        "rows": [
            {"row": 1, "status": "stored"},
            {
                "row": 2,
                "status": "error",
                "errors": {"campaign": "No campaign 'Theirs' in this workspace."},
            },
        ],
    }
    assert not ChannelMetric.objects.filter(campaign=theirs).exists()


def test_import_csv_upload(api: APIClient, workspace: Workspace) -> None:
    Campaign.objects.create(workspace=workspace, name="Spring")
    upload = SimpleUploadedFile(
        "report.csv",
        b"date,campaign,impressions,clicks,spend\r\n2026-03-01,Spring,100,2,3.00\r\n"
        b"2026-03-01,Spring,x,2,3.00\r\n",
        content_type="text/csv",
    )
    response = api.post(
        "/api/v1/campaigns/metrics/import",
        {"channel": "linkedin", "file": upload},
        format="multipart",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["rows"] == [
        {"row": 1, "status": "stored"},
        {
            "row": 2,
            "status": "error",
            "errors": {"impressions": "Give a whole number of zero or more."},
        },
    ]
    metric = ChannelMetric.objects.get(workspace=workspace, channel="linkedin")
    assert (metric.impressions, metric.clicks, metric.spend) == (100, 2, Decimal("3.00"))


def test_import_request_errors(api: APIClient) -> None:
    missing = api.post(
        "/api/v1/campaigns/metrics/import", {"channel": "paid_search"}, format="json"
    )
    assert missing.status_code == 400
    assert missing.json() == {"file": ["Give either a CSV file or rows."]}
    unknown = api.post(
        "/api/v1/campaigns/metrics/import", {"channel": "fax", "rows": []}, format="json"
    )
    assert unknown.status_code == 400
    assert unknown.json() == {"channel": ["No channel 'fax'."]}
    for counted in ("email", "sms"):
        refused = api.post(
            "/api/v1/campaigns/metrics/import", {"channel": counted, "rows": []}, format="json"
        )
        assert refused.status_code == 400
        assert refused.json() == {
            "channel": [
                f"{counted} figures are counted from the messages como sent (the daily sync), "
                "not imported from a report."
            ]
        }
    header = api.post(
        "/api/v1/campaigns/metrics/import",
        {"channel": "paid_search", "file": SimpleUploadedFile("r.csv", b"a,b\r\n1,2\r\n")},
        format="multipart",
    )
    assert header.status_code == 400
    assert "Missing column(s)" in header.json()["file"][0]


def test_a_viewer_may_read_but_not_import(workspace: Workspace) -> None:
    viewer = member_api_client(workspace, role="viewer")
    assert viewer.get("/api/v1/campaigns").status_code == 200
    response = viewer.post(
        "/api/v1/campaigns/metrics/import", {"channel": "paid_search", "rows": []}, format="json"
    )
    assert response.status_code == 403


def test_member_of_one_workspace_sees_only_its_campaigns(
    workspace: Workspace, theirs: Campaign, key_client: Callable[[Workspace], APIClient]
) -> None:
    Campaign.objects.create(workspace=workspace, name="Ours")
    member = member_api_client(workspace)
    listed = member.get("/api/v1/campaigns").json()
    names = [c["name"] for c in (listed["results"] if isinstance(listed, dict) else listed)]
    assert names == ["Ours"]

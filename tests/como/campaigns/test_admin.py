"""Admin: a campaign's page shows its metrics per channel and day; the catalog shows the feed's
signed URLs; another workspace's rows are invisible."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from como.campaigns.models import Campaign, CatalogItem, ChannelMetric
from como.workspaces.models import Workspace
from tests.factories import member_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


def test_campaign_page_lists_metrics_per_channel_and_day(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    spring = Campaign.objects.create(workspace=workspace, name="Spring")
    ChannelMetric.objects.create(
        workspace=workspace,
        campaign=spring,
        channel="paid_search",
        day=date(2026, 3, 1),
        impressions=4321,
        clicks=87,
        spend=Decimal("65.43"),
    )
    ChannelMetric.objects.create(
        workspace=workspace,
        campaign=spring,
        channel="email",
        day=date(2026, 3, 2),
        sent=765,
    )
    theirs = Campaign.objects.create(workspace=other_workspace, name="Theirs")
    client = member_client(workspace)

    page = client.get(reverse("admin:campaigns_campaign_change", args=[spring.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Metrics per channel and day" in html
    for text in ("4321", "87", "65.43", "765", "paid_search", "email"):
        assert text in html
    assert html.index("March 2, 2026") < html.index("March 1, 2026")  # newest first

    changelist = client.get(reverse("admin:campaigns_campaign_changelist")).content.decode()
    assert "Spring" in changelist
    assert "Theirs" not in changelist
    foreign = client.get(reverse("admin:campaigns_campaign_change", args=[theirs.pk]))
    assert foreign.status_code in (302, 404)


def test_admin_rejects_a_duplicate_name(workspace: Workspace) -> None:
    Campaign.objects.create(workspace=workspace, name="Spring")
    client = member_client(workspace, role="owner")
    response = client.post(
        reverse("admin:campaigns_campaign_add"),
        {"workspace": workspace.pk, "name": "Spring", "status": "draft", "channels": "[]"},
    )
    assert response.status_code == 200
    assert "This workspace already has a campaign of that name." in response.content.decode()
    assert Campaign.objects.filter(workspace=workspace).count() == 1


def test_catalog_item_shows_working_feed_urls(workspace: Workspace) -> None:
    item = CatalogItem.objects.create(
        workspace=workspace,
        item_id="SKU-1",
        title="Roof rack",
        description="d",
        url="https://shop.example.com/r",
        image_url="https://shop.example.com/r.jpg",
        price=Decimal("10.00"),
    )
    admin = member_client(workspace)
    html = admin.get(reverse("admin:campaigns_catalogitem_change", args=[item.pk])).content.decode()
    start = html.index("http://127.0.0.1:8000/feeds/acme/catalog.csv?")
    url = html[start : html.index('"', start)].replace("&amp;", "&")
    parts = urlsplit(url)
    feed = admin.get(f"{parts.path}?{parts.query}")
    assert feed.status_code == 200
    assert b"SKU-1" in b"".join(feed.streaming_content)  # type: ignore[attr-defined]
    assert "/feeds/acme/catalog.xml?" in html


def test_metric_list_is_read_only_but_a_mistaken_row_can_be_deleted(workspace: Workspace) -> None:
    for n in range(5):
        ChannelMetric.objects.create(
            workspace=workspace,
            campaign=Campaign.objects.create(workspace=workspace, name=f"C{n}"),
            channel="paid_search",
            day=date(2026, 3, 1),
            source="import",
        )
    metric = ChannelMetric.objects.filter(workspace=workspace).first()
    assert metric is not None
    client = member_client(workspace, role="owner")
    changelist = reverse("admin:campaigns_channelmetric_changelist")
    client.get(changelist)  # warm the session and permission caches
    with CaptureQueriesContext(connection) as listed:
        page = client.get(changelist)
    assert page.status_code == 200
    assert all(f"C{n}" in page.content.decode() for n in range(5))
    # The campaigns come joined to the metrics, not one query per row.
    assert not [q for q in listed.captured_queries if 'FROM "campaigns_campaign"' in q["sql"]]

    assert client.get(reverse("admin:campaigns_channelmetric_add")).status_code == 403
    change = client.get(reverse("admin:campaigns_channelmetric_change", args=[metric.pk]))
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()
    deleted = client.post(
        reverse("admin:campaigns_channelmetric_delete", args=[metric.pk]), {"post": "yes"}
    )
    assert deleted.status_code == 302
    assert not ChannelMetric.objects.filter(pk=metric.pk).exists()


def _campaign_form(workspace: Workspace, channels: str, *targets: tuple[str, str, str]) -> dict:
    data = {
        "workspace": workspace.pk,
        "name": "Spring",
        "status": "active",
        "channels": channels,
        "utm_campaigns": '["spring"]',
        "targets-TOTAL_FORMS": str(len(targets)),
        "targets-INITIAL_FORMS": "0",
        "metrics-TOTAL_FORMS": "0",
        "metrics-INITIAL_FORMS": "0",
    }
    for n, (channel, metric, value) in enumerate(targets):
        data |= {f"targets-{n}-channel": channel, f"targets-{n}-metric": metric}
        data[f"targets-{n}-value"] = value
    return data


def test_targets_are_edited_on_the_campaigns_page(workspace: Workspace) -> None:
    spring = Campaign.objects.create(workspace=workspace, name="Spring", channels=["email"])
    client = member_client(workspace, role="owner")
    url = reverse("admin:campaigns_campaign_change", args=[spring.pk])
    page = client.get(url).content.decode()
    assert "Targets per channel" in page
    monitoring = reverse("admin:campaigns_campaign_monitoring", args=[spring.pk])
    assert monitoring in page
    assert monitoring in client.get(reverse("admin:campaigns_campaign_changelist")).content.decode()

    refused = client.post(url, _campaign_form(workspace, '["email"]', ("sms", "mqls", "5")))
    assert refused.status_code == 200
    assert "&#x27;sms&#x27; is not one of its channels." in refused.content.decode()
    assert not spring.targets.exists()

    # A channel added in the same save may carry a target at once.
    saved = client.post(
        url,
        _campaign_form(
            workspace, '["email", "sms"]', ("sms", "mqls", "5"), ("email", "cost_per_mql", "80")
        ),
    )
    assert saved.status_code == 302, saved.content.decode()[:2000]
    assert sorted(spring.targets.values_list("channel", "metric", "value")) == [
        ("email", "cost_per_mql", Decimal("80.00")),
        ("sms", "mqls", Decimal("5.00")),
    ]
    spring.refresh_from_db()
    assert spring.utm_campaigns == ["spring"]

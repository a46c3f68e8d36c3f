"""seed_demo's channel metrics: 90 days on every channel the demo campaigns run on, written by
the sync (email, SMS) and the report import (ads), the same again on a second seeding, with
each ad day's clicks above the leads the events brought that day."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.db.models import Count, Max, Min

from como.campaigns.models import Campaign, ChannelMetric, MetricSource
from como.campaigns.selectors.leads import campaign_leads
from como.campaigns.selectors.performance import campaign_performance
from como.campaigns.services import COUNTED_FROM_LOG
from como.channels.models import Message
from como.demo import metrics, services
from como.demo.credentials import DemoCredentials

from .test_seed import SMALL

pytestmark = pytest.mark.django_db


def _metric_rows() -> list[tuple[object, ...]]:
    return list(
        ChannelMetric.objects.order_by("workspace_id", "campaign_id", "channel", "day").values_list(
            "workspace_id", "campaign_id", "channel", "day", "sent", "opened", "clicks", "spend"
        )
    )


def test_every_channel_of_the_demo_campaigns_has_90_days(tmp_path: Path) -> None:
    path = tmp_path / "credentials.json"
    seeded = services.demo_seed(credentials_path=path, workspaces=SMALL)
    end = DemoCredentials.load(path).history_ends_at
    assert end is not None
    # The seeder writes one day more than promised (metrics_ensure): the history's last day
    # is cut at the seeding instant, and before the day's 09:00 UTC sends it holds none.
    first_day = end.date() - timedelta(days=metrics.DAYS)
    for ws in seeded.workspaces:
        assert any("channel metrics: 90 days" in note for note in ws.notes), ws.notes
        plan = metrics.ALWAYS_ON[ws.workspace.vertical]
        campaigns = Campaign.objects.filter(
            workspace=ws.workspace,
            name__in=[plan.name, services.channels.COPY[ws.workspace.vertical].name],
        )
        used = {channel for campaign in campaigns for channel in campaign.channels}
        assert used >= {"email", "sms", "paid_search"}
        days = (
            ChannelMetric.objects.filter(
                workspace=ws.workspace, campaign__in=campaigns, day__gte=first_day
            )
            .values("channel")
            .annotate(days=Count("day", distinct=True), first=Min("day"), last=Max("day"))
        )
        by_channel = {row["channel"]: row for row in days}
        assert set(by_channel) == used
        for channel, row in by_channel.items():
            assert row["days"] >= metrics.DAYS, (ws.workspace.slug, channel, row)
        # Who wrote them: the sync from the message log, or a platform's report.
        for channel in used:
            sources = set(
                ChannelMetric.objects.filter(
                    workspace=ws.workspace, channel=channel, campaign__in=campaigns
                ).values_list("source", flat=True)
            )
            expected = MetricSource.SYNC if channel in COUNTED_FROM_LOG else MetricSource.IMPORT
            assert sources == {expected}, (channel, sources)
        always_on = campaigns.get(name=plan.name)
        # The synced email counts are the log's.
        assert (
            sum(
                ChannelMetric.objects.filter(campaign=always_on, channel="email").values_list(
                    "sent", flat=True
                )
            )
            == Message.objects.filter(campaign_id=always_on.pk, channel="email").count()
        )
        # A day's clicks on an ad channel are never fewer than the leads it brought that day.
        people = campaign_leads(campaign=always_on, until=end.date())
        assert sum(people.leads.values()) > 0
        for (channel, day), leads in people.leads.items():
            if channel in {ad.channel for ad in plan.ads}:
                clicks = ChannelMetric.objects.get(
                    campaign=always_on, channel=channel, day=day
                ).clicks
                assert clicks >= leads
        # The page's figures have something in every chart and a target to show.
        found = campaign_performance(campaign=always_on, days=90, until=end.date())
        for channel in always_on.channels:
            assert any(found.series[channel]["sent"]) or any(found.series[channel]["clicks"])
        assert found.targets
        assert found.pace.elapsed is not None

    before, messages = _metric_rows(), Message.objects.count()
    again = services.demo_seed(credentials_path=path, workspaces=SMALL)
    assert _metric_rows() == before
    assert Message.objects.count() == messages
    assert all("(0 sends logged, 0 synced rows" in " ".join(ws.notes) for ws in again.workspaces)

"""Channel metrics: the sync replaces a day's synced rows (idempotent, exact counts), an import
stores a report's good rows and names each bad one, and neither disturbs the other."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from como.campaigns.models import Campaign, ChannelMetric
from como.campaigns.services import metrics_import, metrics_sync
from como.campaigns.tasks import sync_metrics
from como.channels import base
from como.channels.base import MetricRow
from como.channels.models import Message
from como.workspaces.models import Workspace

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 2)
NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def campaigns(workspace: Workspace) -> dict[str, Campaign]:
    return {
        name: Campaign.objects.create(workspace=workspace, name=name)
        for name in ("Spring", "Summer")
    }


_sequence = iter(range(1, 1_000_000))


def message(workspace: Workspace, campaign: Campaign | None, **stamps: Any) -> Message:
    return Message.objects.create(
        workspace=workspace,
        channel="email",
        direction="out",
        purpose="marketing",
        campaign_id=campaign.pk if campaign else None,
        idempotency_key=f"m-{next(_sequence)}",
        to="someone@example.com",
        status="sent",
        **stamps,
    )


def figures(
    workspace: Workspace, channel: str, day: date = DAY
) -> dict[str | None, dict[str, Any]]:
    rows = ChannelMetric.objects.filter(workspace=workspace, channel=channel, day=day)
    return {
        (row.campaign.name if row.campaign else None): {
            "sent": row.sent,
            "opened": row.opened,
            "clicked": row.clicked,
            "bounced": row.bounced,
            "impressions": row.impressions,
            "clicks": row.clicks,
            "spend": row.spend,
            "source": row.source,
        }
        for row in rows.select_related("campaign")
    }


def test_sync_counts_the_day_and_replaces_on_rerun(
    workspace: Workspace, other_workspace: Workspace, campaigns: dict[str, Campaign]
) -> None:
    spring, summer = campaigns["Spring"], campaigns["Summer"]
    message(workspace, spring, sent_at=NOON, opened_at=NOON + timedelta(hours=1))
    message(workspace, spring, sent_at=NOON, clicked_at=NOON + timedelta(hours=2))
    message(workspace, spring, sent_at=NOON, bounced_at=NOON)
    message(workspace, summer, sent_at=NOON)
    message(workspace, spring, sent_at=NOON - timedelta(days=1))  # yesterday's send
    message(workspace, None, sent_at=NOON)  # an MQL handoff, no campaign
    message(other_workspace, None, sent_at=NOON)

    result = metrics_sync(workspace_id=workspace.pk, day=DAY)
    expected = {
        "Spring": {"sent": 3, "opened": 1, "clicked": 1, "bounced": 1},
        "Summer": {"sent": 1, "opened": 0, "clicked": 0, "bounced": 0},
        None: {"sent": 1, "opened": 0, "clicked": 0, "bounced": 0},
    }

    def counts() -> dict[str | None, dict[str, int]]:
        return {
            k: {n: v[n] for n in ("sent", "opened", "clicked", "bounced")}
            for k, v in figures(workspace, "email").items()
        }

    assert counts() == expected
    assert result.by_channel["email"] == 3
    assert result.failed == {}
    # Asked for some channels, it syncs those only.
    only = metrics_sync(workspace_id=workspace.pk, day=DAY, channels={"email"})
    assert only.by_channel == {"email": 3}
    assert counts() == expected

    metrics_sync(workspace_id=workspace.pk, day=DAY)
    assert counts() == expected
    assert ChannelMetric.objects.filter(workspace=workspace, channel="email").count() == 3

    # A late open of yesterday's send lands today: the rerun picks it up, nothing doubles.
    Message.objects.filter(workspace=workspace, sent_at__lt=NOON - timedelta(hours=12)).update(
        opened_at=NOON
    )
    metrics_sync(workspace_id=workspace.pk, day=DAY)
    assert counts()["Spring"] == {"sent": 3, "opened": 2, "clicked": 1, "bounced": 1}
    assert not ChannelMetric.objects.filter(workspace=other_workspace).exists()


class ReportedChannel:
    """An ad channel whose platform also answers the sync: a row per campaign for the day."""

    key = "test_ads"
    kinds: frozenset[str] = frozenset()

    def __init__(self, campaigns: dict[str, Campaign]) -> None:
        self.campaigns = campaigns

    def preflight(self, action: Any, *, at: datetime) -> Any:
        raise NotImplementedError

    def execute(self, action: Any, idempotency_key: str) -> Any:
        raise NotImplementedError

    def sync_metrics(self, *, workspace_id: int, day: date) -> list[MetricRow]:
        return [
            MetricRow(
                channel=self.key,
                day=day,
                campaign_id=campaign.pk,
                counts={"impressions": 7, "clicks": 1, "spend": Decimal("0.70")},
            )
            for campaign in self.campaigns.values()
        ]


def test_sync_leaves_imported_reports_alone(
    workspace: Workspace, campaigns: dict[str, Campaign], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(base._adapters, ReportedChannel.key, ReportedChannel(campaigns))
    metrics_import(
        workspace=workspace,
        channel="test_ads",
        rows=[
            {
                "date": "2026-03-02",
                "campaign": "Spring",
                "impressions": 1000,
                "clicks": 40,
                "spend": "12.34",
            }
        ],
    )
    expected = {
        "Spring": (1000, 40, Decimal("12.34"), "import"),
        "Summer": (7, 1, Decimal("0.70"), "sync"),
    }

    def stored() -> dict[str | None, tuple[int, int, Decimal, str]]:
        return {
            k: (v["impressions"], v["clicks"], v["spend"], v["source"])
            for k, v in figures(workspace, "test_ads").items()
        }

    for _ in range(2):
        result = metrics_sync(workspace_id=workspace.pk, day=DAY)
        assert stored() == expected
        # Two rows offered, one written: the imported Spring row blocked the other.
        assert result.by_channel["test_ads"] == 1
        assert result.failed == {}

    # A corrected report replaces the imported figures; the synced Summer row is untouched.
    metrics_import(
        workspace=workspace,
        channel="test_ads",
        rows=[
            {
                "date": "2026-03-02",
                "campaign": "Spring",
                "impressions": 900,
                "clicks": 30,
                "spend": "9.00",
            },
            {
                "date": "2026-03-02",
                "campaign": "Summer",
                "impressions": 50,
                "clicks": 5,
                "spend": "5.00",
            },
        ],
    )
    assert stored() == {
        "Spring": (900, 30, Decimal("9.00"), "import"),
        "Summer": (50, 5, Decimal("5.00"), "import"),
    }
    assert metrics_sync(workspace_id=workspace.pk, day=DAY).by_channel["test_ads"] == 0
    assert ChannelMetric.objects.filter(workspace=workspace, channel="test_ads").count() == 2


def test_email_and_sms_are_counted_never_imported(
    workspace: Workspace, campaigns: dict[str, Campaign]
) -> None:
    for channel in ("email", "sms"):
        with pytest.raises(ValidationError) as raised:
            metrics_import(
                workspace=workspace,
                channel=channel,
                rows=[
                    {
                        "date": "2026-03-02",
                        "campaign": "Spring",
                        "impressions": 1,
                        "clicks": 1,
                        "spend": "1",
                    }
                ],
            )
        assert raised.value.message_dict == {
            "channel": [
                f"{channel} figures are counted from the messages como sent (the daily sync), "
                "not imported from a report."
            ]
        }
    assert not ChannelMetric.objects.filter(workspace=workspace).exists()

    # A row imported before imports of email were refused must not block the recount.
    spring = campaigns["Spring"]
    ChannelMetric.objects.create(
        workspace=workspace,
        campaign=spring,
        channel="email",
        day=DAY,
        sent=999,
        impressions=5,
        source="import",
    )
    message(workspace, spring, sent_at=NOON, opened_at=NOON)
    message(workspace, spring, sent_at=NOON)
    result = metrics_sync(workspace_id=workspace.pk, day=DAY)
    assert result.by_channel["email"] == 1
    row = figures(workspace, "email")["Spring"]
    assert (row["sent"], row["opened"], row["impressions"], row["source"]) == (2, 1, 0, "sync")


def test_import_stores_good_rows_and_names_each_bad_one(
    workspace: Workspace, other_workspace: Workspace, campaigns: dict[str, Campaign]
) -> None:
    Campaign.objects.create(workspace=other_workspace, name="Theirs")
    rows: list[Any] = [
        {
            "date": "2026-03-01",
            "campaign": "Spring",
            "impressions": "1,200",
            "clicks": "30",
            "spend": "45.10",
        },
        {
            "date": "2026-03-31x",
            "campaign": "Spring",
            "impressions": "1",
            "clicks": "1",
            "spend": "1",
        },
        {
            "date": "2026-03-01",
            "campaign": "Theirs",
            "impressions": "-5",
            "clicks": "2",
            "spend": "abc",
        },
        {
            "date": "2026-03-01",
            "campaign": str(campaigns["Summer"].pk),
            "impressions": 800,
            "clicks": 8,
            "spend": 9.999,
        },
        {
            "date": "2026-03-01",
            "campaign": "Spring",
            "impressions": "300",
            "clicks": "5",
            "spend": "4.90",
        },
        "not a row",
    ]
    result = metrics_import(workspace=workspace, channel="paid_search", rows=rows)
    assert [r.as_dict() for r in result.rows] == [
        {"row": 1, "status": "stored"},
        {"row": 2, "status": "error", "errors": {"date": "Give a date as YYYY-MM-DD."}},
        {
            "row": 3,
            "status": "error",
            "errors": {
                "campaign": "No campaign 'Theirs' in this workspace.",
                "impressions": "Give a whole number of zero or more.",
                "spend": "Give an amount, e.g. 12.50.",
            },
        },
        {"row": 4, "status": "stored"},
        {"row": 5, "status": "stored"},
        {"row": 6, "status": "error", "errors": {"row": "Must be an object."}},
    ]
    assert (result.stored, result.errors, result.metrics) == (3, 3, 2)
    stored = figures(workspace, "paid_search", date(2026, 3, 1))
    assert {
        k: (v["impressions"], v["clicks"], v["spend"], v["source"]) for k, v in stored.items()
    } == {
        "Spring": (1500, 35, Decimal("50.00"), "import"),
        "Summer": (800, 8, Decimal("10.00"), "import"),
    }

    again = metrics_import(workspace=workspace, channel="paid_search", rows=rows)
    assert again.stored == 3
    assert figures(workspace, "paid_search", date(2026, 3, 1)) == stored
    assert ChannelMetric.objects.filter(workspace=workspace).count() == 2
    assert not ChannelMetric.objects.filter(workspace=other_workspace).exists()


CSV = (
    "\ufeffDay,Campaign,Impr.,Clicks,Cost,Conversions\r\n"
    "2026-03-01,Spring,100,3,1.50,0\r\n"
    "2026-03-01,Nope,100,3,1.50,0\r\n"
    "\r\n"
    "2026-03-02,Summer,200,4,2.25,1\r\n"
)


def test_csv_import_with_the_platform_column_names(
    workspace: Workspace, campaigns: dict[str, Campaign]
) -> None:
    result = metrics_import(workspace=workspace, channel="paid_social", csv_text=CSV)
    assert [(r.row, r.stored, dict(r.errors)) for r in result.rows] == [
        (1, True, {}),
        (2, False, {"campaign": "No campaign 'Nope' in this workspace."}),
        (3, True, {}),
    ]
    assert figures(workspace, "paid_social", date(2026, 3, 2))["Summer"]["spend"] == Decimal("2.25")


def test_import_refuses_what_it_cannot_read_as_a_whole(workspace: Workspace) -> None:
    with pytest.raises(ValidationError) as raised:
        metrics_import(workspace=workspace, channel="paid_search", csv_text="date,campaign\r\n")
    assert "Missing column(s): impressions, clicks, spend" in raised.value.message_dict["file"][0]
    with pytest.raises(ValidationError) as raised:
        metrics_import(workspace=workspace, channel="fax", rows=[])
    assert raised.value.message_dict == {"channel": ["No channel 'fax'."]}


def test_management_command(
    workspace: Workspace,
    campaigns: dict[str, Campaign],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    report = tmp_path / "report.csv"
    report.write_text(CSV, encoding="utf-8")
    with pytest.raises(CommandError, match="1 row"):
        call_command(
            "import_channel_report", "--workspace", "acme", "--channel", "paid_search", str(report)
        )
    out, err = capsys.readouterr()
    assert "2 row(s) stored, 1 with errors; 2 campaign-day figure(s) written" in out
    assert "row 2: campaign: No campaign 'Nope' in this workspace." in err
    assert figures(workspace, "paid_search", date(2026, 3, 1))["Spring"]["clicks"] == 3
    with pytest.raises(CommandError, match="No workspace 'nope'"):
        call_command(
            "import_channel_report", "--workspace", "nope", "--channel", "paid_search", str(report)
        )


def test_task_takes_ids_and_is_idempotent(
    workspace: Workspace, campaigns: dict[str, Campaign]
) -> None:
    message(workspace, campaigns["Spring"], sent_at=NOON)
    assert sync_metrics(workspace.pk, "2026-03-02") == 1
    assert sync_metrics(workspace.pk, "2026-03-02") == 1
    assert figures(workspace, "email")["Spring"]["sent"] == 1
    assert sync_metrics.name == "como.campaigns.sync_metrics"


def test_beat_schedules_the_sync() -> None:
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["como.campaigns.sync_metrics"]
    assert entry["task"] == "como.campaigns.sync_metrics"
    assert entry["schedule"] == settings.COMO_METRICS_SYNC_SECONDS

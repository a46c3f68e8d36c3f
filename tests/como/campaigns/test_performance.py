"""A campaign's performance per channel: exact sums, ratios, leads and MQLs from the events,
targets against actuals with their pace, and the API that serves the same figures."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from como.campaigns.models import Campaign, CampaignTarget, ChannelMetric
from como.campaigns.selectors.leads import campaign_leads, channel_of
from como.campaigns.selectors.performance import campaign_performance
from como.campaigns.serializers import CampaignPerformanceSerializer
from como.leads.models import Contact, Event, LifecycleTransition
from como.workspaces.models import Workspace

pytestmark = pytest.mark.django_db

D = Decimal
UNTIL = date(2026, 3, 10)


def _at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def _touch(
    workspace: Workspace,
    contact: Contact,
    utm: str,
    at: datetime,
    source: str = "google",
    medium: str = "cpc",
) -> None:
    Event.objects.create(
        workspace=workspace,
        contact=contact,
        event_id=f"e-{contact.pk}-{utm}-{at:%d%H}",
        type="page_view",
        occurred_at=at,
        received_at=at,
        utm_source=source,
        utm_medium=medium,
        utm_campaign=utm,
    )


def _mql(workspace: Workspace, contact: Contact, at: datetime) -> None:
    LifecycleTransition.objects.create(
        workspace=workspace, contact=contact, from_stage="lead", to_stage="mql", at=at
    )


@pytest.fixture
def spring(workspace: Workspace, other_workspace: Workspace) -> Campaign:
    campaign = Campaign.objects.create(
        workspace=workspace,
        name="Spring",
        channels=["paid_search", "email"],
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 3, 30),
        utm_campaigns=["spring-search", "spring-mail"],
    )
    rows: list[dict[str, Any]] = [
        {"channel": "paid_search", "day": date(2026, 3, 8), "clicks": 5, "spend": D("9.99")},
        {"channel": "paid_search", "day": date(2026, 3, 9), "impressions": 1000, "clicks": 50,
         "spend": D("100.00")},
        {"channel": "paid_search", "day": UNTIL, "impressions": 3000, "clicks": 70,
         "spend": D("140.50"), "source": "import"},
        {"channel": "email", "day": UNTIL, "sent": 200, "delivered": 190, "opened": 57,
         "clicked": 9},
        # After the window: counted nowhere.
        {"channel": "paid_search", "day": date(2026, 3, 11), "clicks": 999, "spend": D("999")},
    ]  # fmt: skip
    for row in rows:
        ChannelMetric.objects.create(workspace=workspace, campaign=campaign, **row)
    # Another campaign's and another workspace's rows of the same day.
    other = Campaign.objects.create(workspace=workspace, name="Other", channels=["paid_search"])
    ChannelMetric.objects.create(
        workspace=workspace, campaign=other, channel="paid_search", day=UNTIL, clicks=7
    )
    rival = Campaign.objects.create(workspace=other_workspace, name="Spring", channels=["email"])
    ChannelMetric.objects.create(
        workspace=other_workspace, campaign=rival, channel="paid_search", day=UNTIL, clicks=11
    )

    def person(email: str, phone: str = "") -> Contact:
        return Contact.objects.create(workspace=workspace, email=email, phone=phone)

    ann, bea, cal, dan, eve = (
        person(f"{n}@example.com") for n in ("ann", "bea", "cal", "dan", "eve")
    )
    anonymous = person("")
    texted = person("", "+13125550100")
    _touch(workspace, ann, "spring-search", _at(9))  # lead on the 9th …
    _touch(workspace, ann, "spring-mail", _at(10), "newsletter", "email")  # … once
    _mql(workspace, ann, _at(10, 12))  # MQL on the 10th, on paid search
    _touch(workspace, bea, "spring-mail", _at(10), "newsletter", "email")
    _mql(workspace, bea, _at(1))  # an MQL before the campaign reached her: not its MQL
    _touch(workspace, cal, "spring-search", _at(10))
    _mql(workspace, cal, _at(11))  # after the window
    _touch(workspace, dan, "autumn", _at(10))  # another campaign's code
    _touch(workspace, anonymous, "spring-search", _at(10))  # nobody to reach: not a lead
    _touch(workspace, texted, "spring-search", _at(10), "linkedin", "paid_social")
    _touch(workspace, eve, "spring-search", _at(11))  # after ``until``
    for metric, value in (("spend", "600"), ("cost_per_mql", "300"), ("clicks", "1000")):
        CampaignTarget.objects.create(
            campaign=campaign, channel="paid_search", metric=metric, value=D(value)
        )
    CampaignTarget.objects.create(campaign=campaign, channel="email", metric="opened", value=100)
    CampaignTarget.objects.create(campaign=campaign, channel="email", metric="cost_per_lead",
                                  value=5)  # fmt: skip
    return campaign


def test_channel_of_a_touch() -> None:
    assert channel_of("google", "cpc") == "paid_search"
    assert channel_of("bing", "PPC ") == "paid_search"
    assert channel_of("facebook", "paid_social") == "paid_social"
    assert channel_of("LinkedIn", "paid_social") == "linkedin"
    assert channel_of("newsletter", "email") == "email"
    assert channel_of("cars.com", "referral") == "other"


def test_leads_and_mqls_from_the_events(spring: Campaign) -> None:
    found = campaign_leads(campaign=spring, until=UNTIL)
    assert dict(found.leads) == {
        ("paid_search", date(2026, 3, 9)): 1,
        ("paid_search", UNTIL): 1,
        ("email", UNTIL): 1,
        ("linkedin", UNTIL): 1,
    }
    assert dict(found.mqls) == {("paid_search", UNTIL): 1}
    later = campaign_leads(campaign=spring, until=date(2026, 3, 11))
    assert later.mqls[("paid_search", date(2026, 3, 11))] == 1
    assert later.leads[("paid_search", date(2026, 3, 11))] == 1


def test_daily_series_channels_and_total(spring: Campaign) -> None:
    found = campaign_performance(campaign=spring, days=2, until=UNTIL)
    assert (found.since, found.until, found.days) == (
        date(2026, 3, 9),
        UNTIL,
        [date(2026, 3, 9), UNTIL],
    )
    # The campaign's channels first, then any other that brought something.
    assert list(found.series) == ["paid_search", "email", "linkedin"]
    search = found.series["paid_search"]
    assert (search["impressions"], search["clicks"], search["spend"]) == (
        [1000, 3000],
        [50, 70],
        [D("100.00"), D("140.50")],
    )
    assert (search["leads"], search["mqls"]) == ([1, 1], [0, 1])
    email = found.series["email"]
    assert (email["sent"], email["delivered"], email["opened"], email["clicked"]) == (
        [0, 200],
        [0, 190],
        [0, 57],
        [0, 9],
    )
    assert (email["leads"], email["mqls"], email["spend"]) == ([0, 1], [0, 0], [0, D("0.00")])

    by = {figures.channel: figures for figures in found.channels}
    assert (by["paid_search"].clicks, by["paid_search"].spend) == (120, D("140.50") + D("100.00"))
    assert by["paid_search"].ctr == D("0.0300")  # 120 / 4000
    assert by["paid_search"].cost_per_lead == D("120.25")  # 240.50 / 2
    assert by["paid_search"].cost_per_mql == D("240.50")
    assert by["paid_search"].share_of_spend == D("1.0000")
    assert by["email"].open_rate == D("0.3000")  # 57 / 190
    assert (by["email"].ctr, by["email"].cost_per_mql) == (None, None)
    assert (by["email"].cost_per_lead, by["email"].share_of_spend) == (D("0.00"), D("0.0000"))
    assert (by["linkedin"].leads, by["linkedin"].spend) == (1, D("0.00"))
    total = found.total
    assert (total.leads, total.mqls, total.spend, total.clicks) == (4, 1, D("240.50"), 120)
    assert (total.cost_per_lead, total.cost_per_mql) == (D("60.13"), D("240.50"))


def test_targets_against_actuals_to_date_and_pace(spring: Campaign) -> None:
    found = campaign_performance(campaign=spring, days=1, until=UNTIL)
    assert (found.pace.elapsed, found.pace.as_of) == (D("0.3333"), UNTIL)  # day 10 of 30
    got = {
        (t.channel, t.metric): (t.target, t.actual, t.progress, t.expected, t.on_track)
        for t in found.targets
    }
    # From the campaign's start (the 8th's row counts), not only the one day shown.
    assert got == {
        ("paid_search", "spend"): (D("600"), D("250.49"), D("0.4175"), D("199.98"), True),
        ("paid_search", "clicks"): (D("1000"), D("125"), D("0.1250"), D("333.30"), False),
        ("paid_search", "cost_per_mql"): (D("300"), D("250.49"), D("0.8350"), None, True),
        ("email", "opened"): (D("100"), D("57"), D("0.5700"), D("33.33"), True),
        ("email", "cost_per_lead"): (D("5"), D("0.00"), D("0.0000"), None, True),
    }
    assert {t.metric: t.ceiling for t in found.targets if t.channel == "paid_search"} == {
        "spend": False,
        "clicks": False,
        "cost_per_mql": True,
    }


def test_pace_before_and_after_and_without_dates(spring: Campaign) -> None:
    before = campaign_performance(campaign=spring, days=1, until=date(2026, 2, 1))
    after = campaign_performance(campaign=spring, days=1, until=date(2026, 5, 1))
    assert (before.pace.elapsed, after.pace.elapsed) == (D("0.0000"), D("1.0000"))
    spring.ends_on = None
    undated = campaign_performance(campaign=spring, days=1, until=UNTIL)
    assert undated.pace.elapsed is None
    spend = next(t for t in undated.targets if t.metric == "spend")
    assert (spend.expected, spend.on_track) == (None, False)  # 250.49 of 600, no pace to judge


def test_a_campaign_without_anything(workspace: Workspace) -> None:
    empty = Campaign.objects.create(workspace=workspace, name="Empty", channels=["sms"])
    found = campaign_performance(campaign=empty, days=3, until=UNTIL)
    assert found.series == {"sms": {name: [0, 0, 0] for name in found.series["sms"]}}
    assert (found.total.ctr, found.total.cost_per_mql, found.total.share_of_spend) == (None,) * 3
    assert found.targets == []


def test_the_api_serves_the_selectors_figures(api: APIClient, spring: Campaign) -> None:
    response = api.get(f"/api/v1/campaigns/{spring.pk}/performance?days=2&until=2026-03-10")
    assert response.status_code == 200, response.json()
    body = response.json()
    expected = CampaignPerformanceSerializer(
        campaign_performance(campaign=spring, days=2, until=UNTIL)
    ).data
    assert body == expected
    search = next(s for s in body["series"] if s["channel"] == "paid_search")
    assert search["spend"] == ["100.00", "140.50"]
    channels = {c["channel"]: c for c in body["channels"]}
    assert (channels["paid_search"]["ctr"], channels["paid_search"]["cost_per_mql"]) == (
        "0.0300",
        "240.50",
    )
    assert body["pace"]["elapsed"] == "0.3333"
    default = api.get(f"/api/v1/campaigns/{spring.pk}/performance").json()
    assert len(default["days"]) == 30


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("days=0", "days"),
        ("days=367", "days"),
        ("days=ten", "days"),
        ("days=1e3", "days"),
        ("until=0001-01-01", "until"),
        ("until=2026-02-30", "until"),
        ("until=%00", None),
    ],
)
def test_bad_queries_are_400(
    api: APIClient, spring: Campaign, query: str, field: str | None
) -> None:
    response = api.get(f"/api/v1/campaigns/{spring.pk}/performance?{query}")
    assert response.status_code == 400
    if field:
        assert field in response.json()


def test_unknown_and_foreign_campaigns_are_404(
    api: APIClient, spring: Campaign, other_workspace: Workspace
) -> None:
    rival = Campaign.objects.get(workspace=other_workspace)
    for pk in (rival.pk, 10**9, "abc"):
        assert api.get(f"/api/v1/campaigns/{pk}/performance").status_code == 404


def test_targets_and_utm_codes_through_the_api(api: APIClient, spring: Campaign) -> None:
    url = f"/api/v1/campaigns/{spring.pk}"
    given = [
        {"channel": "email", "metric": "mqls", "value": "12"},
        {"channel": "paid_search", "metric": "cost_per_mql", "value": "250.5"},
    ]
    response = api.patch(url, {"targets": given}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["targets"] == [
        {"channel": "email", "metric": "mqls", "value": "12.00"},
        {"channel": "paid_search", "metric": "cost_per_mql", "value": "250.50"},
    ]
    assert CampaignTarget.objects.filter(campaign=spring).count() == 2
    # Without targets in the body they stay; a channel they name cannot be dropped alone.
    assert api.patch(url, {"status": "active"}, format="json").status_code == 200
    dropped = api.patch(url, {"channels": ["paid_search"]}, format="json")
    assert dropped.status_code == 400
    assert "channels" in dropped.json()
    assert CampaignTarget.objects.filter(campaign=spring).count() == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"targets": [{"channel": "sms", "metric": "mqls", "value": "1"}]}, "targets"),
        ({"targets": [{"channel": "email", "metric": "fame", "value": "1"}]}, "targets"),
        ({"targets": [{"channel": "email", "metric": "mqls", "value": "-1"}]}, "targets"),
        ({"targets": [{"channel": "email", "metric": "mqls", "value": "1e20"}]}, "targets"),
        ({"targets": [{"channel": "email", "metric": "mqls", "value": "1"}] * 2}, "targets"),
        ({"targets": "lots"}, "targets"),
        ({"utm_campaigns": ["x" * 201]}, "utm_campaigns"),
        ({"utm_campaigns": ["a", "a"]}, "utm_campaigns"),
        ({"utm_campaigns": "spring"}, "utm_campaigns"),
    ],
)
def test_bad_targets_and_codes_are_field_errors(
    api: APIClient, spring: Campaign, body: dict[str, Any], field: str
) -> None:
    response = api.patch(f"/api/v1/campaigns/{spring.pk}", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert CampaignTarget.objects.filter(campaign=spring).count() == 5


def test_a_utm_code_counts_for_one_campaign(api: APIClient, spring: Campaign) -> None:
    response = api.post(
        "/api/v1/campaigns",
        {"name": "Copy", "channels": ["email"], "utm_campaigns": ["spring-mail"]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "utm_campaigns": ["Already counted for another campaign: 'spring-mail' (Spring)."]
    }

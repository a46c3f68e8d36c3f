"""Stored credit follows the deals and the settings (Celery eager, after commit); the side-by-side
report and its API read it, with exact figures."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from como.agents.playbooks import playbook_update
from como.agents.services import playbook_for
from como.campaigns.attribution.report import side_by_side
from como.campaigns.models import AttributionCredit, AttributionRun, Campaign, ChannelMetric
from como.celery import app
from como.deals.models import Opportunity
from como.ingest.services import events_ingest
from como.leads.models import Contact, Event, LifecycleTransition
from como.workspaces.models import Workspace

pytestmark = pytest.mark.django_db
D0 = datetime(2026, 7, 6, 9, 0, tzinfo=UTC)
ANA = "ana@x.example"


@pytest.fixture
def eager() -> Iterator[None]:
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def day(n: float) -> datetime:
    return D0 + timedelta(days=n)


def journey(workspace: Workspace) -> dict[str, int]:
    """Search ad (campaign), email click, social ad; the lead created with the social ad."""
    search = Campaign.objects.create(workspace=workspace, name="Search", utm_campaigns=["s"])
    results = events_ingest(
        workspace=workspace,
        events=[
            {
                "id": "t1",
                "type": "page_view",
                "occurred_at": day(0).isoformat(),
                "contact": {"email": ANA},
                "utm": {"source": "google", "medium": "cpc", "campaign": "s"},
            },
            {
                "id": "t2",
                "type": "email_clicked",
                "occurred_at": day(2).isoformat(),
                "contact": {"email": ANA},
            },
            {
                "id": "t3",
                "type": "page_view",
                "occurred_at": day(4).isoformat(),
                "contact": {"email": ANA},
                "properties": {"fbclid": "x"},
            },
        ],
    )
    assert {r.status for r in results} == {"created"}
    contact = Contact.objects.get(workspace=workspace, email=ANA)
    LifecycleTransition.objects.filter(contact=contact).delete()
    LifecycleTransition.objects.create(
        workspace=workspace, contact=contact, from_stage="subscriber", to_stage="lead", at=day(4)
    )
    ids = dict(Event.objects.values_list("event_id", "id"))
    return ids | {"search": search.pk}


def post(api: APIClient, **item: Any) -> Any:
    body = {
        "external_id": "D-1",
        "contact": {"email": ANA},
        "amount": "900.00",
        "opened_at": day(5).isoformat(),
    } | item
    response = api.post("/api/v1/opportunities", {"opportunities": [body]}, format="json")
    assert response.status_code == 200, response.content
    return response


def test_opening_then_closing_a_deal_through_the_api_recomputes_its_credit(
    workspace: Workspace, api: APIClient, eager: None, django_capture_on_commit_callbacks: Any
) -> None:
    ids = journey(workspace)
    with django_capture_on_commit_callbacks(execute=True):
        post(api, status="open")
    opportunity = Opportunity.objects.get(workspace=workspace)
    rows = AttributionCredit.objects.filter(opportunity=opportunity).order_by("touch_at")
    assert [(r.event_id, r.converted_at, r.linear_amount) for r in rows] == [
        (ids["t1"], day(5), Decimal("300.00")),
        (ids["t2"], day(5), Decimal("300.00")),
        (ids["t3"], day(5), Decimal("300.00")),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        post(api, status="won", closed_at=day(9).isoformat(), amount="1000.00")
    rows = AttributionCredit.objects.filter(opportunity=opportunity).order_by("touch_at")
    assert [(r.converted_at, r.linear_amount, r.last_touch_amount) for r in rows] == [
        (day(9), Decimal("333.34"), Decimal("0.00")),
        (day(9), Decimal("333.33"), Decimal("0.00")),
        (day(9), Decimal("333.33"), Decimal("1000.00")),
    ]


def test_changing_the_u_shape_recomputes_everything(
    workspace: Workspace, api: APIClient, eager: None, django_capture_on_commit_callbacks: Any
) -> None:
    journey(workspace)
    with django_capture_on_commit_callbacks(execute=True):
        post(api, status="won", closed_at=day(9).isoformat(), amount="1000.00")
    u = lambda: [r.u_shaped for r in AttributionCredit.objects.order_by("touch_at")]  # noqa: E731
    assert u() == [Decimal("0.4"), Decimal("0.2"), Decimal("0.4")]
    with django_capture_on_commit_callbacks(execute=True):
        playbook_update(playbook=playbook_for(workspace), attribution={"u_shape": "50/0/50"})
    assert u() == [Decimal("0.5"), Decimal("0"), Decimal("0.5")]
    run = AttributionRun.objects.get(workspace=workspace)
    assert run.settings["u_shape"] == [50, 0, 50]
    # Saving the same settings again recomputes nothing.
    with django_capture_on_commit_callbacks(execute=True):
        playbook_update(playbook=playbook_for(workspace), attribution={"u_shape": "50/0/50"})
    assert AttributionRun.objects.filter(workspace=workspace).count() == 1


def test_bad_attribution_settings_are_refused(workspace: Workspace) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        playbook_update(playbook=playbook_for(workspace), attribution={"u_shape": "60/20/20"})
    assert "attribution" in caught.value.message_dict


def test_the_side_by_side_report_and_its_api(
    workspace: Workspace, api: APIClient, eager: None, django_capture_on_commit_callbacks: Any
) -> None:
    ids = journey(workspace)
    with django_capture_on_commit_callbacks(execute=True):
        post(api, status="won", closed_at=day(9).isoformat(), amount="1000.00")
    ChannelMetric.objects.create(
        workspace=workspace,
        campaign_id=ids["search"],
        channel="paid_search",
        day=day(1).date(),
        spend=Decimal("250.00"),
    )
    since, until = date(2026, 7, 1), date(2026, 7, 31)
    rows = {
        (r.model, r.key): r for r in side_by_side(workspace, by="channel", since=since, until=until)
    }
    first = rows[("first_touch", "paid_search")]
    assert (first.revenue, first.pipeline, first.spend, first.roi) == (
        Decimal("1000.00"),
        Decimal("1000.00"),
        Decimal("250.00"),
        Decimal("3.0000"),
    )
    last = rows[("last_touch", "paid_search")]
    assert (last.revenue, last.roi, last.cost_per_mql) == (
        Decimal("0.00"),
        Decimal("-1.0000"),
        None,
    )
    assert rows[("last_touch", "paid_social")].revenue == Decimal("1000.00")
    assert rows[("linear", "email")].revenue == Decimal("333.33")
    assert rows[("linear", "paid_search")].revenue == Decimal("333.34")
    by_campaign = side_by_side(
        workspace, by="campaign", since=since, until=until, models=["first_touch"]
    )
    assert [(r.key, r.label, r.revenue, r.spend) for r in by_campaign] == [
        (str(ids["search"]), "Search", Decimal("1000.00"), Decimal("250.00"))
    ]
    assert (
        side_by_side(workspace, by="channel", since=date(2026, 8, 1), until=date(2026, 8, 31)) == []
    )

    body = api.get(
        "/api/v1/attribution", {"since": "2026-07-01", "until": "2026-07-31", "model": "linear"}
    ).json()
    assert body["models"] == ["linear"]
    assert {r["key"]: r["revenue"] for r in body["rows"]} == {
        "paid_search": "333.34",
        "email": "333.33",
        "paid_social": "333.33",
    }
    text = api.get(
        "/api/v1/attribution",
        {"since": "2026-07-01", "until": "2026-07-31", "by": "campaign", "format": "csv"},
    ).content.decode()
    found = list(csv.DictReader(io.StringIO(text)))
    assert {
        (r["model"], r["revenue"]) for r in found if r["model"] in ("first_touch", "last_touch")
    } == {("first_touch", "1000.00"), ("last_touch", "0.00")}
    bad = api.get("/api/v1/attribution", {"model": "magic", "by": "region", "since": "2026-13-01"})
    assert bad.status_code == 400
    assert set(bad.json()) == {"model", "by", "since"}
    missing = api.get("/api/v1/attribution", {"campaign": 999999})
    assert missing.status_code == 400
    assert "campaign" in missing.json()


def test_the_management_command_recomputes_with_progress(workspace: Workspace) -> None:
    from django.core.management import CommandError, call_command

    journey(workspace)
    Opportunity.objects.create(
        workspace=workspace,
        external_id="D-9",
        contact=Contact.objects.get(email=ANA),
        amount=Decimal("10.00"),
        status="won",
        opened_at=day(5),
        closed_at=day(9),
    )
    out = io.StringIO()
    call_command("recompute_attribution", workspace=workspace.slug, stdout=out)
    assert f"{workspace.slug}: 1/1 conversions, 3 rows" in out.getvalue()
    assert AttributionCredit.objects.filter(workspace=workspace).count() == 3
    with pytest.raises(CommandError):
        call_command("recompute_attribution", workspace="nobody")


def test_a_move_to_mql_stores_its_credit_after_commit(
    workspace: Workspace, eager: None, django_capture_on_commit_callbacks: Any
) -> None:
    from como.leads.services import contact_stage_change

    journey(workspace)
    contact = Contact.objects.get(workspace=workspace, email=ANA)
    with django_capture_on_commit_callbacks(execute=True):
        [move] = contact_stage_change(
            workspace=workspace, to_stage="mql", reason="score", contact=contact, at=day(3)
        )
    rows = AttributionCredit.objects.filter(transition=move).order_by("touch_at")
    # Touches t1 and t2 are before the move; lead creation (day 4) is after it.
    assert [(r.kind, r.linear, r.first_touch, r.last_touch) for r in rows] == [
        ("mql", Decimal("0.5"), Decimal("1"), Decimal("0")),
        ("mql", Decimal("0.5"), Decimal("0"), Decimal("1")),
    ]
    mqls = {
        r.key: r.mqls
        for r in side_by_side(
            workspace,
            by="channel",
            since=date(2026, 7, 1),
            until=date(2026, 7, 31),
            models=["linear"],
        )
    }
    assert mqls == {"paid_search": Decimal("0.50"), "email": Decimal("0.50")}

"""Stored credit: a 4-touch contact journey and a 6-touch account journey, every model with the
numbers written out, equal to credit.py's; MQLs counted; recompute replaces, never adds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from como.agents.playbooks import playbook_update
from como.agents.services import playbook_for
from como.campaigns.attribution.batch import share_text
from como.campaigns.attribution.credit import MODELS, Journey
from como.campaigns.attribution.credit import Touch as CreditTouch
from como.campaigns.attribution.money import allocate
from como.campaigns.attribution.store import PLACES, recompute, settings_of
from como.campaigns.models import AttributionCredit, AttributionRun, Campaign
from como.deals.models import Opportunity
from como.deals.services import opportunities_save
from como.ingest.services import events_ingest
from como.leads.models import Account, Contact, Event, LifecycleStage, LifecycleTransition
from como.workspaces.models import Workspace

pytestmark = pytest.mark.django_db
D0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def day(n: float) -> datetime:
    return D0 + timedelta(days=n)


def ingest(workspace: Workspace, *events: dict[str, Any]) -> None:
    results = events_ingest(workspace=workspace, events=list(events))
    assert {r.status for r in results} == {"created"}, results


def ev(key: str, type_: str, at: datetime, email: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": key,
        "type": type_,
        "occurred_at": at.isoformat(),
        "contact": {"email": email},
    } | extra


def lead_at(workspace: Workspace, email: str, at: datetime) -> Contact:
    contact = Contact.objects.get(workspace=workspace, email=email)
    LifecycleTransition.objects.filter(contact=contact).delete()  # only ours count here
    LifecycleTransition.objects.create(
        workspace=workspace, contact=contact, from_stage="subscriber", to_stage="lead", at=at
    )
    return contact


def deal(workspace: Workspace, **item: Any) -> Opportunity:
    outcome = opportunities_save(workspace=workspace, items=[item], via="api")[0]
    assert outcome.status == "created", outcome
    assert outcome.id is not None
    return Opportunity.objects.get(pk=outcome.id)


def stored(opportunity: Opportunity) -> dict[str, dict[str, tuple[Decimal, Decimal | None]]]:
    """model → event key → (share, amount)"""
    keys = dict(Event.objects.values_list("id", "event_id"))
    out: dict[str, dict[str, tuple[Decimal, Decimal | None]]] = {key: {} for key in MODELS}
    for row in AttributionCredit.objects.filter(opportunity=opportunity):
        for key in MODELS:
            out[key][keys[row.event_id]] = (getattr(row, key), getattr(row, f"{key}_amount"))
    return out


def nonzero(credit: dict[str, tuple[Decimal, Decimal | None]]) -> dict[str, Decimal]:
    return {key: share for key, (share, _) in credit.items() if share}


def q(value: Fraction) -> Decimal:
    return Decimal(share_text(value.numerator, value.denominator, PLACES))


def as_credit_py(workspace: Workspace, opportunity: Opportunity, lead: datetime) -> dict[str, Any]:
    """credit.py over the same touches (from the stored rows) and milestones."""
    keys = dict(Event.objects.values_list("id", "event_id"))
    rows = AttributionCredit.objects.filter(opportunity=opportunity).order_by(
        "touch_at", "event_id"
    )
    touches = [
        CreditTouch(r.touch_at, keys[r.event_id], r.channel, r.campaign_id, r.channel == "direct")
        for r in rows
    ]
    won = opportunity.closed_at if opportunity.status == "won" else None
    journey = Journey(touches, won or opportunity.opened_at, lead, opportunity.opened_at, won)
    config = settings_of(workspace)
    assert opportunity.amount is not None
    out = {}
    for key, spec in MODELS.items():
        credit = spec.credit(journey, config)
        money = allocate(opportunity.amount, [s for _, s in credit])
        out[key] = {t.key: (q(s), m) for (t, s), m in zip(credit, money, strict=True)}
    return out


def test_a_four_touch_journey_stores_every_model_exactly(workspace: Workspace) -> None:
    search = Campaign.objects.create(workspace=workspace, name="Search", utm_campaigns=["s"])
    ana = "ana@x.example"
    ingest(
        workspace,
        ev(
            "t1",
            "page_view",
            day(0),
            ana,
            utm={"source": "google", "medium": "cpc", "campaign": "s"},
        ),
        ev("t2", "email_clicked", day(7), ana, properties={"campaign_id": search.pk}),
        ev("t3", "page_view", day(14), ana),  # direct
        ev("t4", "page_view", day(21), ana, properties={"fbclid": "IwAR"}),
        ev("late", "page_view", day(22), ana, utm={"source": "google", "medium": "cpc"}),
    )
    lead = day(7) + timedelta(hours=1)
    lead_at(workspace, ana, lead)
    opportunity = deal(
        workspace,
        external_id="D-1",
        contact={"email": ana},
        amount="1000.00",
        status="won",
        opened_at=(day(14) + timedelta(hours=1)).isoformat(),
        closed_at=day(21).isoformat(),
    )
    assert recompute(workspace, opportunity_ids=[opportunity.pk]) == 4
    got = stored(opportunity)
    assert {r.event_id for r in AttributionCredit.objects.all()} == set(
        Event.objects.exclude(event_id="late").values_list("id", flat=True)
    )
    third = Decimal("0.333333333333333")
    assert nonzero(got["first_touch"]) == {"t1": 1}
    assert nonzero(got["last_touch"]) == {"t4": 1}
    assert nonzero(got["last_non_direct"]) == {"t4": 1}
    assert got["linear"] == {
        k: (Decimal("0.25"), Decimal("250.00")) for k in ("t1", "t2", "t3", "t4")
    }
    # U-shaped stops at lead creation (t2): 40 + 40 scaled to the whole.
    assert nonzero(got["u_shaped"]) == {"t1": Decimal("0.5"), "t2": Decimal("0.5")}
    assert {k: a for k, (_, a) in got["u_shaped"].items()}["t1"] == Decimal("500.00")
    # W-shaped stops at opportunity creation (t3): 30/30/30 over three touches.
    assert got["w_shaped"] == {
        "t1": (third, Decimal("333.34")),
        "t2": (third, Decimal("333.33")),
        "t3": (third, Decimal("333.33")),
        "t4": (Decimal(0), Decimal("0.00")),
    }
    assert nonzero(got["full_path"]) == {k: Decimal("0.25") for k in ("t1", "t2", "t3", "t4")}
    # Time decay, 7-day half-life: ages 21, 14, 7, 0 days → 1/8, 1/4, 1/2, 1 of 15/8.
    assert got["time_decay"] == {
        "t1": (Decimal("0.066666666666667"), Decimal("66.67")),
        "t2": (Decimal("0.133333333333333"), Decimal("133.33")),
        "t3": (Decimal("0.266666666666667"), Decimal("266.67")),
        "t4": (Decimal("0.533333333333333"), Decimal("533.33")),
    }
    expected = as_credit_py(workspace, opportunity, lead)
    for key in MODELS:
        assert {k: v for k, v in got[key].items() if k in expected[key]} == expected[key], key
    # A recompute replaces the rows.
    assert recompute(workspace, opportunity_ids=[opportunity.pk]) == 4
    assert AttributionCredit.objects.count() == 4


def test_a_six_touch_account_journey_credits_every_member(workspace: Workspace) -> None:
    playbook_update(
        playbook=playbook_for(workspace),
        attribution={"lookback_days": 60, "u_shape": "50/0/50", "half_life_days": "1"},
    )
    acme = Account.objects.create(workspace=workspace, name="Acme", domain="acme.example")
    ana, bob, cy = "ana@acme.example", "bob@acme.example", "cy@acme.example"
    ingest(
        workspace,
        ev("old", "page_view", day(-61), ana, utm={"source": "linkedin", "medium": "paid_social"}),
        ev("a1", "page_view", day(0), ana, utm={"source": "linkedin", "medium": "paid_social"}),
        ev("b1", "email_clicked", day(2), bob),
        ev("c1", "page_view", day(4), cy, utm={"source": "news", "medium": "email"}),
        ev("a2", "form_submitted", day(7), ana),
        ev("b2", "page_view", day(9), bob, properties={"gclid": "Cj0"}),
        ev("c2", "email_clicked", day(14), cy),
        ev("dee", "email_clicked", day(10), "dee@other.example"),
    )
    Contact.objects.filter(workspace=workspace, email__endswith="@acme.example").update(
        account=acme
    )
    lead_at(workspace, ana, day(0) + timedelta(hours=1))
    lead_at(workspace, bob, day(3))
    opportunity = deal(
        workspace,
        external_id="D-2",
        account={"domain": "acme.example"},
        amount="6000.00",
        status="won",
        opened_at=(day(7) + timedelta(hours=1)).isoformat(),
        closed_at=day(14).isoformat(),
    )
    assert opportunity.account_id == acme.pk
    assert opportunity.contact_id is None
    assert recompute(workspace, opportunity_ids=[opportunity.pk]) == 6
    got = stored(opportunity)
    six = ("a1", "b1", "c1", "a2", "b2", "c2")
    assert set(got["linear"]) == set(six)
    assert nonzero(got["first_touch"]) == {"a1": 1}
    assert nonzero(got["last_touch"]) == {"c2": 1}
    assert nonzero(got["last_non_direct"]) == {"c2": 1}
    assert {k: a for k, (_, a) in got["linear"].items()} == {k: Decimal("1000.00") for k in six}
    # Lead creation is Ana's (the earliest member's): U-shaped counts a1 alone.
    assert nonzero(got["u_shaped"]) == {"a1": 1}
    # W: FT and LC on a1, OC on a2 (30 each), b1 and c1 share the 10.
    assert {k: a for k, (s, a) in got["w_shaped"].items() if s} == {
        "a1": Decimal("3600.00"),
        "b1": Decimal("300.00"),
        "c1": Decimal("300.00"),
        "a2": Decimal("1800.00"),
    }
    # Full path: 22.5 twice on a1, 22.5 on a2 (OC) and c2 (CW), 10 over b1, c1, b2.
    assert {k: a for k, (_, a) in got["full_path"].items()} == {
        "a1": Decimal("2700.00"),
        "b1": Decimal("200.00"),
        "c1": Decimal("200.00"),
        "a2": Decimal("1350.00"),
        "b2": Decimal("200.00"),
        "c2": Decimal("1350.00"),
    }
    assert got["full_path"]["b1"][0] == Decimal("0.033333333333333")
    # Time decay with a 1-day half-life: ages 14, 12, 10, 7, 5, 0 days →
    # 1, 4, 16, 128, 512, 16384 over 17045 (in 2^-14).
    assert {k: a for k, (_, a) in got["time_decay"].items()} == {
        "a1": Decimal("0.35"),
        "b1": Decimal("1.41"),
        "c1": Decimal("5.63"),
        "a2": Decimal("45.06"),
        "b2": Decimal("180.23"),
        "c2": Decimal("5767.32"),
    }
    assert got["time_decay"]["c2"][0] == q(Fraction(16384, 17045))
    expected = as_credit_py(workspace, opportunity, day(0) + timedelta(hours=1))
    for key in MODELS:
        assert {k: v for k, v in got[key].items() if k in expected[key]} == expected[key], key


def test_a_full_recompute_counts_mqls_and_records_its_run(workspace: Workspace) -> None:
    ana = "ana@x.example"
    ingest(
        workspace,
        ev("m1", "page_view", day(0), ana, utm={"source": "google", "medium": "cpc"}),
        ev("m2", "email_clicked", day(1), ana),
    )
    contact = lead_at(workspace, ana, day(0))
    LifecycleTransition.objects.create(
        workspace=workspace,
        contact=contact,
        from_stage="lead",
        to_stage=LifecycleStage.MQL,
        at=day(2),
    )
    seen: list[tuple[int, int, int]] = []
    assert recompute(workspace, progress=lambda *a: seen.append(a)) == 2
    assert seen[-1] == (1, 1, 2)
    rows = AttributionCredit.objects.filter(kind="mql").order_by("touch_at")
    assert [r.linear for r in rows] == [Decimal("0.5"), Decimal("0.5")]
    assert [r.linear_amount for r in rows] == [None, None]
    run = AttributionRun.objects.get(workspace=workspace)
    assert (run.conversions, run.rows, run.finished_at is not None) == (1, 2, True)

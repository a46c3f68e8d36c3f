"""The verticals' default models validate and score demo-shaped contacts to known numbers."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from como.scoring.engine import ContactSnapshot, EventRecord, compile_model, score_at
from verticals.automotive.scoring import DEFAULT_SCORING_MODEL as AUTOMOTIVE
from verticals.automotive.vertical import PROFILE as AUTOMOTIVE_PROFILE
from verticals.b2b.scoring import DEFAULT_SCORING_MODEL as B2B
from verticals.b2b.vertical import PROFILE as B2B_PROFILE

NOW = datetime(2026, 3, 1, 15, tzinfo=UTC)
DAY, HOUR = timedelta(days=1), timedelta(hours=1)


def _decayed(points: float, days_ago: float) -> float:
    return points * 0.75 ** (days_ago / 91.3)


@pytest.mark.parametrize(
    ("model", "profile"),
    [(AUTOMOTIVE, AUTOMOTIVE_PROFILE), (B2B, B2B_PROFILE)],
    ids=["automotive", "b2b"],
)
def test_default_model_validates_and_uses_the_verticals_event_types(
    model: dict[str, Any], profile: Any
) -> None:
    compiled = compile_model(model)
    assert {rule.event_type for rule in compiled.intent} <= set(profile.event_types)
    assert any(rule.points < 0 for rule in compiled.fit)
    assert any(rule.points < 0 for rule in compiled.intent)


def _shopper_events() -> list[EventRecord]:
    # A demo shopper (como/demo/automotive.py shapes): browse, six VDP views in six hours,
    # a payment calculation, a trade-in appraisal and a test drive two days ago.
    store = {"store": "LTN", "site": "toyota"}
    vdp = {"vin": "4T1DAACK5TU000123", "path": "/inventory/new/2026-toyota-camry-t261004"}
    events = [
        EventRecord("a1", "page_view", {"path": "/specials", **store}, NOW - 10 * DAY),
        EventRecord("a2", "page_view", {"path": "/", **store}, NOW - 10 * DAY + HOUR),
    ]
    events += [
        EventRecord(f"v{i}", "vdp_view", {**vdp, "condition": "new"}, NOW - 9 * DAY + i * HOUR)
        for i in range(6)
    ]
    events += [
        EventRecord("p1", "payment_calculator", {"price": 31_000, "apr": 5.9}, NOW - 8 * DAY),
        EventRecord("t1", "trade_in_appraisal", {"make": "Kia"}, NOW - 8 * DAY + HOUR),
        EventRecord("d1", "test_drive_booked", {"store": "LTN"}, NOW - 2 * DAY),
    ]
    return events


def test_automotive_shopper_in_market() -> None:
    model = compile_model({**AUTOMOTIVE, "market": {"postal_code": "60563", "radius_miles": 50}})
    contact = ContactSnapshot(
        email="jordan.kim@example.com", phone="+16305550142", postal_code="60540"
    )
    score = score_at(model, contact, None, _shopper_events(), NOW)
    vdp = sum(_decayed(5, 9 - i / 24) for i in range(5))  # the sixth is over the 5-per-7-days cap
    expected_intent = (
        vdp + _decayed(2, 10) + _decayed(15, 8) + _decayed(20, 8 - 1 / 24) + _decayed(40, 2)
    )
    assert score.fit == 15.0  # reachable by phone + in market
    assert score.intent == pytest.approx(expected_intent, rel=1e-12)
    assert score.score == pytest.approx(115.12537627216821, rel=1e-12)
    assert score.is_mql
    assert [item["rule"] for item in score.breakdown] == [
        "reachable_by_phone",
        "in_market",
        "vdp_view",
        "shopping_pages",
        "payment_calculator",
        "trade_in_appraisal",
        "test_drive_booked",
    ]


def test_automotive_out_of_market_and_wholesaler_lose_points() -> None:
    model = compile_model({**AUTOMOTIVE, "market": {"postal_code": "60563", "radius_miles": 50}})
    kenosha = ContactSnapshot(email="pat@example.com", postal_code="53142")
    wholesaler = ContactSnapshot(email="buyer@Manheim.com", postal_code="60540")
    assert score_at(model, kenosha, None, [], NOW).fit == -25.0
    assert score_at(model, wholesaler, None, [], NOW).fit == 10.0 - 40.0


def test_automotive_job_seeker_and_bounce() -> None:
    model = compile_model(AUTOMOTIVE)
    events = [
        EventRecord(f"c{i}", "page_view", {"path": f"/careers/{i}"}, NOW - i * DAY)
        for i in range(4)
    ]
    events.append(EventRecord("b1", "email_bounced", {"bounce_type": "hard"}, NOW))
    score = score_at(model, ContactSnapshot(email="x@example.com"), None, events, NOW)
    expected = sum(_decayed(-15, i) for i in range(1, 4)) - 20  # capped at 3 per 30 days
    assert score.score == pytest.approx(expected, rel=1e-12)


def _b2b_events() -> list[EventRecord]:
    title = {"title": "Pricing | Northwind Cloud"}
    blog = [
        EventRecord(
            f"b{i}",
            "page_view",
            {"path": "/blog/x", "content_type": "blog"},
            NOW - 20 * DAY + i * DAY,
        )
        for i in range(5)
    ]
    return [
        *blog,  # only 3 of the 5 count (cap 3 per 30 days)
        EventRecord("p1", "page_view", {"path": "/pricing", **title}, NOW - 10 * DAY),
        EventRecord("p2", "page_view", {"path": "/pricing", **title}, NOW - 9 * DAY),
        EventRecord("c1", "page_view", {"path": "/compare/northwind-vs-snowdrift"}, NOW - 9 * DAY),
        EventRecord(
            "f1", "form_submitted", {"form": "gated_asset", "asset_id": "cg"}, NOW - 7 * DAY
        ),
        EventRecord(
            "g1",
            "asset_downloaded",
            {"asset_id": "comparison-guide-2026", "asset_type": "comparison_guide"},
            NOW - 7 * DAY,
        ),
        EventRecord(
            "w1",
            "webinar_attended",
            {
                "webinar_id": "wbn-live-demo-streaming-cdc",
                "live_demo": True,
                "minutes_attended": 40,
            },
            NOW - 3 * DAY,
        ),
        EventRecord("s1", "case_study_viewed", {"case_study": "granite-health"}, NOW - 3 * DAY),
    ]


def test_b2b_economic_buyer() -> None:
    model = compile_model(B2B)
    contact = ContactSnapshot(
        email="dana.reyes@bluestemsoftware.example",
        title="VP of Data",
        company_size=640,
        industry="Software",
        country="US",
        region="NY",
        attributes={"committee_role": "economic_buyer"},
    )
    score = score_at(model, contact, None, _b2b_events(), NOW)
    expected_intent = (
        sum(_decayed(2, 20 - i) for i in range(3))
        + _decayed(20, 10)
        + _decayed(20, 9)
        + _decayed(10, 9)
        + _decayed(25, 7)
        + _decayed(30, 3)
        + _decayed(10, 3)
    )
    assert score.fit == 40.0  # vp 15 + mid-market 10 + software 10 + US 5
    assert score.intent == pytest.approx(expected_intent, rel=1e-12)
    assert score.score == pytest.approx(40.0 + expected_intent, rel=1e-12)
    assert score.is_mql


@pytest.mark.parametrize(
    ("contact", "fit"),
    [
        (
            ContactSnapshot(
                email="a@quarryanalytics.example", title="Product Marketing Manager", country="US"
            ),
            -50 + 5 + 5,
        ),
        (
            ContactSnapshot(
                email="s@stateuniversity.example", title="Graduate Student", country="US"
            ),
            -30 + 5,
        ),
        (ContactSnapshot(email="x@gmail.com", title="Data Engineer", country="US"), -10 + 5),
    ],
    ids=["competitor", "student", "free_mail"],
)
def test_b2b_outsiders_never_qualify(contact: ContactSnapshot, fit: float) -> None:
    score = score_at(compile_model(B2B), contact, None, _b2b_events(), NOW)
    assert score.fit == fit
    assert score.score >= 70  # plenty of intent ...
    assert not score.is_mql  # ... but fit is under min_fit

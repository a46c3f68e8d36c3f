from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from como.scoring.decay import QUARTER
from como.scoring.engine import (
    AccountSnapshot,
    ContactSnapshot,
    EventRecord,
    compile_model,
    evaluate_fit,
    evaluate_intent,
    score_at,
)

NOW = datetime(2026, 3, 1, 15, tzinfo=UTC)


def _event(n: int, at: datetime, type_: str = "page_view", **props: Any) -> EventRecord:
    return EventRecord(f"e{n:03d}", type_, props, at)


def _fires(
    when: dict[str, Any],
    contact: ContactSnapshot,
    account: AccountSnapshot | None = None,
    *,
    market: dict[str, Any] | None = None,
) -> bool:
    model = compile_model(
        {"threshold": 50, "market": market, "fit": [{"key": "r", "when": when, "points": 10}]}
    )
    return evaluate_fit(model, contact, account) == [("r", 10)]


BLOG = {
    "key": "blog",
    "event_type": "page_view",
    "when": {"property": "path", "starts_with": "/blog"},
    "points": 2,
    "cap": {"count": 3, "per_days": 30},
}


def _blog_times(model_events: Sequence[EventRecord]) -> list[str]:
    model = compile_model({"threshold": 50, "intent": [BLOG]})
    return [c.event_id for c in evaluate_intent(model, model_events)]


# --- intent and decay ----------------------------------------------------------------------


def test_forty_points_a_quarter_ago_count_thirty_then_twenty_two_and_a_half() -> None:
    model = compile_model(
        {"threshold": 50, "intent": [{"key": "demo", "event_type": "demo", "points": 40}]}
    )
    events = [_event(1, NOW - QUARTER, "demo")]
    assert score_at(model, ContactSnapshot(), None, events, NOW).intent == pytest.approx(
        30.0, rel=1e-12
    )
    later = score_at(model, ContactSnapshot(), None, events, NOW + QUARTER)
    assert later.intent == pytest.approx(22.5, rel=1e-12)
    assert later.breakdown == ({"rule": "demo", "kind": "intent", "points": later.intent},)


def test_cap_stops_after_n_in_the_window_and_counts_again_after_it() -> None:
    day = timedelta(days=1)
    events = [_event(i, NOW + i * day, path="/blog/x") for i in range(5)]  # days 0..4
    events += [
        _event(29, NOW + 29 * day, path="/blog/y"),  # day 0 still in (29 < 30): refused
        _event(30, NOW + 30 * day, path="/blog/z"),  # day 0 left the window: counts
        _event(31, NOW + 30 * day, path="/blog/w"),  # days 1, 2 and 30 fill it: refused
        _event(32, NOW + 31 * day, path="/blog/v"),  # day 1 left: counts
    ]
    assert _blog_times(events) == ["e000", "e001", "e002", "e030", "e032"]


def test_refused_events_do_not_occupy_the_window() -> None:
    day = timedelta(days=1)
    # Three counted on day 0, refused ones on days 10 and 20; on day 30 the window is empty
    # of counted events, so three count again.
    events = [_event(i, NOW, path="/blog") for i in range(3)]
    events += [_event(10, NOW + 10 * day, path="/blog"), _event(20, NOW + 20 * day, path="/blog")]
    events += [_event(30 + i, NOW + 30 * day, path="/blog") for i in range(4)]
    assert _blog_times(events) == ["e000", "e001", "e002", "e030", "e031", "e032"]


def test_negative_rules_subtract() -> None:
    model = compile_model(
        {
            "threshold": 50,
            "intent": [
                {
                    "key": "pricing",
                    "event_type": "page_view",
                    "when": {"property": "path", "starts_with": "/pricing"},
                    "points": 20,
                },
                {
                    "key": "careers",
                    "event_type": "page_view",
                    "when": {"property": "path", "starts_with": "/careers"},
                    "points": -15,
                },
            ],
        }
    )
    events = [_event(1, NOW, path="/pricing"), _event(2, NOW, path="/careers/engineer")]
    score = score_at(model, ContactSnapshot(), None, events, NOW)
    assert score.intent == 5.0
    assert [item["points"] for item in score.breakdown] == [20.0, -15.0]


def test_rules_stack_on_one_event() -> None:
    model = compile_model(
        {
            "threshold": 50,
            "intent": [
                {"key": "any_page", "event_type": "page_view", "points": 1},
                {
                    "key": "pricing",
                    "event_type": "page_view",
                    "when": {"property": "path", "equals": "/PRICING"},
                    "points": 20,
                },
            ],
        }
    )
    assert (
        score_at(model, ContactSnapshot(), None, [_event(1, NOW, path="/pricing")], NOW).score == 21
    )


def test_future_events_are_ignored() -> None:
    model = compile_model({"threshold": 50, "intent": [BLOG]})
    events = [_event(1, NOW, path="/blog"), _event(2, NOW + timedelta(seconds=1), path="/blog")]
    assert score_at(model, ContactSnapshot(), None, events, NOW).intent == 2.0
    assert (
        score_at(model, ContactSnapshot(), None, events, NOW - timedelta(seconds=1)).breakdown == ()
    )


def test_fit_is_unchanged_by_time_and_mql_needs_min_fit() -> None:
    model = compile_model(
        {
            "threshold": 30,
            "min_fit": 10,
            "fit": [
                {"key": "vp", "when": {"attr": "contact.title", "regex": r"\bvp\b"}, "points": 15}
            ],
            "intent": [{"key": "demo", "event_type": "demo", "points": 40}],
        }
    )
    vp, analyst = ContactSnapshot(title="VP of Data"), ContactSnapshot(title="Analyst")
    events = [_event(1, NOW, "demo")]
    for at in (NOW, NOW + QUARTER, NOW + 40 * QUARTER):
        assert score_at(model, vp, None, events, at).fit == 15.0
    assert score_at(model, vp, None, events, NOW).is_mql
    assert not score_at(model, analyst, None, events, NOW).is_mql  # 40 >= 30 but fit 0 < 10
    assert not score_at(model, vp, None, events, NOW + 4 * QUARTER).is_mql  # 15 + 12.66 < 30


def test_naive_instant_is_refused() -> None:
    model = compile_model({"threshold": 1})
    with pytest.raises(ValueError, match="timezone-aware"):
        score_at(model, ContactSnapshot(), None, [], datetime(2026, 1, 1))


def test_rounded_is_for_display_only() -> None:
    model = compile_model(
        {"threshold": 50, "intent": [{"key": "demo", "event_type": "demo", "points": 10}]}
    )
    score = score_at(
        model, ContactSnapshot(), None, [_event(1, NOW, "demo")], NOW + timedelta(days=10)
    )
    assert score.intent == pytest.approx(10 * 0.75 ** (10 / 91.3), rel=1e-12)
    shown = score.rounded()
    assert shown["intent"] == 9.7
    assert shown["breakdown"] == [{"rule": "demo", "kind": "intent", "points": 9.7}]


# --- fit operators ---------------------------------------------------------------------


def test_equals_in_contains_are_case_insensitive_and_typed() -> None:
    contact = ContactSnapshot(title="VP Sales", attributes={"vip": True, "tags": ["Fleet", "x"]})
    assert _fires({"attr": "contact.title", "equals": "vp sales"}, contact)
    assert _fires({"attr": "contact.title", "in": ["CTO", "VP SALES"]}, contact)
    assert _fires({"attr": "contact.title", "contains": "sales"}, contact)
    assert _fires({"attr": "contact.attributes.tags", "contains": "fleet"}, contact)
    assert _fires({"attr": "contact.attributes.vip", "equals": True}, contact)
    assert not _fires({"attr": "contact.attributes.vip", "equals": 1}, contact)
    assert not _fires({"attr": "contact.attributes.tags", "equals": "fleet"}, contact)


def test_starts_ends_regex() -> None:
    contact = ContactSnapshot(email="a.b@Campus.EDU", title="Chief Data Officer")
    assert _fires({"attr": "contact.email_domain", "ends_with": ".edu"}, contact)
    assert _fires({"attr": "contact.title", "starts_with": "chief"}, contact)
    assert _fires({"attr": "contact.title", "regex": r"\bchief\b"}, contact)
    assert not _fires({"attr": "contact.title", "regex": r"(?-i:\bchief\b)"}, contact)
    assert not _fires(
        {"attr": "contact.company_size", "regex": "1"}, ContactSnapshot(company_size=1)
    )


def test_range_is_inclusive_and_reads_numeric_strings() -> None:
    when = {"attr": "contact.company_size", "range": {"min": 201, "max": 1000}}
    assert [
        _fires(when, ContactSnapshot(company_size=size)) for size in (200, 201, 1000, 1001)
    ] == [False, True, True, False]
    assert _fires(
        {"attr": "contact.attributes.employees", "range": {"min": 500}},
        ContactSnapshot(attributes={"employees": "1,200"}),
    )
    assert not _fires(
        {"attr": "contact.attributes.employees", "range": {"min": 0}},
        ContactSnapshot(attributes={"employees": True}),
    )
    assert not _fires(when, ContactSnapshot())


def test_missing_and_account_paths() -> None:
    assert _fires({"attr": "contact.phone", "missing": True}, ContactSnapshot(phone="  "))
    assert _fires(
        {"attr": "contact.attributes.a.b", "missing": True}, ContactSnapshot(attributes={"a": 1})
    )
    assert _fires({"attr": "account.industry", "missing": True}, ContactSnapshot(), None)
    account = AccountSnapshot(industry="Software", attributes={"segment": "smb"})
    assert _fires({"attr": "account.industry", "equals": "software"}, ContactSnapshot(), account)
    assert _fires({"attr": "account.attributes.segment", "in": ["smb"]}, ContactSnapshot(), account)


def test_combinators() -> None:
    contact = ContactSnapshot(title="VP Sales", country="US")
    vp = {"attr": "contact.title", "contains": "vp"}
    ca = {"attr": "contact.country", "equals": "CA"}
    assert _fires({"all": [vp, {"not": ca}]}, contact)
    assert not _fires({"all": [vp, ca]}, contact)
    assert _fires({"any": [ca, vp]}, contact)


def test_free_email_domain_never_matches_a_missing_email() -> None:
    free = {"attr": "contact.email_domain", "free_email_domain": True}
    business = {"attr": "contact.email_domain", "free_email_domain": False}
    assert _fires(free, ContactSnapshot(email="someone@gmail.com"))
    assert _fires(business, ContactSnapshot(email="someone@acme-corp.com"))
    assert _fires(
        {"attr": "contact.email", "free_email_domain": True},
        ContactSnapshot(email="Someone@Yahoo.com"),
    )
    assert not _fires(free, ContactSnapshot())
    assert not _fires(business, ContactSnapshot())


def test_in_market_by_zip_distance() -> None:
    market = {"postal_code": "60563", "radius_miles": 50}  # Naperville, IL
    inside = {"attr": "contact.postal_code", "in_market": True}
    outside = {"attr": "contact.postal_code", "in_market": False}
    aurora, kenosha = ContactSnapshot(postal_code="60504"), ContactSnapshot(postal_code="53142")
    assert _fires(inside, aurora, market=market)
    assert _fires(outside, kenosha, market=market)  # ~60 miles
    assert not _fires(outside, aurora, market=market)
    assert _fires(inside, ContactSnapshot(postal_code="60504-1234"), market=market)
    for unknown in ("", "00000", "ABCDE", "123"):
        assert not _fires(outside, ContactSnapshot(postal_code=unknown), market=market)
        assert not _fires(inside, ContactSnapshot(postal_code=unknown), market=market)
    # Without a market the rule is dormant.
    assert not _fires(outside, kenosha)


def test_nested_event_properties() -> None:
    model = compile_model(
        {
            "threshold": 1,
            "intent": [
                {
                    "key": "suv",
                    "event_type": "vdp_view",
                    "points": 5,
                    "when": {"property": "vehicle.body", "equals": "suv"},
                }
            ],
        }
    )
    events = [
        _event(1, NOW, "vdp_view", vehicle={"body": "SUV"}),
        _event(2, NOW, "vdp_view", vehicle="suv"),
        _event(3, NOW, "vdp_view"),
    ]
    assert [c.event_id for c in evaluate_intent(model, events)] == ["e001"]

"""The demo generators: deterministic, realistic, and only what each vertical declares."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import phonenumbers
import pytest

from como import verticals
from como.demo import automotive, b2b
from como.demo.dataset import HISTORY_DAYS, Dataset, make_vin, vin_check_digit
from como.leads.normalize import normalize_email

ANCHOR = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
RESERVED = {"example.com", "example.net", "example.org"}

GENERATORS: list[tuple[str, Callable[[datetime], Dataset]]] = [
    ("automotive", automotive.build),
    ("b2b", b2b.build),
]


@pytest.fixture(scope="module", params=GENERATORS, ids=[slug for slug, _ in GENERATORS])
def generated(request: pytest.FixtureRequest) -> tuple[str, Dataset]:
    slug, build = request.param
    return slug, build(ANCHOR)


def test_same_anchor_same_data() -> None:
    first, second = b2b.build(ANCHOR), b2b.build(ANCHOR)
    assert [e.payload for e in first.events] == [e.payload for e in second.events]
    assert first.contacts == second.contacts
    assert first.accounts == second.accounts


def test_a_few_thousand_events_over_about_ninety_days(generated: tuple[str, Dataset]) -> None:
    _, dataset = generated
    assert 2_000 <= len(dataset.events) <= 5_000
    times = sorted(datetime.fromisoformat(e.occurred_at) for e in dataset.events)
    assert times[-1] < ANCHOR
    assert times[0] >= ANCHOR - timedelta(days=HISTORY_DAYS + 1)
    assert times[-1] - times[0] > timedelta(days=60)


def test_event_ids_are_unique_and_types_are_the_verticals(
    generated: tuple[str, Dataset],
) -> None:
    slug, dataset = generated
    ids = [e.payload["id"] for e in dataset.events]
    assert len(ids) == len(set(ids))
    declared = set(verticals.get(slug).event_types)
    used = {e.payload["type"] for e in dataset.events}
    assert used <= declared
    assert len(used) >= len(declared) - 1  # every declared type shows up (bar a rare one)


def test_contacts_are_normalised(generated: tuple[str, Dataset]) -> None:
    _, dataset = generated
    emails = [c.email for c in dataset.contacts]
    assert len(emails) == len(set(emails))
    for contact in dataset.contacts:
        assert normalize_email(contact.email) == contact.email
        # Reserved names only: nothing the demo stores can reach a real inbox.
        domain = contact.email.rsplit("@", 1)[1]
        assert domain in RESERVED or domain.endswith(".example")
        if contact.phone:
            number = phonenumbers.parse(contact.phone)
            assert phonenumbers.is_valid_number(number)
            assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == (
                contact.phone
            )
            assert contact.phone[5:9] == "5550"  # the 555-01XX block reserved for fiction
        assert len(contact.postal_code) == 5
        assert contact.postal_code.isdigit()


def test_b2b_people_belong_to_accounts_with_firmographics() -> None:
    dataset = b2b.build(ANCHOR)
    domains = {a.domain for a in dataset.accounts}
    members = [c for c in dataset.contacts if c.account_domain]
    assert len(members) > len(dataset.contacts) * 0.8
    for contact in members:
        assert contact.account_domain in domains
        assert contact.email.endswith("@" + contact.account_domain)
        assert contact.title
        assert contact.industry
        assert contact.company_size
    webinars = [e for e in dataset.events if e.payload["type"] == "webinar_attended"]
    assert {w.payload["properties"]["live_demo"] for w in webinars} == {True, False}
    assert any(
        e.payload["properties"].get("path") == "/pricing"
        for e in dataset.events
        if e.payload["type"] == "page_view"
    )


def test_automotive_vehicle_views_carry_the_vehicle() -> None:
    dataset = automotive.build(ANCHOR)
    views = [e.payload for e in dataset.events if e.payload["type"] == "vdp_view"]
    assert views
    for view in views:
        props = view["properties"]
        assert props["condition"] in {"new", "used", "cpo"}
        assert props["stock_number"]
        assert len(props["vin"]) == 17
        assert props["vin"][8] == vin_check_digit(props["vin"])
    assert any("utm" in e.payload for e in dataset.events)


def test_anonymous_visitors_identify_later() -> None:
    dataset = automotive.build(ANCHOR)
    both = [e for e in dataset.events if {"email", "anonymous_id"} <= set(e.payload["contact"])]
    assert both
    anon = both[0].payload["contact"]["anonymous_id"]
    earlier = [
        e
        for e in dataset.events
        if e.payload["contact"] == {"anonymous_id": anon} and e.occurred_at < both[0].occurred_at
    ]
    assert earlier


def test_vin_check_digit_matches_a_known_vin() -> None:
    # The worked example of 49 CFR 565 (and the NHTSA VIN decoder): 1M8GDM9AXKP042788.
    assert vin_check_digit("1M8GDM9AXKP042788") == "X"
    assert vin_check_digit("11111111111111111") == "1"


def test_generated_vins_are_valid() -> None:
    import random

    rng = random.Random(1)
    for year in (2012, 2019, 2026):
        vin = make_vin(rng, "1FT", year, "F")
        assert len(vin) == 17
        assert not set(vin) & set("IOQ")
        assert vin[8] == vin_check_digit(vin)

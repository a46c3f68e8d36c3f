"""The lifecycle funnel on a hand-built cohort: exact counts, rates and medians per channel, per
source campaign and per score band, through the selector and the API; another workspace's
contacts never count."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from como.campaigns.models import Campaign
from como.campaigns.selectors.funnel import Funnel, funnel
from como.leads.models import Contact
from como.leads.services import contact_stage_change
from como.workspaces.models import Workspace
from tests.factories import ContactFactory, EventFactory

pytestmark = pytest.mark.django_db

SINCE, UNTIL = date(2026, 1, 1), date(2026, 1, 31)
DAY = 86_400.0


def _at(day: int, hour: int = 0, month: int = 1, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def _contact(workspace: Workspace, seen: datetime) -> Contact:
    return ContactFactory.create(workspace=workspace, first_seen_at=seen)


def _touch(
    contact: Contact, at: datetime, source: str = "", medium: str = "", code: str = ""
) -> None:
    EventFactory.create(
        contact=contact,
        occurred_at=at,
        received_at=at,
        utm_source=source,
        utm_medium=medium,
        utm_campaign=code,
    )


def _move(contact: Contact, stage: str, at: datetime, score: float | None = None) -> None:
    moved = contact_stage_change(
        workspace=contact.workspace,
        to_stage=stage,
        reason="test",
        contact=contact,
        scores=None if score is None else {contact.pk: score},
        at=at,
    )
    assert len(moved) == 1


@pytest.fixture
def cohort(workspace: Workspace, other_workspace: Workspace) -> dict[str, Any]:
    """Five contacts entering in January (b2b: MQL threshold 70), one before, one elsewhere.

    A, B: first touch paid search (campaign Spring). A goes all the way; B stops at MQL (and
    is recycled, which is no stage). C: a direct visit, then LinkedIn (campaign ABM); a lead.
    D: no touch, a subscriber only. E: LinkedIn (ABM), straight to SQL (so through lead and
    MQL at that instant). F entered in December; G belongs to another workspace."""
    # Ids of different lengths: ties are in id order, not in the ids' text order.
    spring = Campaign.objects.create(
        pk=999_999, workspace=workspace, name="Spring", utm_campaigns=["spring"]
    )
    abm = Campaign.objects.create(
        pk=1_000_000, workspace=workspace, name="ABM", utm_campaigns=["abm"]
    )
    a, b = _contact(workspace, _at(1)), _contact(workspace, _at(1))
    c, _d, e = _contact(workspace, _at(2)), _contact(workspace, _at(5)), _contact(workspace, _at(3))
    f = _contact(workspace, _at(20, month=12, year=2025))
    for person in (a, b):
        _touch(person, _at(1), "google", "cpc", "spring")
    _touch(c, _at(2))
    _touch(c, _at(2, 6), "linkedin", "paid_social", "abm")
    _touch(e, _at(3), "linkedin", "paid_social", "abm")
    _move(a, "lead", _at(2), 10)
    _move(a, "mql", _at(4), 75)
    _move(a, "sql", _at(5), 80)
    _move(a, "opportunity", _at(10))
    _move(a, "customer", _at(20))
    _move(b, "lead", _at(3), 20)
    _move(b, "mql", _at(7), 70)
    _move(b, "recycled", _at(8), 30)
    _move(c, "lead", _at(2, 12), 40)
    _move(e, "sql", _at(6), 90)
    _move(f, "lead", _at(3), 50)
    g = _contact(other_workspace, _at(1))
    _touch(g, _at(1), "google", "cpc", "spring")
    _move(g, "lead", _at(2), 10)
    return {"spring": spring, "abm": abm}


Expected = dict[str, list[tuple[int, int | None, str | None, float | None]]]


def _table(found: Funnel) -> Expected:
    """group key → per stage (reached, converted, rate, median seconds)."""
    return {
        group.key: [
            (s.reached, s.converted, None if s.rate is None else str(s.rate), s.median_seconds)
            for s in group.stages
        ]
        for group in found.groups
    }


def test_per_channel_first_touch(workspace: Workspace, cohort: dict[str, Any]) -> None:
    found = funnel(workspace=workspace, by="channel", since=SINCE, until=UNTIL)
    assert found.contacts == 5
    assert [g.key for g in found.groups] == ["paid_search", "direct", "linkedin", "none"]
    assert _table(found) == {
        # A: 1 d, 2 d, 1 d, 5 d, 10 d in its stages; B: 2 d as subscriber, 4 d as lead
        "paid_search": [
            (2, 2, "1.0000", 1.5 * DAY),
            (2, 2, "1.0000", 3 * DAY),
            (2, 1, "0.5000", 1 * DAY),
            (1, 1, "1.0000", 5 * DAY),
            (1, 1, "1.0000", 10 * DAY),
            (1, None, None, None),
        ],
        "direct": [
            (1, 1, "1.0000", 0.5 * DAY),
            (1, 0, "0.0000", None),
            (0, 0, None, None),
            (0, 0, None, None),
            (0, 0, None, None),
            (0, None, None, None),
        ],
        "linkedin": [
            (1, 1, "1.0000", 3 * DAY),
            (1, 1, "1.0000", 0.0),
            (1, 1, "1.0000", 0.0),
            (1, 0, "0.0000", None),
            (0, 0, None, None),
            (0, None, None, None),
        ],
        "none": [
            (1, 0, "0.0000", None),
            *[(0, 0, None, None)] * 4,
            (0, None, None, None),
        ],
    }


def test_per_source_campaign(workspace: Workspace, cohort: dict[str, Any]) -> None:
    found = funnel(workspace=workspace, by="campaign", since=SINCE, until=UNTIL)
    spring, abm = str(cohort["spring"].pk), str(cohort["abm"].pk)
    assert [(g.key, g.label) for g in found.groups] == [
        (spring, "Spring"),
        (abm, "ABM"),
        ("none", "No campaign"),
    ]
    table = _table(found)
    assert table[spring][2] == (2, 1, "0.5000", DAY)
    # C's first touch was direct, but its first campaign is ABM: C and E together.
    assert table[abm] == [
        (2, 2, "1.0000", (0.5 + 3) / 2 * DAY),
        (2, 1, "0.5000", 0.0),
        (1, 1, "1.0000", 0.0),
        (1, 0, "0.0000", None),
        (0, 0, None, None),
        (0, None, None, None),
    ]
    assert table["none"][0] == (1, 0, "0.0000", None)


def test_per_score_band_at_the_transition(workspace: Workspace, cohort: dict[str, Any]) -> None:
    found = funnel(workspace=workspace, by="score_band", since=SINCE, until=UNTIL)
    assert found.threshold == 70
    assert [g.key for g in found.groups] == ["below_25", "25_50", "50_100", "mql", "unscored"]
    assert found.groups[1].label == "25-50 % (17.5-35)"
    table = _table(found)
    # Entering as a lead: A with 10 (< 17.5), B with 20, C with 40, E with 90 (its SQL move).
    assert table["below_25"][1] == (1, 1, "1.0000", 2 * DAY)
    assert table["25_50"][1] == (1, 1, "1.0000", 4 * DAY)
    assert table["50_100"][1] == (1, 0, "0.0000", None)
    assert table["mql"][1] == (1, 1, "1.0000", 0.0)
    # Reaching MQL at or over 70: A (75), B (70), E (90); A and E went on to SQL.
    assert table["mql"][2] == (3, 2, "0.6667", 0.5 * DAY)
    assert table["mql"][3] == (2, 1, "0.5000", 5 * DAY)
    # Every subscriber entry and A's opportunity carry no score.
    assert table["unscored"][0] == (5, 4, "0.8000", 1.5 * DAY)
    assert table["unscored"][4] == (1, 1, "1.0000", 10 * DAY)
    assert sum(table[band][0][0] for band in table) == 5


def test_the_period_ends_the_cohort_and_its_moves(
    workspace: Workspace, cohort: dict[str, Any]
) -> None:
    found = funnel(
        workspace=workspace, by="channel", since=date(2026, 1, 1), until=date(2026, 1, 4)
    )
    assert found.contacts == 4  # D entered on the 5th
    table = _table(found)
    # By the end of the 4th, A is an MQL and B a lead; E not yet past subscriber.
    assert [row[0] for row in table["paid_search"]] == [2, 2, 1, 0, 0, 0]
    assert [row[0] for row in table["linkedin"]] == [1, 0, 0, 0, 0, 0]


def test_the_api_serves_the_funnel_and_rejects_bad_parameters(
    workspace: Workspace,
    other_workspace: Workspace,
    cohort: dict[str, Any],
    api: APIClient,
    key_client: Callable[[Workspace], APIClient],
) -> None:
    url = "/api/v1/reports/funnel"
    answer = api.get(url, {"by": "channel", "since": "2026-01-01", "until": "2026-01-31"})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["workspace"] == "acme"
    assert body["contacts"] == 5
    paid = next(g for g in body["groups"] if g["key"] == "paid_search")
    assert paid["stages"][2] == {
        "stage": "mql",
        "label": "Marketing-qualified lead",
        "reached": 2,
        "converted": 1,
        "rate": "0.5000",
        "median_seconds": DAY,
    }
    for params, field in (
        ({"by": "region"}, "by"),
        ({"since": "2026-13-01"}, "since"),
        ({"since": "2026-02-01", "until": "2026-01-01"}, "until"),
        ({"since": "2024-01-01", "until": "2026-01-01"}, "since"),
        ({"since": "0001-01-01", "until": "0001-01-02"}, "since"),
        ({"since": "9999-12-30", "until": "9999-12-31"}, "until"),
    ):
        bad = api.get(url, params)
        assert bad.status_code == 400, params
        assert field in str(bad.json()), bad.json()
    # The other workspace's key sees its own single contact, never ours.
    theirs = key_client(other_workspace).get(url, {"since": "2026-01-01", "until": "2026-01-31"})
    assert theirs.status_code == 200
    assert theirs.json()["contacts"] == 1
    assert Decimal(theirs.json()["groups"][0]["stages"][0]["rate"]) == 1

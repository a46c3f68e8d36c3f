"""Audience rules on real PostgreSQL: each criterion selects exactly whom it says, together
they AND, the whole rule is one query, and a bad rule is refused by field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from como.audiences.rules import rule_contacts, rule_of
from como.audiences.services import audience_create, rule_validate
from como.consent.services import consent_grant, consent_revoke
from como.leads.models import Contact, Event
from como.workspaces.models import Workspace
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
VISIT = {"type": "service_visit"}


def person(workspace: Workspace, name: str, **fields: Any) -> Contact:
    fields.setdefault("country", "US")
    return ContactFactory.create(
        workspace=workspace, email=f"{name}@example.com", first_name=name, **fields
    )


def event(contact: Contact, kind: str, days_ago: float, **properties: Any) -> None:
    at = NOW - timedelta(days=days_ago)
    Event.objects.create(
        workspace_id=contact.workspace_id,
        contact=contact,
        event_id=f"{contact.pk}-{kind}-{days_ago}",
        type=kind,
        properties=properties,
        occurred_at=at,
        received_at=at,
    )


@pytest.fixture
def crowd(workspace: Workspace, other_workspace: Workspace) -> dict[str, Contact]:
    made = {
        "ana": person(workspace, "ana", lifecycle_stage="customer", score_fit=30, score_intent=25),
        "ben": person(workspace, "ben", lifecycle_stage="mql", score_fit=10, score_intent=10),
        "cy": person(workspace, "cy", lifecycle_stage="customer", country="CA", score_fit=80),
        "dee": person(workspace, "dee", lifecycle_stage="lead", attributes={"fleet": True}),
        "eve": person(workspace, "eve", lifecycle_stage="customer", score_fit=50),
        # Another tenant's customer matches every rule below but is never in the audience.
        "rival": person(other_workspace, "rival", lifecycle_stage="customer", score_fit=99),
    }
    event(made["ana"], "service_visit", 10, dealer="north")
    event(made["ben"], "service_visit", 40, dealer="north")  # too long ago for 30 days
    event(made["cy"], "service_visit", 5, dealer="south")
    event(made["eve"], "page_view", 1)
    event(made["rival"], "service_visit", 1, dealer="north")
    grant: dict[str, Any] = {
        "basis": "express",
        "source": "web_form",
        "at": NOW - timedelta(days=100),
    }
    consent_grant(contact=made["ana"], channel="email", **grant)
    consent_grant(contact=made["ben"], channel="email", **grant)
    consent_revoke(contact=made["ben"], channel="email", source="link", at=NOW - timedelta(days=1))
    consent_grant(contact=made["cy"], channel="sms", **grant)
    consent_grant(
        contact=made["eve"], channel="email", **grant, expires_at=NOW - timedelta(days=2)
    )  # lapsed
    consent_grant(contact=made["rival"], channel="email", **grant)
    return made


def names(workspace: Workspace, rule: dict[str, Any]) -> list[str]:
    found = rule_contacts(rule_of(rule), workspace_id=workspace.pk, now=NOW)
    return sorted(found.values_list("first_name", flat=True))


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"stages": ["customer"]}, ["ana", "cy", "eve"]),
        ({"stages": ["mql", "lead"]}, ["ben", "dee"]),
        ({"score_at_least": 55}, ["ana", "cy"]),  # 30+25 = 55 counts: at least
        ({"score_below": 20}, ["dee"]),  # ben's 10+10 = 20 is not below
        ({"score_at_least": 20, "score_below": 60}, ["ana", "ben", "eve"]),
        ({"event": {"type": "service_visit", "within_days": 30}}, ["ana", "cy"]),
        ({"event": {"type": "service_visit", "within_days": 60}}, ["ana", "ben", "cy"]),
        (
            {"event": {**VISIT, "within_days": 60, "properties": {"dealer": "north"}}},
            ["ana", "ben"],
        ),
        ({"consented": ["email"]}, ["ana"]),  # ben revoked, eve's grant lapsed
        ({"consented": ["sms"]}, ["cy"]),
        ({"consented": ["email", "sms"]}, []),
        ({"countries": ["CA"]}, ["cy"]),
        ({"attributes": {"fleet": True}}, ["dee"]),
        (
            {
                "stages": ["customer"],
                "event": {"type": "service_visit", "within_days": 30},
                "countries": ["US"],
            },
            ["ana"],
        ),
    ],
)
def test_each_criterion_selects_exactly_whom_it_says(
    workspace: Workspace, crowd: dict[str, Contact], rule: dict[str, Any], expected: list[str]
) -> None:
    assert names(workspace, rule) == expected


def test_the_whole_rule_is_one_query_whatever_it_holds(
    workspace: Workspace, crowd: dict[str, Contact]
) -> None:
    rule = rule_of(
        {
            "stages": ["customer", "mql"],
            "score_at_least": 1,
            "event": {**VISIT, "within_days": 90, "properties": {"dealer": "north"}},
            "consented": ["email"],
            "countries": ["US"],
        }
    )
    with CaptureQueriesContext(connection) as queries:
        found = list(rule_contacts(rule, workspace_id=workspace.pk, now=NOW).values_list("pk"))
    assert len(queries) == 1
    assert found == [(crowd["ana"].pk,)]


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ({}, "rule"),
        ({"stages": ["vip"]}, "rule"),
        ({"consented": ["fax"]}, "rule"),
        ({"score_at_least": 50, "score_below": 10}, "rule"),
        ({"event": {"type": "x", "within_days": 0}}, "rule.event.within_days"),
        ({"event": {"within_days": 3}}, "rule.event.type"),
        ({"countries": ["usa"]}, "rule.countries.0"),
        ({"tags": ["x"]}, "rule.tags"),
        ({"score_at_least": "lots"}, "rule.score_at_least"),
        ([1, 2], "rule"),
    ],
)
def test_a_bad_rule_is_refused_by_field(rule: Any, field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        rule_validate(rule)
    assert field in refused.value.message_dict


def test_a_saved_rule_keeps_only_what_was_given(workspace: Workspace) -> None:
    saved = audience_create(workspace=workspace, name="Owners", rule={"stages": ["customer"]})
    assert saved.rule == {"stages": ["customer"]}
    with pytest.raises(ValidationError) as taken:
        audience_create(workspace=workspace, name="Owners", rule={"countries": ["US"]})
    assert "name" in taken.value.message_dict

"""Validation of one event: what is accepted, and the field errors of what is not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from como.ingest.schema import MAX_PROPERTIES_BYTES, event_validate

from .helpers import event

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def errors_of(item: Any) -> dict[str, list[str]]:
    cleaned, errors = event_validate(item, now=NOW)
    assert cleaned is None, cleaned
    assert errors is not None
    return errors


def test_a_valid_event_is_cleaned() -> None:
    item = event(
        "evt-1",
        contact={"email": "  Ana@Example.COM ", "external_id": "", "anonymous_id": " a-1 "},
        occurred_at="2026-01-01T12:00:00+02:00",
        utm={"source": "google", "medium": "cpc", "campaign": "spring"},
    )
    cleaned, errors = event_validate(item, now=NOW)
    assert errors is None
    assert cleaned == {
        "id": "evt-1",
        "type": "page_view",
        "occurred_at": datetime(2026, 1, 1, 10, 0, tzinfo=UTC),
        "contact": {"email": "ana@example.com", "external_id": "", "anonymous_id": "a-1"},
        "properties": {"path": "/pricing"},
        "utm": {"source": "google", "medium": "cpc", "campaign": "spring"},
    }


def test_id_is_required() -> None:
    item = event("x")
    del item["id"]
    assert errors_of(item) == {"id": ["Field required"]}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("id", "", "String should have at least 1 character"),
        ("id", "x" * 129, "String should have at most 128 characters"),
        ("id", 17, "Input should be a valid string"),
        ("id", "a\x00b", "Must not contain the NUL character."),
        ("type", "Page View", "Use a lowercase token of letters, digits and _ . : - "),
        ("type", "x" * 65, "String should have at most 64 characters"),
        ("occurred_at", "2026-01-01T10:00:00", "Give a timezone (for example"),
        ("occurred_at", "yesterday", "Input should be a valid datetime"),
        ("occurred_at", 1767261600, "Send an ISO 8601 timestamp"),
        ("occurred_at", "2026-03-02T12:00:01Z", "Must not be more than one day in the future."),
        ("properties", ["a"], "Input should be a valid dictionary"),
        ("properties", {"a": "x\x00"}, "Must not contain the NUL character."),
        ("surprise", 1, "Extra inputs are not permitted"),
    ],
)
def test_field_errors_are_keyed_by_field(field: str, value: Any, message: str) -> None:
    errors = errors_of({**event("evt-1"), field: value})
    assert list(errors) == [field]
    assert errors[field][0].startswith(message)


def test_a_timestamp_with_no_utc_equivalent_is_a_field_error() -> None:
    # Year 1 at +05:00 is before 0001-01-01 UTC, which Python cannot represent (was a 500).
    errors = errors_of(event("evt-1", occurred_at="0001-01-01T00:00:00+05:00"))
    assert errors == {"occurred_at": ["Out of range once converted to UTC."]}


def test_a_far_offset_is_stored_as_utc() -> None:
    # Python accepts offsets up to 23:59, PostgreSQL up to 15:59: only UTC may reach the database.
    cleaned, errors = event_validate(
        event("evt-1", occurred_at="2026-01-01T00:00:00-18:30"), now=NOW
    )
    assert errors is None
    assert cleaned is not None
    assert cleaned["occurred_at"] == datetime(2026, 1, 1, 18, 30, tzinfo=UTC)
    assert cleaned["occurred_at"].tzinfo is UTC


def test_a_timestamp_just_under_a_day_ahead_is_accepted() -> None:
    ahead = (NOW + timedelta(hours=23)).isoformat()
    cleaned, errors = event_validate(event("evt-1", occurred_at=ahead), now=NOW)
    assert errors is None
    assert cleaned is not None
    assert cleaned["occurred_at"] == NOW + timedelta(hours=23)


def test_properties_are_capped_in_encoded_size() -> None:
    big = {"blob": "x" * MAX_PROPERTIES_BYTES}
    assert errors_of(event("evt-1", properties=big)) == {
        "properties": [
            f"At most {MAX_PROPERTIES_BYTES} bytes once encoded as JSON "
            f"(got {MAX_PROPERTIES_BYTES + 11})."
        ]
    }


@pytest.mark.parametrize(
    ("contact", "errors"),
    [
        (
            {},
            {
                "contact": [
                    "Name the person with at least one of email, external_id or anonymous_id."
                ]
            },
        ),
        (
            {"email": " ", "anonymous_id": ""},
            {
                "contact": [
                    "Name the person with at least one of email, external_id or anonymous_id."
                ]
            },
        ),
        ({"email": "not-an-address"}, {"contact.email": ["Enter a valid email address."]}),
        (
            {"external_id": "u" * 129},
            {"contact.external_id": ["String should have at most 128 characters"]},
        ),
        ({"phone": "+13125550123"}, {"contact.phone": ["Extra inputs are not permitted"]}),
        ("ana@example.com", {"contact": ["Input should be a valid dictionary"]}),
    ],
)
def test_contact_errors_use_dotted_paths(contact: Any, errors: dict[str, list[str]]) -> None:
    assert errors_of(event("evt-1", contact=contact)) == errors


def test_utm_values_are_capped_at_the_column_length() -> None:
    assert errors_of(event("evt-1", utm={"campaign": "c" * 201, "medium": 3})) == {
        "utm.medium": ["Input should be a valid string"],
        "utm.campaign": ["String should have at most 200 characters"],
    }


@pytest.mark.parametrize("item", ["evt-1", 7, None, ["evt-1"]])
def test_an_item_that_is_not_an_object(item: Any) -> None:
    assert errors_of(item) == {"non_field_errors": ["Each event must be a JSON object."]}


def test_every_problem_is_reported_at_once() -> None:
    item = {"id": "", "type": "X", "occurred_at": "2026-01-01", "contact": {}}
    assert set(errors_of(item)) == {"id", "type", "occurred_at", "contact"}


def test_the_text_backslash_u0000_is_not_mistaken_for_nul() -> None:
    item = event("evt-1", properties={"regex": "\\u0000", "path": "C:\\\\u0000"})
    cleaned, errors = event_validate(item, now=NOW)
    assert errors is None
    assert cleaned is not None
    assert cleaned["properties"] == {"regex": "\\u0000", "path": "C:\\\\u0000"}

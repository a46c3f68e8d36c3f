"""The batch validator answers exactly what the per-event one does, item by item.

como.ingest.fastvalidate validates a whole batch in one core call and applies the Python
checks itself; schema.event_validate is the reference. Every item here, alone or inside a
batch of valid ones, must get the same event (same values, occurred_at in UTC) or the same
field errors from both.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from como.ingest.fastvalidate import events_validate, events_validate_encoded
from como.ingest.schema import MAX_PROPERTIES_BYTES, encode_properties, event_validate

from .helpers import event

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def assert_same(items: list[Any]) -> None:
    fast, encoded = events_validate_encoded(items, now=NOW)
    assert events_validate(items, now=NOW) == fast
    reference = [event_validate(item, now=NOW) for item in items]
    assert fast == reference
    assert len(encoded) == len(items)
    for (cleaned, _), properties in zip(fast, encoded, strict=True):
        if properties is not None:  # the JSON ingest COPYs: what it encoded before
            assert cleaned is not None
            assert properties == encode_properties(cleaned.get("properties") or {})
    for (cleaned, _), (expected, _) in zip(fast, reference, strict=True):
        if cleaned is not None:
            assert expected is not None
            assert cleaned["occurred_at"].tzinfo is UTC
            # == on aware instants ignores fold and type: the cleaned value is the same one.
            assert cleaned["occurred_at"].fold == expected["occurred_at"].fold
            assert type(cleaned["occurred_at"]) is type(expected["occurred_at"])
            assert list(cleaned) == list(expected)  # same keys, same order


class _Instant(datetime):
    """A caller's own datetime type."""


def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


TRICKY: list[Any] = [
    event("ok-1"),
    event("ok-2", contact={"email": "  Ana@Example.COM ", "external_id": "", "anonymous_id": " a"}),
    event("ok-3", occurred_at="2026-01-01T12:00:00+23:59"),
    event("ok-4", occurred_at=datetime(2026, 1, 1, 9, tzinfo=timezone(timedelta(hours=-3)))),
    event("ok-5", utm=None, properties={}),
    event("ok-6", utm={"source": " google ", "term": None}),
    event("ok-7", contact={"external_id": "crm-1"}),
    event("ok-8", contact={"anonymous_id": "cookie", "email": None}),
    event("ok-9", occurred_at="2026-03-02T12:00:00Z"),  # exactly one day ahead: allowed
    event("ok-micro", occurred_at="2026-01-01T10:00:00.123456Z"),
    event("ok-fold", occurred_at=datetime(2026, 1, 1, 9, 30, tzinfo=UTC, fold=1)),
    event("ok-subclass", occurred_at=_Instant(2026, 1, 1, 9, 30, tzinfo=UTC)),
    {k: v for k, v in event("ok-10").items() if k != "properties"},
    event("bad-email", contact={"email": "not an email"}),
    event("bad-email-long", contact={"email": "a" * 250 + "@example.com"}),
    event("unnamed", contact={"email": "", "external_id": "  ", "anonymous_id": None}),
    event("unnamed-2", contact={}),
    event("naive", occurred_at="2026-01-01T10:00:00"),
    event("number", occurred_at=1767261600),
    event("float", occurred_at=1767261600.5),
    event("bool", occurred_at=True),
    event("future", occurred_at="2026-03-02T12:00:01Z"),
    event("year-one", occurred_at="0001-01-01T00:00:00+05:00"),
    event("not-a-date", occurred_at="yesterday"),
    event("nan", properties={"x": math.nan}),
    event("inf", properties={"x": [math.inf]}),
    event("nul", properties={"a": "x\x00"}),
    event("escaped", properties={"a": "\\u0000"}),
    event("big", properties={"a": "x" * MAX_PROPERTIES_BYTES}),
    event("deep", properties={"a": _nested(70)}),
    event("surrogate", properties={"a": "\ud800"}),
    event("Bad Type", type="Page View"),
    event("extra", surprise=1),
    event("bad-utm", utm={"source": "x\x00"}),
    event("utm-extra", utm={"campaign": "c", "other": "x"}),
    event("", contact={"email": "e@example.com"}),
    event("nul\x00id"),
    {"id": "only-id"},
    "not an object",
    None,
    ["a", "list"],
    17,
]


@pytest.mark.parametrize("item", TRICKY, ids=range(len(TRICKY)))
def test_each_item_alone_and_in_a_valid_batch(item: Any) -> None:
    assert_same([item])
    assert_same([event("before"), item, event("after")])


def test_a_whole_batch_of_tricky_items() -> None:
    assert_same(TRICKY)
    assert_same([item for item in TRICKY if isinstance(item, dict)])


def test_a_valid_batch_is_cleaned_as_one_event_is() -> None:
    items = [event(f"evt-{n}", contact={"email": f" P{n}@Example.com"}) for n in range(50)]
    fast, encoded = events_validate_encoded(items, now=NOW)
    assert all(errors is None for _, errors in fast)
    assert encoded[7] == b'{"path":"/pricing"}'
    assert fast[7][0] is not None
    assert fast[7][0]["contact"] == {"email": "p7@example.com"}
    assert fast[7][0]["occurred_at"] == datetime(2026, 1, 1, 10, tzinfo=UTC)


_texts = st.one_of(
    st.sampled_from(["", " ", "a", " A@B.example ", "x\x00", "\ud800", "é@é.example"]),
    st.text(max_size=12),
    st.none(),
    st.integers(),
)
_instants = st.one_of(
    st.sampled_from(
        [
            "2026-01-01T10:00:00Z",
            "2026-01-01T10:00:00",
            "2026-03-02T12:00:00Z",
            "2026-03-02T12:00:01Z",
            "0001-01-01T00:00:00+05:00",
            "9999-12-31T23:59:59-05:00",
            "2026-01-01 10:00:00+01:00",
            "2026-01-01",
        ]
    ),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=True),
    st.datetimes(timezones=st.one_of(st.none(), st.timezones())),
    st.text(max_size=25),
)
_json = st.recursive(
    st.one_of(st.none(), st.booleans(), st.floats(), st.integers(), st.text(max_size=10)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=12,
)
_contacts = st.dictionaries(
    st.sampled_from(["email", "external_id", "anonymous_id", "phone"]), _texts, max_size=3
)
# A valid event with a few of its fields replaced (or added): mostly one odd field, so the
# batch passes the core's shapes and the Python checks decide.
_overrides = st.fixed_dictionaries(
    {},
    optional={
        "id": _texts,
        "type": st.sampled_from(["page_view", "Page View", "a.b:c-d", ""]),
        "occurred_at": _instants,
        "contact": st.one_of(_contacts, st.none(), st.text(max_size=3)),
        "properties": st.one_of(st.dictionaries(st.text(max_size=5), _json, max_size=4), _json),
        "utm": st.one_of(
            st.none(), st.dictionaries(st.sampled_from(["source", "term", "x"]), _texts)
        ),
        "extra": st.integers(),
    },
)
_events = st.builds(lambda fields: {**event("generated"), **fields}, _overrides)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_events, min_size=1, max_size=5))
def test_generated_batches_agree(items: list[dict[str, Any]]) -> None:
    assert_same(items)
    assert_same([event("valid"), *items])

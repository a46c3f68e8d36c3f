"""Properties of the engine over generated models and event histories."""

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from como.scoring.engine import ContactSnapshot, EventRecord, compile_model, score_at

T1 = datetime(2026, 3, 1, tzinfo=UTC)
PATHS = ("/pricing", "/blog/a", "/careers", "/compare/x", "/")
TYPES = ("page_view", "demo", "webinar_attended")
CONTACT = ContactSnapshot(title="VP of Data", company_size=500)


def _model(points: list[float], caps: list[tuple[int, float] | None], rate: float) -> Any:
    shapes: list[dict[str, Any]] = [
        {"event_type": "page_view", "when": {"property": "path", "starts_with": "/pricing"}},
        {"event_type": "page_view", "when": {"property": "path", "starts_with": "/blog"}},
        {"event_type": "page_view"},
        {"event_type": "demo"},
        {"event_type": "webinar_attended", "when": {"property": "live", "equals": True}},
    ]
    intent = []
    for n, (shape, pts, cap) in enumerate(zip(shapes, points, caps, strict=True)):
        rule = {"key": f"r{n}", "points": pts, **shape}
        if cap is not None:
            rule["cap"] = {"count": cap[0], "per_days": cap[1]}
        intent.append(rule)
    return compile_model(
        {
            "threshold": 50,
            "decay": {"rate_per_quarter": rate},
            "fit": [
                {"key": "vp", "when": {"attr": "contact.title", "contains": "vp"}, "points": 7}
            ],
            "intent": intent,
        }
    )


caps = st.none() | st.tuples(st.integers(1, 4), st.floats(0.5, 60))
rates = st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.9])
events = st.lists(
    st.tuples(
        st.sampled_from(TYPES),
        st.sampled_from(PATHS),
        st.booleans(),
        # Seconds before T1; coarse values make equal timestamps (ties) likely.
        st.integers(0, 200 * 86_400) | st.sampled_from([0, 3600, 86_400, 30 * 86_400]),
    ),
    max_size=25,
).map(
    lambda raw: [
        EventRecord(f"e{i:02d}", type_, {"path": path, "live": live}, T1 - timedelta(seconds=ago))
        for i, (type_, path, live, ago) in enumerate(raw)
    ]
)


@settings(max_examples=200, deadline=None)
@given(
    points=st.lists(st.floats(0, 100), min_size=5, max_size=5),
    caps=st.lists(caps, min_size=5, max_size=5),
    rate=rates,
    history=events,
    later=st.lists(st.integers(0, 3 * 365 * 86_400), min_size=1, max_size=4),
)
def test_score_never_rises_without_new_events(
    points: list[float],
    caps: list[tuple[int, float] | None],
    rate: float,
    history: list[EventRecord],
    later: list[int],
) -> None:
    model = _model(points, caps, rate)
    instants = [T1 + timedelta(seconds=s) for s in sorted(later)]
    scores = [score_at(model, CONTACT, None, history, at).score for at in [T1, *instants]]
    assert all(a >= b for a, b in itertools.pairwise(scores))


@settings(max_examples=200, deadline=None)
@given(
    points=st.lists(st.floats(-50, 100), min_size=5, max_size=5),
    caps=st.lists(caps, min_size=5, max_size=5),
    rate=rates,
    history=events,
    data=st.data(),
)
def test_arrival_order_never_changes_the_score(
    points: list[float],
    caps: list[tuple[int, float] | None],
    rate: float,
    history: list[EventRecord],
    data: st.DataObject,
) -> None:
    model = _model(points, caps, rate)
    shuffled = data.draw(st.permutations(history))
    at = T1 + timedelta(days=data.draw(st.integers(-100, 100)))
    assert score_at(model, CONTACT, None, shuffled, at) == score_at(
        model, CONTACT, None, history, at
    )

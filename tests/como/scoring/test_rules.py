from typing import Any

import pytest

from como.scoring.rules import ScoringModelError, parse_model


def _model(**parts: Any) -> dict[str, Any]:
    return {"threshold": 60, "fit": [], "intent": [], **parts}


def _intent(key: str, **extra: Any) -> dict[str, Any]:
    return {"key": key, "event_type": "page_view", "points": 5, **extra}


def _errors(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ScoringModelError) as caught:
        parse_model(data)
    return caught.value.errors


def test_valid_model_parses_with_defaults() -> None:
    model = parse_model(
        _model(
            fit=[
                {"key": "vp", "when": {"attr": "contact.title", "regex": r"\bvp\b"}, "points": 15}
            ],
            intent=[_intent("pricing", when={"property": "path", "starts_with": "/pricing"})],
        )
    )
    assert model.decay.rate_per_quarter == 0.25
    assert model.min_fit is None
    assert model.intent[0].cap is None


def test_cap_error_names_its_path() -> None:
    data = _model(
        intent=[_intent("a"), _intent("b"), _intent("c", cap={"count": 3, "per_days": 0})]
    )
    assert _errors(data) == [("intent[2].cap.per_days", "must be > 0")]
    assert str(ScoringModelError(_errors(data))) == "intent[2].cap.per_days: must be > 0"


def test_bad_regexes_are_validation_errors() -> None:
    long = "a" * 201
    conditions = [
        {"property": "path", "regex": "("},
        {"property": "path", "regex": "(a+)+$"},
        {"property": "path", "regex": long},
    ]
    data = _model(intent=[_intent("a", when={"any": conditions})])
    paths = [path for path, _ in _errors(data)]
    assert paths == [
        "intent[0].when.any[0].regex",
        "intent[0].when.any[1].regex",
        "intent[0].when.any[2].regex",
    ]


def test_unknown_attribute_and_property_in_fit() -> None:
    data = _model(
        fit=[
            {"key": "a", "when": {"attr": "contact.titel", "equals": "x"}, "points": 1},
            {"key": "b", "when": {"property": "path", "equals": "x"}, "points": 1},
            {"key": "c", "when": {"attr": "lead.title", "equals": "x"}, "points": 1},
        ]
    )
    errors = dict(_errors(data))
    assert errors["fit[0].when.attr"].startswith("unknown contact field 'titel'")
    assert errors["fit[1].when.property"] == "unknown key"
    assert errors["fit[2].when.attr"] == "must start with contact. or account."


def test_leaf_needs_exactly_one_operator_and_combinators_stand_alone() -> None:
    data = _model(
        fit=[
            {
                "key": "a",
                "when": {"attr": "contact.title", "equals": "x", "contains": "y"},
                "points": 1,
            },
            {"key": "b", "when": {"attr": "contact.title"}, "points": 1},
            {
                "key": "c",
                "when": {
                    "not": {"attr": "contact.title", "missing": True},
                    "attr": "contact.title",
                },
                "points": 1,
            },
            {"key": "d", "when": {"equals": "x"}, "points": 1},
        ]
    )
    errors = dict(_errors(data))
    assert "found: equals, contains" in errors["fit[0].when"]
    assert "found: none" in errors["fit[1].when"]
    assert "stands alone" in errors["fit[2].when"]
    assert errors["fit[3].when"] == "a condition needs attr or all/any/not"


def test_duplicate_keys_across_fit_and_intent() -> None:
    data = _model(
        fit=[{"key": "same", "when": {"attr": "contact.title", "missing": True}, "points": 1}],
        intent=[_intent("other"), _intent("same")],
    )
    assert _errors(data) == [("intent[1].key", "duplicate rule key 'same' (also fit[0])")]


@pytest.mark.parametrize(
    ("part", "path", "message"),
    [
        ({"decay": {"rate_per_quarter": 1}}, "decay.rate_per_quarter", "must be < 1"),
        ({"decay": {"rate_per_quarter": -0.1}}, "decay.rate_per_quarter", "must be >= 0"),
        (
            {"market": {"postal_code": "00000", "radius_miles": 50}},
            "market.postal_code",
            "'00000' is not a known US ZIP code",
        ),
        (
            {"market": {"postal_code": "60563", "radius_miles": 0}},
            "market.radius_miles",
            "must be > 0",
        ),
        (
            {"intent": [_intent("Bad Key")]},
            "intent[0].key",
            "must be lowercase letters, digits and _ (starting with a letter, at most 64)",
        ),
        ({"intent": [{"key": "a", "points": 1}]}, "intent[0].event_type", "is required"),
        (
            {"intent": [_intent("a", cap={"count": 0, "per_days": 3})]},
            "intent[0].cap.count",
            "must be > 0",
        ),
        (
            {
                "fit": [
                    {"key": "a", "when": {"attr": "contact.company_size", "range": {}}, "points": 1}
                ]
            },
            "fit[0].when.range",
            "give min, max or both",
        ),
        (
            {
                "fit": [
                    {
                        "key": "a",
                        "when": {"attr": "contact.company_size", "range": {"min": 5, "max": 1}},
                        "points": 1,
                    }
                ]
            },
            "fit[0].when.range",
            "min must be <= max",
        ),
        ({"surprise": 1}, "surprise", "unknown key"),
    ],
)
def test_field_errors(part: dict[str, Any], path: str, message: str) -> None:
    assert _errors(_model(**part)) == [(path, message)]


def test_threshold_is_required() -> None:
    assert _errors({"fit": []}) == [("threshold", "is required")]

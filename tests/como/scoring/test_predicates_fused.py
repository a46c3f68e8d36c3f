"""The fused leaves (predicates._fused_leaf) answer what ``_value_test`` answers, for any value."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from como.scoring.predicates import (
    _MEMO_SIZE,
    _MEMO_SUBJECT_MAX,
    _fused_leaf,
    _value_test,
    compile_condition,
    property_getter,
)
from como.scoring.rules import EventCondition

_scalars = st.one_of(
    st.text(max_size=8),
    st.sampled_from(
        ["Pricing", "/pricing", "PRICING/x", "ß", "ßx", "xß", "SS", "İ", "1", "1.0", "true"]
    ),
    st.integers(-3, 3),
    st.floats(allow_nan=True),
    st.booleans(),
)
_values = st.one_of(
    _scalars,
    st.none(),
    st.lists(_scalars, max_size=3),
    st.tuples(_scalars),
    st.dictionaries(st.text(max_size=3), _scalars, max_size=2),
)
_operands = st.one_of(
    st.tuples(st.just("equals"), _scalars),
    st.tuples(st.just("in"), st.lists(_scalars, min_size=1, max_size=4)),
    st.tuples(
        st.sampled_from(["starts_with", "ends_with"]),
        st.text(max_size=4) | st.sampled_from(["/PRI", "ss", "SS", "ß"]),
    ),
    st.tuples(
        st.just("regex"),
        st.sampled_from([r"\bvp\b", "^/pricing", "ing$", "(student|intern)", ".", "ß"]),
    ),
)


def _identity(value: Any) -> Any:
    return value


@given(_operands, _values)
def test_a_fused_leaf_is_its_value_test(operator_operand: tuple[str, Any], value: Any) -> None:
    operator, operand = operator_operand
    fused = _fused_leaf(operator, operand, _identity)
    assert fused is not None
    expected = _value_test(operator, operand, None)(value)
    assert fused(value) is expected
    # Again: a text leaf now answers from its memo.
    assert fused(value) is expected


@given(_operands, st.lists(st.text(max_size=6), min_size=1, max_size=40))
def test_a_fused_leaf_answers_a_stream_of_values_as_its_value_test(
    operator_operand: tuple[str, Any], values: list[str]
) -> None:
    # Repeated and interleaved subjects, as a batch's page paths are.
    operator, operand = operator_operand
    fused = _fused_leaf(operator, operand, _identity)
    test = _value_test(operator, operand, None)
    assert fused is not None
    for value in values + values[::-1]:
        assert fused(value) is test(value)


def test_operators_without_a_fused_leaf_keep_the_generic_one() -> None:
    assert _fused_leaf("range", None, _identity) is None
    assert _fused_leaf("missing", True, _identity) is None
    assert _fused_leaf("contains", "x", _identity) is None


def test_a_compiled_event_condition_reads_the_property() -> None:
    condition = EventCondition.model_validate({"property": "path", "starts_with": "/Pricing"})
    matches = compile_condition(condition, property_getter, None)
    assert matches({"path": "/pricing/enterprise"}) is True
    assert matches({"path": "/blog"}) is False
    assert matches({"path": 7}) is False
    assert matches({}) is False


def _leaf(operator: str, operand: Any) -> Callable[[Any], bool]:
    fused = _fused_leaf(operator, operand, _identity)
    assert fused is not None
    return fused


def test_text_operators_compare_casefolded() -> None:
    # Casefolding, not lowercasing: "ß" folds to "ss".
    assert _leaf("starts_with", "SS")("ßx") is True
    assert _leaf("ends_with", "ss")("xß") is True
    assert _leaf("equals", "STRASSE")("straße") is True
    assert _leaf("in", ["STRASSE", 1])("straße") is True
    assert _leaf("in", ["STRASSE", 1])(True) is False  # 1 is not True
    assert _leaf("regex", "^vp$")("VP") is True


def test_a_text_leaf_still_answers_once_its_memo_is_full_and_for_long_subjects() -> None:
    leaf = _leaf("starts_with", "/PRICING")
    for n in range(_MEMO_SIZE + 10):  # past the memo's size: emptied, then refilled
        assert leaf(f"/pricing/{n}") is True
        assert leaf(f"/blog/{n}") is False
    long_subject = "/Pricing" + "x" * _MEMO_SUBJECT_MAX
    assert leaf(long_subject) is True
    assert leaf(long_subject) is True
    assert leaf("/blog" + "x" * _MEMO_SUBJECT_MAX) is False


def test_a_text_leaf_reads_a_str_subclass_by_its_value() -> None:
    class Shouting(str):
        def casefold(self) -> str:  # not consulted by a memo keyed on exact str values
            return str(self).casefold()

    leaf = _leaf("ends_with", "ING")
    assert leaf(Shouting("/PRICING")) is True
    assert leaf(Shouting("/blog")) is False
    assert leaf("/pricing") is True

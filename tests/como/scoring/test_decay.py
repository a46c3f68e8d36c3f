import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from como.scoring.decay import (
    KEY_EPOCH,
    QUARTER,
    decay_factor,
    decay_lambda,
    decayed,
    intent_from_key,
    quarters_between,
    ranking_key,
    ranking_keys,
)

T0 = datetime(2026, 1, 1, 12, tzinfo=UTC)


def test_one_quarter_at_25_percent_leaves_three_quarters() -> None:
    assert decayed(40, 0.25, T0, T0 + timedelta(days=91.3)) == pytest.approx(30.0, rel=1e-12)


def test_two_quarters_at_25_percent() -> None:
    assert decayed(40, 0.25, T0, T0 + timedelta(days=182.6)) == pytest.approx(22.5, rel=1e-12)


def test_quarter_is_exact_in_timedelta_arithmetic() -> None:
    assert quarters_between(T0, T0 + QUARTER) == 1.0
    assert quarters_between(T0, T0 + 2 * QUARTER) == 2.0


def test_no_decay_at_the_instant_and_nothing_before_it() -> None:
    assert decayed(40, 0.25, T0, T0) == 40.0
    assert decayed(40, 0.25, T0, T0 - timedelta(microseconds=1)) == 0.0


def test_zero_rate_never_decays() -> None:
    assert decay_factor(0.0, T0, T0 + timedelta(days=3650)) == 1.0
    assert decay_lambda(0.0) == 0.0


def test_lambda_matches_the_rate() -> None:
    assert decay_lambda(0.25) == pytest.approx(-math.log(0.75), rel=1e-15)


def test_ranking_key_orders_by_current_intent_at_every_instant() -> None:
    # A: 40 points a quarter ago; B: 32 points today. B leads now (32 > 30) and forever,
    # because between events both decay by the same factor.
    made_a, made_b = T0 - QUARTER, T0
    key_a = ranking_key(decayed(40, 0.25, made_a, T0), T0, 0.25)
    key_b = ranking_key(32.0, made_b, 0.25)
    assert key_a.sign == key_b.sign == 1
    assert key_b > key_a
    for later in (T0, T0 + timedelta(days=400)):
        intent_a = decayed(40, 0.25, made_a, later)
        intent_b = decayed(32, 0.25, made_b, later)
        assert intent_b > intent_a
        assert intent_from_key(*key_a, later, 0.25) == pytest.approx(intent_a, rel=1e-12)
        assert intent_from_key(*key_b, later, 0.25) == pytest.approx(intent_b, rel=1e-12)


def test_ranking_key_is_the_same_whenever_it_is_computed() -> None:
    made = T0 - timedelta(days=17)
    for points in (25, -25):
        keys = [
            ranking_key(decayed(points, 0.25, made, t), t, 0.25)
            for t in (made, T0, T0 + timedelta(days=900))
        ]
        assert {key.sign for key in keys} == {1 if points > 0 else -1}
        assert [key.key for key in keys] == pytest.approx([keys[0].key] * 3, rel=1e-13)


def test_ranking_key_round_trips_at_two_instants() -> None:
    key = ranking_key(40.0, T0, 0.25)
    assert intent_from_key(*key, T0, 0.25) == pytest.approx(40.0, rel=1e-12)
    assert intent_from_key(*key, T0 + 2 * QUARTER, 0.25) == pytest.approx(22.5, rel=1e-12)
    negative = ranking_key(-40.0, T0, 0.25)
    assert intent_from_key(*negative, T0 + QUARTER, 0.25) == pytest.approx(-30.0, rel=1e-12)


def test_sign_then_key_orders_negative_and_zero_intent_below_positive() -> None:
    # Current intents at T0: 5 (made a quarter ago as 20/3), 0, -3, -12 (made as -16 a quarter
    # ago). Sorting by (sign, key) descending must give exactly that order at every instant,
    # though the negative ones rise towards zero as time passes.
    keys = {
        "plus5": ranking_key(20 / 3, T0 - QUARTER, 0.25),
        "zero": ranking_key(0.0, T0, 0.25),
        "minus3": ranking_key(-3.0, T0, 0.25),
        "minus12": ranking_key(-16.0, T0 - QUARTER, 0.25),
    }
    assert keys["zero"] == (0, None)

    def rank(name: str) -> tuple[int, float]:
        sign, key = keys[name]
        return (sign, -math.inf if key is None else key)

    assert sorted(keys, key=rank, reverse=True) == ["plus5", "zero", "minus3", "minus12"]
    for later in (T0, T0 + timedelta(days=700)):
        now = {name: intent_from_key(*key, later, 0.25) for name, key in keys.items()}
        assert sorted(now, key=now.__getitem__, reverse=True) == list(
            sorted(keys, key=rank, reverse=True)
        )
        assert now["minus12"] == pytest.approx(decayed(-16, 0.25, T0 - QUARTER, later))


@given(
    st.lists(
        st.tuples(
            st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)
            | st.sampled_from([0.0, -0.0, 5e-324, -5e-324]),
            st.datetimes(
                min_value=datetime(1990, 1, 1),
                max_value=datetime(2100, 1, 1),
                timezones=st.just(UTC),
            ),
        ),
        max_size=20,
    ),
    st.floats(min_value=0.0, max_value=0.99) | st.sampled_from([0.0, 0.2, 0.5]),
)
def test_ranking_keys_are_ranking_key_of_each_contact(
    pairs: list[tuple[float, datetime]], rate: float
) -> None:
    """The batch form (score_state._store) gives exactly the per-contact floats."""
    signs, keys = ranking_keys([i for i, _ in pairs], [t for _, t in pairs], rate)
    assert list(zip(signs, keys, strict=True)) == [
        tuple(ranking_key(intent, at, rate)) for intent, at in pairs
    ]


def test_ranking_keys_worked_example() -> None:
    at = KEY_EPOCH + QUARTER
    signs, keys = ranking_keys([math.e, 0.0, -1.0], [at, at, at], 0.5)
    assert signs == [1, 0, -1]
    assert keys[0] == pytest.approx(1 + math.log(2))
    assert keys[1] is None
    assert keys[2] == pytest.approx(-math.log(2))

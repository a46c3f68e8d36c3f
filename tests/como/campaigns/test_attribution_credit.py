"""The attribution models on hand-computed journeys, exact to the fraction and the cent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction as F

import pytest
from hypothesis import given
from hypothesis import strategies as st

from como.campaigns.attribution.credit import (
    MODELS,
    Journey,
    Settings,
    Touch,
    decay_weight,
    first_touch,
    full_path,
    last_non_direct,
    last_touch,
    linear,
    time_decay,
    u_shaped,
    w_shaped,
)
from como.campaigns.attribution.money import allocate

DAY0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def day(n: float) -> datetime:
    return DAY0 + timedelta(days=n)


A = Touch(day(0), "A", "paid_social", 1)
B = Touch(day(2), "B", "email", 2)
C = Touch(day(5), "C", "direct")
D = Touch(day(9), "D", "paid_search", 3)
E = Touch(day(12), "E", "email", 2)

#: Lead created with touch C, the opportunity with D, won after E.
DEAL = Journey(
    touches=[C, A, E, B, D],  # any order in: the models read them by time
    converted_at=day(14),
    lead_created_at=day(5),
    opportunity_created_at=day(9),
    closed_won_at=day(14),
)
DEFAULT = Settings()


def shares(credit: list[tuple[Touch, F]]) -> dict[object, F]:
    return {touch.key: share for touch, share in credit}


def test_single_touch_models() -> None:
    assert shares(first_touch(DEAL, DEFAULT)) == {"A": 1}
    assert shares(last_touch(DEAL, DEFAULT)) == {"E": 1}
    assert shares(last_non_direct(DEAL, DEFAULT)) == {"E": 1}


def test_last_non_direct_skips_direct_visits_and_falls_back_to_the_last() -> None:
    typed = Touch(day(13), "T", "direct")
    bookmarked = Touch(day(13.5), "K", "email", direct=True)
    journey = Journey([*DEAL.touches, typed, bookmarked], converted_at=day(14))
    assert shares(last_touch(journey, DEFAULT)) == {"K": 1}
    assert shares(last_non_direct(journey, DEFAULT)) == {"E": 1}
    only_direct = Journey([C, typed], converted_at=day(14))
    assert shares(last_non_direct(only_direct, DEFAULT)) == {"T": 1}


def test_linear() -> None:
    assert shares(linear(DEAL, DEFAULT)) == {k: F(1, 5) for k in "ABCDE"}


def test_u_shaped_counts_up_to_lead_creation() -> None:
    # FT = A 40 %, LC = C 40 %, B between 20 %; D and E came after the lead: nothing.
    assert shares(u_shaped(DEAL, DEFAULT)) == {"A": F(2, 5), "B": F(1, 5), "C": F(2, 5)}
    marketo = Settings(u_shape=(50, 0, 50))
    assert shares(u_shaped(DEAL, marketo)) == {"A": F(1, 2), "B": 0, "C": F(1, 2)}


def test_u_shaped_over_two_touches_and_one() -> None:
    two = Journey([A, B], converted_at=day(3), lead_created_at=day(2))
    assert shares(u_shaped(two, DEFAULT)) == {"A": F(1, 2), "B": F(1, 2)}
    one = Journey([A], converted_at=day(3), lead_created_at=day(2))
    assert shares(u_shaped(one, DEFAULT)) == {"A": 1}


def test_w_shaped_counts_up_to_opportunity_creation() -> None:
    # FT = A, LC = C, OC = D 30 % each; B the rest's 10 %; E after the opportunity.
    assert shares(w_shaped(DEAL, DEFAULT)) == {
        "A": F(3, 10),
        "B": F(1, 10),
        "C": F(3, 10),
        "D": F(3, 10),
    }


def test_w_shaped_with_the_lead_created_on_the_first_touch() -> None:
    # A holds FT and LC (60), D holds OC (30), B and C share 10.
    journey = Journey(
        [A, B, C, D], converted_at=day(9), lead_created_at=day(1), opportunity_created_at=day(9)
    )
    assert shares(w_shaped(journey, DEFAULT)) == {
        "A": F(6, 10),
        "B": F(1, 20),
        "C": F(1, 20),
        "D": F(3, 10),
    }


def test_full_path() -> None:
    # 22.5 % on each of A (FT), C (LC), D (OC), E (CW); B takes the rest's 10 %.
    assert shares(full_path(DEAL, DEFAULT)) == {
        "A": F(9, 40),
        "B": F(1, 10),
        "C": F(9, 40),
        "D": F(9, 40),
        "E": F(9, 40),
    }


def test_full_path_without_touches_between_shares_the_rest_pro_rata() -> None:
    journey = Journey(
        [A, C, D, E],
        converted_at=day(14),
        lead_created_at=day(5),
        opportunity_created_at=day(9),
        closed_won_at=day(14),
    )
    assert shares(full_path(journey, DEFAULT)) == {k: F(1, 4) for k in "ACDE"}


def test_time_decay_halves_per_half_life() -> None:
    journey = Journey(
        [
            Touch(day(0), "old", "email"),
            Touch(day(7), "mid", "email"),
            Touch(day(14), "new", "sms"),
        ],
        converted_at=day(14),
    )
    # Weights 1/4, 1/2, 1 of a total 7/4.
    assert shares(time_decay(journey, DEFAULT)) == {"old": F(1, 7), "mid": F(2, 7), "new": F(4, 7)}
    two_days = Settings(half_life=timedelta(days=2))
    assert decay_weight(timedelta(days=7), two_days.half_life) == F(2**-3.5)
    assert decay_weight(timedelta(days=6), two_days.half_life) == F(1, 8)


def test_the_lookback_window() -> None:
    ten_days = Settings(lookback=timedelta(days=10))
    # Conversion at day 14: touches from day 4 count (C, D, E).
    assert shares(linear(DEAL, ten_days)) == {k: F(1, 3) for k in "CDE"}
    assert shares(first_touch(DEAL, ten_days)) == {"C": 1}
    # A, the first touch, is outside: FT moves to C, which also holds LC.
    assert shares(u_shaped(DEAL, ten_days)) == {"C": 1}
    assert shares(linear(DEAL, Settings(lookback=None))) == {k: F(1, 5) for k in "ABCDE"}


def test_no_touch_no_credit() -> None:
    empty = Journey([], converted_at=day(1))
    late = Journey([Touch(day(2), "after", "email")], converted_at=day(1))
    for spec in MODELS.values():
        assert spec.credit(empty, DEFAULT) == []
        assert spec.credit(late, DEFAULT) == []


def test_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="u_shape"):
        Settings(u_shape=(40, 20, 30))
    with pytest.raises(ValueError, match="half_life"):
        Settings(half_life=timedelta(0))
    with pytest.raises(ValueError, match="lookback"):
        Settings(lookback=timedelta(days=-1))


def test_allocate_to_the_cent() -> None:
    assert allocate(Decimal("1000.00"), [F(1, 3)] * 3) == [
        Decimal("333.34"),
        Decimal("333.33"),
        Decimal("333.33"),
    ]
    assert allocate(Decimal("0.05"), [F(1, 3)] * 3) == [
        Decimal("0.02"),
        Decimal("0.02"),
        Decimal("0.01"),
    ]
    full = [share for _, share in full_path(DEAL, DEFAULT)]
    assert allocate(Decimal("100.00"), full) == [
        Decimal("22.50"),
        Decimal("10.00"),
        Decimal("22.50"),
        Decimal("22.50"),
        Decimal("22.50"),
    ]
    assert allocate(Decimal("-10.00"), [F(1, 3)] * 3) == [
        Decimal("-3.34"),
        Decimal("-3.33"),
        Decimal("-3.33"),
    ]
    assert allocate(Decimal("5.00"), []) == []
    with pytest.raises(ValueError, match="sum to 1"):
        allocate(Decimal("1.00"), [F(1, 2)])
    with pytest.raises(ValueError, match="whole cents"):
        allocate(Decimal("1.005"), [F(1)])


_touches = st.lists(
    st.builds(
        Touch,
        at=st.integers(0, 60 * 24).map(lambda minutes: DAY0 + timedelta(minutes=minutes * 30)),
        key=st.uuids(),
        channel=st.sampled_from(["email", "sms", "direct", "paid_social", "paid_search"]),
    ),
    max_size=12,
)
_instants = st.none() | st.integers(0, 30 * 24).map(lambda hours: DAY0 + timedelta(hours=hours))


@given(
    touches=_touches,
    lead=_instants,
    opportunity=_instants,
    won=_instants,
    cents=st.integers(-(10**9), 10**9),
)
def test_every_model_gives_out_exactly_the_whole(
    touches: list[Touch],
    lead: datetime | None,
    opportunity: datetime | None,
    won: datetime | None,
    cents: int,
) -> None:
    journey = Journey(touches, day(30), lead, opportunity, won)
    amount = Decimal(cents) / 100
    for spec in MODELS.values():
        credit = spec.credit(journey, DEFAULT)
        if not credit:
            continue
        split = [share for _, share in credit]
        assert sum(split) == 1
        assert min(split) >= 0
        money = allocate(amount, split)
        assert sum(money) == amount
        # No touch is more than a cent away from its exact share.
        for value, share in zip(money, split, strict=True):
            assert abs(value - Decimal(share.numerator) * amount / share.denominator) < Decimal(
                "0.01"
            )

"""The integer batch computation gives credit.py's shares and money exactly, on random journeys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import cast

from hypothesis import given, settings
from hypothesis import strategies as st

from como.campaigns.attribution.batch import (
    Milestones,
    every_model,
    micros,
    share_text,
    split_cents,
)
from como.campaigns.attribution.credit import MODELS, Journey, Settings, Touch
from como.campaigns.attribution.credit import Touch as CreditTouch
from como.campaigns.attribution.money import allocate

DAY0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def maybe_micros(at: datetime | None) -> int | None:
    return micros(at) if at is not None else None


def expected(
    journey: Journey, config: Settings, cents: int
) -> dict[str, list[tuple[object, Fraction, Decimal]]]:
    out = {}
    for key, spec in MODELS.items():
        credit = spec.credit(journey, config)
        if credit:
            money = allocate(Decimal(cents) / 100, [share for _, share in credit])
            out[key] = [(t.key, s, m) for (t, s), m in zip(credit, money, strict=True)]
    return out


def computed(
    journey: Journey, config: Settings, cents: int
) -> dict[str, list[tuple[object, Fraction, Decimal]]]:
    ordered = sorted(journey.touches, key=lambda t: t.at)
    when = Milestones(
        micros(journey.converted_at),
        maybe_micros(journey.lead_created_at),
        maybe_micros(journey.opportunity_created_at),
        maybe_micros(journey.closed_won_at),
    )
    out = {}
    for key, (indexes, nums, den) in every_model(
        [micros(t.at) for t in ordered], [t.is_direct for t in ordered], when, config
    ).items():
        money = split_cents(cents, nums, den)
        out[key] = [
            (ordered[i].key, Fraction(num, den), Decimal(c) / 100)
            for i, num, c in zip(indexes, nums, money, strict=True)
        ]
    return out


_touches = st.lists(
    st.builds(
        Touch,
        at=st.integers(0, 60 * 24 * 4).map(lambda m: DAY0 + timedelta(minutes=m * 15)),
        key=st.uuids(),
        channel=st.sampled_from(["email", "sms", "direct", "paid_social", "paid_search"]),
        direct=st.booleans(),
    ),
    max_size=14,
)
_instants = st.none() | st.integers(0, 40 * 24).map(lambda h: DAY0 + timedelta(hours=h))
_settings = st.builds(
    Settings,
    lookback=st.none() | st.integers(1, 60).map(lambda d: timedelta(days=d)),
    u_shape=st.sampled_from([(40, 20, 40), (50, 0, 50), (0, 100, 0), (30, 40, 30)]),
    half_life=st.sampled_from(
        [timedelta(days=7), timedelta(hours=7), timedelta(days=1, minutes=17), timedelta(days=30)]
    ),
)


@settings(max_examples=400, deadline=None)
@given(
    touches=_touches,
    converted=st.integers(0, 45 * 24).map(lambda h: DAY0 + timedelta(hours=h)),
    lead=_instants,
    opportunity=_instants,
    won=_instants,
    config=_settings,
    cents=st.integers(0, 10**11),
)
def test_batch_equals_credit_for_every_model(
    touches: list[Touch],
    converted: datetime,
    lead: datetime | None,
    opportunity: datetime | None,
    won: datetime | None,
    config: Settings,
    cents: int,
) -> None:
    journey = Journey(touches, converted, lead, opportunity, won)
    assert computed(journey, config, cents) == expected(journey, config, cents)


def test_share_text_rounds_half_up() -> None:
    assert share_text(1, 3, 4) == "0.3333"
    assert share_text(2, 3, 4) == "0.6667"
    assert share_text(1, 8, 2) == "0.13"
    assert share_text(5, 5, 3) == "1.000"
    assert share_text(0, 7, 3) == "0.000"


_selector_touches = st.lists(
    st.tuples(
        st.integers(0, 60 * 24 * 4).map(lambda m: DAY0 + timedelta(minutes=m * 15)),
        st.sampled_from(["email", "direct", "paid_social", "paid_search"]),
    ),
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(
    raw=_selector_touches,
    converted=st.integers(0, 45 * 24).map(lambda h: DAY0 + timedelta(hours=h)),
    lead=_instants,
    opened=_instants,
    config=_settings,
    cents=st.none() | st.integers(0, 10**11),
)
def test_the_stored_rows_carry_credit_py_numbers(
    raw: list[tuple[datetime, str]],
    converted: datetime,
    lead: datetime | None,
    opened: datetime | None,
    config: Settings,
    cents: int | None,
) -> None:
    """store._rows (the COPY lines) against credit.py, quantized as the columns store it."""
    from como.campaigns.attribution.store import PLACES, Conversion, _rows

    journey = sorted(
        (
            (n + 1, 7, at.isoformat(), micros(at), "landing", channel, None, channel == "direct")
            for n, (at, channel) in enumerate(raw)
        ),
        key=lambda t: (t[3], t[0]),
    )
    amount = Decimal(cents) / 100 if cents is not None else None
    when = Milestones(
        micros(converted), maybe_micros(lead), maybe_micros(opened), micros(converted)
    )
    lines = _rows(1, Conversion("opportunity", 5, (7,), amount, converted, when), journey, config)
    rows = [line[:-1].split("\t") for line in lines]
    assert all(
        line.endswith("\n") and len(row) == 27 for line, row in zip(lines, rows, strict=True)
    )
    assert {tuple(row[:4]) for row in rows} <= {("1", "opportunity", "5", "\\N")}
    reference = Journey(
        [CreditTouch(datetime.fromisoformat(t[2]), t[0], t[5], None, t[7]) for t in journey],
        converted,
        lead,
        opened,
        converted,
    )
    by_event = {int(row[5]): row for row in rows}
    for position, key in enumerate(MODELS):
        credit = MODELS[key].credit(reference, config)
        money = allocate(amount, [s for _, s in credit]) if amount is not None else None
        counted = set()
        for index, (touch, share) in enumerate(credit):
            row = by_event[cast(int, touch.key)]
            counted.add(touch.key)
            assert Decimal(row[11 + 2 * position]) == Decimal(
                share_text(share.numerator, share.denominator, PLACES)
            )
            expected = money[index] if money is not None else None
            stored = row[12 + 2 * position]
            assert (Decimal(stored) if stored != "\\N" else None) == expected
        for event_id, row in by_event.items():
            if event_id not in counted:
                assert Decimal(row[11 + 2 * position]) == 0

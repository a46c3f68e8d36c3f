"""Payoff, value and equity: exact money, numbers worked by hand (the steps in the comments)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from verticals.automotive.programs.playbook import EquityKnobs
from verticals.automotive.programs.valuation import (
    Deal,
    equity_of,
    monthly_payment,
    months_between,
    payoff,
    value_share,
)

CURVE = EquityKnobs().depreciation  # {1: .80, 2: .70, 3: .60, 4: .52, 5: .45, … 10: .22}


def test_the_payment_is_rounded_to_the_cent() -> None:
    # r = 6 % / 12 = 0.005; 1.005^12 = 1.0616778; 1 - 1/1.0616778 = 0.0580952;
    # 12,000 * 0.005 / 0.0580952 = 1,032.7979 -> 1,032.80
    assert monthly_payment(D("12000"), D("6"), 12) == D("1032.80")
    assert monthly_payment(D("30000"), D("0"), 60) == D("500.00")


def test_the_balance_after_six_payments() -> None:
    # 1.005^6 = 1.0303775; 12,000 * 1.0303775 = 12,364.5301;
    # 1,032.80 * (1.0303775 - 1) / 0.005 = 1,032.80 * 6.0755019 = 6,274.7783;
    # 12,364.5301 - 6,274.7783 = 6,089.7518 -> 6,089.75
    assert payoff(D("12000"), D("6"), 12, 6) == D("6089.75")


def test_zero_apr_cash_deals_and_a_paid_off_loan() -> None:
    assert payoff(D("30000"), D("0"), 60, 24) == D("18000.00")  # 30,000 - 24 * 500
    assert payoff(D("30000"), D("0"), 60, 60) == D("0.00")
    assert payoff(D("12000"), D("6"), 12, 13) == D("0.00")
    assert payoff(None, None, None, 5) == D("0.00")  # cash
    assert payoff(D("12000"), D("6"), 12, 0) == D("12000.00")


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (date(2024, 1, 15), date(2025, 1, 15), 12),
        (date(2024, 1, 15), date(2025, 1, 14), 11),
        (date(2024, 1, 31), date(2024, 2, 29), 0),  # the 31st is not reached in February
        (date(2024, 3, 1), date(2024, 2, 1), 0),
    ],
)
def test_months_between(start: date, end: date, months: int) -> None:
    assert months_between(start, end) == months


def test_the_curve_is_interpolated_linearly_and_flat_past_its_end() -> None:
    assert value_share(CURVE, D("1.5")) == D("0.75")  # halfway from .80 to .70
    assert value_share(CURVE, D("0.5")) == D("0.90")  # from {0: 1} to {1: .80}
    assert value_share(CURVE, D("2.25")) == D("0.675")  # .70 - .10 / 4
    assert value_share(CURVE, D(0)) == D(1)
    assert value_share(CURVE, D(14)) == D("0.22")


def test_equity_of_a_new_vehicle_bought_on_credit() -> None:
    deal = Deal(
        price=D("32000.00"),
        amount_financed=D("28000.00"),
        apr=D("6.900"),
        term_months=60,
        purchased_on=date(2023, 3, 10),
        model_year=2023,
        condition="new",
    )
    found = equity_of(deal, CURVE, date(2025, 9, 10))
    # 30 months: age 2.5 years -> share .70 + (.60 - .70) / 2 = .65; 32,000 * .65 = 20,800.00
    assert (found.months_owned, found.age_years, found.value) == (30, D("2.5"), D("20800.00"))
    # r = 0.00575; P = 28,000 * r / (1 - 1.00575^-60) = 161 / (1 - 1/1.4105954) = 553.11
    # 1.00575^30 = 1.1876849; 28,000 * 1.1876849 = 33,255.1774;
    # 553.11 * (0.1876849 / 0.00575) = 18,053.9824; 33,255.1774 - 18,053.9824 = 15,201.195
    # -> 15,201.20
    assert found.payoff == D("15201.20")
    assert found.equity == D("5598.80")


def test_a_used_vehicle_depreciates_from_the_age_it_was_bought_at() -> None:
    deal = Deal(
        price=D("24000.00"),
        amount_financed=None,
        apr=None,
        term_months=None,
        purchased_on=date(2022, 6, 1),
        model_year=2020,
        condition="used",
    )
    found = equity_of(deal, CURVE, date(2024, 6, 1))
    # Bought at 2 years (share .70), now 4 (share .52): 24,000 * .52 / .70 = 17,828.5714
    assert (found.age_years, found.value, found.payoff) == (D(4), D("17828.57"), D("0.00"))
    assert found.equity == D("17828.57")


def test_without_a_price_there_is_no_value() -> None:
    deal = Deal(None, D("10000"), D("5"), 36, date(2024, 1, 1), 2024, "new")
    found = equity_of(deal, CURVE, date(2024, 7, 1))
    assert (found.value, found.equity) == (None, None)
    assert found.payoff > 0


def test_the_playbook_refuses_a_curve_that_rises() -> None:
    with pytest.raises(ValueError, match="does not gain value with age"):
        EquityKnobs.model_validate({"depreciation": {"1": "0.70", "2": "0.75"}})

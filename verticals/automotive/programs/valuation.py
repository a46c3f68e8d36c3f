"""What an owner's vehicle is worth, what they still owe on it, and the difference (equity):
pure functions of the deal's terms, a date and the playbook's depreciation curve, in exact
Decimal money.

**Payoff** (standard amortization of the deal's loan). With principal ``L`` (the amount
financed), monthly rate ``r = APR / 100 / 12`` and ``n`` monthly payments (the term), the
payment is ``P = L*r / (1 - (1 + r)^-n)`` (``L / n`` at 0 % APR), rounded half-up to the cent
as a contract states it. After ``k`` payments the balance is
``B = L*(1 + r)^k - P*((1 + r)^k - 1) / r`` (``L - P*k`` at 0 %), rounded half-up to the cent
once, at the end; never below 0, and 0 from the ``n``-th payment on. ``k`` is the whole months
from the purchase date to the day asked (the first payment falls a month after the deal; a
month counts once its day of the month is reached). A cash deal (nothing financed) owes 0.
Computed at 40 significant digits, so the rounding at the end is the only one.

**Value**: the price paid * the curve's value share at the vehicle's age now / its share at
the age it had when bought (1 for a new vehicle, age 0), rounded half-up to the cent. The curve
is points ``{age in years: share of the price}``; between two points the share is
**interpolated linearly** (by whole months of age: 18 months is 1.5 years), before the first
point it runs from ``{0: 1}``, past the last point it stays at the last share. The age is
whole months since the purchase / 12 plus, for a used vehicle, its age when bought: the
purchase year minus the model year (at least 0).

**Equity** = value - payoff (negative: the owner owes more than the vehicle is worth).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from itertools import pairwise

CENT = Decimal("0.01")
_PRECISION = 40


def months_between(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end`` (a month counts once its day is reached); 0 when
    ``end`` is not after ``start``."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return max(months, 0)


def monthly_payment(amount: Decimal, apr: Decimal, term_months: int) -> Decimal:
    """The loan's monthly payment, half-up to the cent."""
    with localcontext() as context:
        context.prec = _PRECISION
        if apr == 0:
            payment = amount / term_months
        else:
            rate = apr / 100 / 12
            payment = amount * rate / (1 - (1 + rate) ** -term_months)
        return payment.quantize(CENT, rounding=ROUND_HALF_UP)


def payoff(
    amount: Decimal | None, apr: Decimal | None, term_months: int | None, payments_made: int
) -> Decimal:
    """The balance after ``payments_made`` payments (see the module docstring)."""
    if not amount or not term_months:
        return Decimal("0.00")
    apr = apr or Decimal(0)
    if payments_made >= term_months:
        return Decimal("0.00")
    payments_made = max(payments_made, 0)
    payment = monthly_payment(amount, apr, term_months)
    with localcontext() as context:
        context.prec = _PRECISION
        if apr == 0:
            balance = amount - payment * payments_made
        else:
            rate = apr / 100 / 12
            growth = (1 + rate) ** payments_made
            balance = amount * growth - payment * (growth - 1) / rate
        return max(balance, Decimal(0)).quantize(CENT, rounding=ROUND_HALF_UP)


def value_share(curve: Mapping[Decimal, Decimal], age_years: Decimal) -> Decimal:
    """The curve's share of the price at ``age_years`` (see the module docstring)."""
    points = sorted({Decimal(0): Decimal(1), **curve}.items())
    if age_years <= 0:
        return points[0][1]
    for (age_a, share_a), (age_b, share_b) in pairwise(points):
        if age_a <= age_years <= age_b:
            with localcontext() as context:
                context.prec = _PRECISION
                return share_a + (share_b - share_a) * (age_years - age_a) / (age_b - age_a)
    return points[-1][1]


@dataclass(frozen=True)
class Deal:
    """The terms :func:`equity_of` reads (a ``VehicleOwnership``'s)."""

    price: Decimal | None
    amount_financed: Decimal | None
    apr: Decimal | None
    term_months: int | None
    purchased_on: date
    model_year: int | None
    condition: str  # new | used | cpo


@dataclass(frozen=True)
class Equity:
    months_owned: int
    age_years: Decimal
    value: Decimal | None  # None: no price to start from
    payoff: Decimal
    equity: Decimal | None


def age_at_purchase(deal: Deal) -> int:
    if deal.condition == "new" or deal.model_year is None:
        return 0
    return max(deal.purchased_on.year - deal.model_year, 0)


def equity_of(deal: Deal, curve: Mapping[Decimal, Decimal], on: date) -> Equity:
    months = months_between(deal.purchased_on, on)
    bought_at = Decimal(age_at_purchase(deal))
    with localcontext() as context:
        context.prec = _PRECISION
        age = bought_at + Decimal(months) / 12
    owed = payoff(deal.amount_financed, deal.apr, deal.term_months, months)
    if deal.price is None:
        return Equity(months, age, None, owed, None)
    with localcontext() as context:
        context.prec = _PRECISION
        share = value_share(curve, age) / value_share(curve, bought_at)
        value = (deal.price * share).quantize(CENT, rounding=ROUND_HALF_UP)
    return Equity(months, age, value, owed, value - owed)

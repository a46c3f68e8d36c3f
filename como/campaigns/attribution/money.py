"""Money split by shares, to the cent, with nothing lost or made up."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

CENT = Decimal("0.01")


def allocate(amount: Decimal, shares: Sequence[Fraction]) -> list[Decimal]:
    """``amount`` split by ``shares`` (which sum to 1) in whole cents that sum to ``amount``
    exactly: each share's cents rounded down, then the cents left over given one each to the
    largest remainders (ties to the earlier share: the earlier touch). A negative amount (a
    refund) is split as its opposite is, with the signs turned."""
    if not shares:
        return []
    if sum(shares, Fraction(0)) != 1:
        raise ValueError("shares must sum to 1")
    if amount != amount.quantize(CENT):
        raise ValueError("amount must be in whole cents")
    sign = -1 if amount < 0 else 1
    cents = int(abs(amount) / CENT)
    exact = [share * cents for share in shares]
    floors = [int(value) for value in exact]  # shares are non-negative: int() is the floor
    left = cents - sum(floors)
    order = sorted(range(len(shares)), key=lambda i: (-(exact[i] - floors[i]), i))
    for index in order[:left]:
        floors[index] += 1
    return [sign * Decimal(value) * CENT for value in floors]

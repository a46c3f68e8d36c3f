"""The knobs of the parts, trade-in, conquest and EV programs: fields of the playbook's
``programs`` setting (:class:`.settings.DealerPrograms`, one object per program key), read with
:func:`.settings.program_settings`. Every knob has a default.

- ``parts_cross_sell``: ``items`` per message (3), ``lookback_hours`` (25: a daily run sees
  every purchase or visit received since the last one, with an hour to spare) and
  ``recent_days`` (30: an imported purchase or visit older than this is history, not news).
- ``trade_in_equity``: ``depreciation`` (age in years → share of the price paid, interpolated
  linearly: :mod:`.valuation`; shares fall, or stay, as the age grows), ``min_equity`` (an
  owner enters with at least this much; 0 would be "payoff below value" exactly),
  ``upgrade_age_years`` and ``upgrade_miles`` (an owner past either enters whatever the
  equity), ``min_months_owned`` (nobody is offered a trade on a car bought last month).
- ``conquest``: ``lookback_days`` of browsing and appraisals, ``price_band`` (a comparable
  vehicle costs within this share of the one browsed), ``vehicles`` per message.
- ``ev_education``: ``lookback_days`` of EV detail-page views and the ``fuel_types`` that
  count as electric (compared case-insensitively, in the event and in the inventory; empty:
  the defaults).
"""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..scoring import EV_FUEL_TYPES

Share = Annotated[Decimal, Field(gt=0, le=1, max_digits=5, decimal_places=4)]
Age = Annotated[Decimal, Field(gt=0, le=40, max_digits=4, decimal_places=2)]


def _curve() -> dict[Decimal, Decimal]:
    shares = ("0.80", "0.70", "0.60", "0.52", "0.45", "0.39", "0.34", "0.30", "0.26", "0.22")
    return {Decimal(age): Decimal(share) for age, share in enumerate(shares, start=1)}


class _Knobs(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PartsKnobs(_Knobs):
    items: Annotated[int, Field(ge=1, le=12)] = 3
    lookback_hours: Annotated[int, Field(ge=1, le=24 * 14)] = 25
    recent_days: Annotated[int, Field(ge=1, le=365)] = 30


class EquityKnobs(_Knobs):
    depreciation: dict[Age, Share] = Field(default_factory=_curve, min_length=1, max_length=40)
    min_equity: Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)] = Decimal(
        "1000.00"
    )
    upgrade_age_years: Annotated[int, Field(ge=1, le=40)] = 7
    upgrade_miles: Annotated[int, Field(ge=1_000, le=1_000_000)] = 90_000
    min_months_owned: Annotated[int, Field(ge=0, le=120)] = 12

    @field_validator("depreciation")
    @classmethod
    def _falls(cls, value: dict[Decimal, Decimal]) -> dict[Decimal, Decimal]:
        points = sorted(value.items())
        for (age_a, share_a), (age_b, share_b) in pairwise(points):
            if share_b > share_a:
                raise ValueError(
                    f"the share at {age_b} years ({share_b}) is above the share at "
                    f"{age_a} years ({share_a}): a vehicle does not gain value with age"
                )
        return dict(points)


class ConquestKnobs(_Knobs):
    lookback_days: Annotated[int, Field(ge=1, le=365)] = 30
    price_band: Annotated[Decimal, Field(gt=0, le=1, max_digits=4, decimal_places=3)] = Decimal(
        "0.20"
    )
    vehicles: Annotated[int, Field(ge=1, le=12)] = 3


class EvKnobs(_Knobs):
    lookback_days: Annotated[int, Field(ge=1, le=365)] = 30
    fuel_types: list[Annotated[str, Field(min_length=1, max_length=32)]] = Field(
        default_factory=lambda: list(EV_FUEL_TYPES), max_length=20
    )

    @field_validator("fuel_types")
    @classmethod
    def _some(cls, value: list[str]) -> list[str]:
        # Empty (a form's blank box): the defaults, not "nothing is electric".
        return value or list(EV_FUEL_TYPES)

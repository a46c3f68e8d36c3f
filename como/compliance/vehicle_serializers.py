"""The lint API's inline vehicle: validated field by field, then handed to the checks as plain
data (``Draft.vehicle``), in the keys the vertical checks read.

Money stays :class:`~decimal.Decimal` (the checks read Decimals, numbers or text); ``price`` is
the price the dealer sells for, before its charges; ``dealer_fees`` are the dealer's charges a
creative must not add on top of an advertised price (taxes and government fees aside, whatever
list they arrive in); ``sold_at`` becomes ISO 8601 text, as an inventory vehicle's is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from como.workspaces.api_base import AwareDateTimeField

MAX_MONEY_DIGITS = 12
MAX_CHARGES = 50
#: ISO 3779: 17 characters, no I, O or Q.
_VIN = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
#: As an inventory names them (the API schema then has one enum for both).
CONDITIONS = (("new", "New"), ("used", "Used"), ("cpo", "Certified pre-owned"))
STATUSES = ("available", "pending", "sold", "removed")


def _money(help_text: str, *, required: bool = False) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=MAX_MONEY_DIGITS,
        decimal_places=2,
        min_value=0,
        required=required,
        help_text=help_text,
    )


class DealerFeeInSerializer(serializers.Serializer[dict[str, Any]]):
    name = serializers.CharField(max_length=100, help_text='E.g. "Doc fee", "Dealer prep".')
    amount = _money("In the vehicle's currency.", required=True)
    mandatory = serializers.BooleanField(
        default=True, help_text="Every buyer pays it (false: an option the buyer may decline)."
    )


class RebateInSerializer(serializers.Serializer[dict[str, Any]]):
    name = serializers.CharField(max_length=100, help_text='E.g. "Factory rebate".')
    amount = _money("In the vehicle's currency.", required=True)
    conditions = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=500,
        help_text='Who qualifies, e.g. "financing through the captive lender".',
    )


class VehicleInSerializer(serializers.Serializer[dict[str, Any]]):
    """A vehicle as the automotive checks read it; every field optional."""

    vin = serializers.CharField(required=False, allow_blank=True, max_length=17)
    stock_number = serializers.CharField(required=False, allow_blank=True, max_length=50)
    year = serializers.IntegerField(required=False, min_value=1886)
    make = serializers.CharField(required=False, allow_blank=True, max_length=100)
    model = serializers.CharField(required=False, allow_blank=True, max_length=100)
    trim = serializers.CharField(required=False, allow_blank=True, max_length=100)
    condition = serializers.ChoiceField(choices=CONDITIONS, required=False)
    certified = serializers.BooleanField(
        required=False, help_text="The feed marks it certified pre-owned."
    )
    price = _money("The price the dealer sells for, before its charges.")
    msrp = _money("The manufacturer's suggested retail price.")
    status = serializers.ChoiceField(choices=STATUSES, required=False)
    sold_at = AwareDateTimeField(required=False, allow_null=True)
    dealer_fees = serializers.ListField(
        child=DealerFeeInSerializer(),
        required=False,
        max_length=MAX_CHARGES,
        help_text="The dealer's charges (doc, prep, add-ons); taxes and government fees are "
        "never counted.",
    )
    rebates = serializers.ListField(
        child=RebateInSerializer(), required=False, max_length=MAX_CHARGES
    )
    licence_plate = serializers.CharField(required=False, allow_blank=True, max_length=15)

    def validate_vin(self, value: str) -> str:
        value = value.strip().upper()
        if value and not _VIN.match(value):
            raise serializers.ValidationError("A VIN is 17 letters and digits, without I, O or Q.")
        return value

    def validate_year(self, value: int) -> int:
        latest = timezone.now().year + 2
        if value > latest:
            raise serializers.ValidationError(f"Ensure this value is at most {latest}.")
        return value

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, Mapping):
            raise serializers.ValidationError("Give the vehicle as an object.")
        values = super().to_internal_value(data)
        if values.get("sold_at") is not None:
            values["sold_at"] = values["sold_at"].isoformat()
        for key in ("dealer_fees", "rebates"):
            if key in values:
                values[key] = [dict(item) for item in values[key]]
        return dict(values)

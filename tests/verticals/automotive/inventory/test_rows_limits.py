"""A row's text is checked against the Vehicle model's own column widths (read through
como.workspaces.column_limits), so a column widened or narrowed in the model moves the check."""

from __future__ import annotations

import pytest

from como.workspaces.column_limits import column_max_length
from verticals.automotive.inventory.formats.base import FeedRow
from verticals.automotive.inventory.models import Vehicle
from verticals.automotive.inventory.rows import TEXT_FIELDS, text_limits, validate_rows

VIN = "1HGCV1F31MA000001"


def _row(**fields: str) -> FeedRow:
    return FeedRow(2, {"vin": VIN, "stock_number": "S1", "price": "100"} | fields)


def _value(name: str, length: int) -> str:
    return ("https://x.test/" + "a" * length)[:length] if name == "vdp_url" else "a" * length


def test_the_limits_are_the_models() -> None:
    assert text_limits() == {name: column_max_length(Vehicle, name) for name in TEXT_FIELDS}


@pytest.mark.parametrize("name", TEXT_FIELDS)
def test_a_value_fitting_its_column_passes_and_one_longer_is_that_fields_error(name: str) -> None:
    limit = column_max_length(Vehicle, name)
    good, errors = validate_rows([_row(**{name: _value(name, limit)})])
    assert errors == []
    assert len(good) == 1
    good, errors = validate_rows([_row(**{name: _value(name, limit + 1)})])
    assert good == []
    assert [(error.row, error.field) for error in errors] == [(2, name)]
    assert str(limit) in errors[0].message

"""Programs: validated field by field, seeded from the illustrative defaults once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from verticals.automotive.coop.defaults import DEFAULT_PROGRAMS
from verticals.automotive.coop.models import CoopProgram
from verticals.automotive.coop.services import coop_program_save, coop_programs_seed

from .support import dealer, program, stores

pytestmark = pytest.mark.django_db


def _errors(workspace: Any, **fields: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refused:
        program(workspace, **fields)
    return refused.value.message_dict


def test_a_valid_program_is_saved() -> None:
    workspace = dealer()

    saved = program(workspace)

    assert CoopProgram.objects.get(pk=saved.pk).accrual_amount == Decimal("160.00")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"reimbursement_rate": Decimal("1.5")}, "reimbursement_rate", "less than or equal to 1"),
        ({"reimbursement_rate": Decimal("-0.1")}, "reimbursement_rate", "greater than or equal"),
        ({"eligible_channels": ["billboard"]}, "eligible_channels", "Unknown channel(s) billboard"),
        (
            {"required_disclaimers": {"fax": ["x"]}},
            "required_disclaimers",
            "Unknown channel(s) fax",
        ),
        ({"required_disclaimers": {"email": "x"}}, "required_disclaimers", "email: give a list"),
        ({"required_disclaimers": ["x"]}, "required_disclaimers", "Give an object of lists"),
        ({"accrual_amount": None}, "accrual_amount", "needs the amount per unit"),
        ({"accrual_basis": "msrp_share"}, "accrual_rate", "needs the share of MSRP"),
        (
            {"accrual_split": {"traditional": "0.25", "digital": "0.70"}},
            "accrual_split",
            "add up to 0.95, not 1",
        ),
        ({"accrual_split": {"digital": "2"}}, "accrual_split", "between 0 and 1"),
        ({"claim_window_days": 0}, "claim_window_days", "greater than or equal to 1"),
        ({"key": "Ford Coop"}, "key", "Use a-z, 0-9"),
        ({"prohibited_phrases": ["  "]}, "prohibited_phrases", "Remove the blank entries"),
        (
            {"required_claims": ["Built Ford Tough"], "forbidden_claims": ["built ford tough"]},
            "forbidden_claims",
            "Also required: built ford tough",
        ),
    ],
)
def test_a_bad_field_is_named(fields: dict[str, Any], field: str, message: str) -> None:
    errors = _errors(dealer(), **fields)

    assert field in errors, errors
    assert any(message in text for text in errors[field]), errors[field]


def test_dates_in_the_wrong_order_are_refused() -> None:
    from datetime import date

    errors = _errors(dealer(), active_from=date(2026, 5, 1), active_until=date(2026, 4, 1))

    assert errors == {"active_until": ["Ends before it starts."]}


def test_a_key_is_unique_in_its_workspace_only() -> None:
    workspace, other = dealer(), dealer("rival")
    program(workspace)

    assert _errors(workspace)["key"] == ["The workspace has a program with this key."]
    assert program(other).key == "ford-coop"


def test_rooftops_of_another_workspace_are_refused() -> None:
    workspace, other = dealer(), dealer("rival")
    foreign, _ = stores(other)

    with pytest.raises(ValidationError) as refused:
        coop_program_save(
            workspace=workspace,
            fields={
                "key": "x",
                "name": "X",
                "oem": "Ford",
                "reimbursement_rate": Decimal("0.5"),
                "accrual_basis": "none",
                "claim_window_days": 90,
            },
            rooftops=[foreign],
        )

    assert refused.value.message_dict == {"rooftops": ["Rooftops of another workspace."]}


def test_seeding_adds_the_illustrative_defaults_once_and_keeps_edits() -> None:
    workspace = dealer()

    first = coop_programs_seed(workspace=workspace)
    ford = CoopProgram.objects.get(workspace=workspace, key="ford-coop")
    coop_program_save(workspace=workspace, program=ford, fields={"name": "Ford (ours)"})
    second = coop_programs_seed(workspace=workspace)

    assert sorted(p.key for p in first) == sorted(DEFAULT_PROGRAMS)
    assert second == []
    ford.refresh_from_db()
    assert ford.name == "Ford (ours)"
    assert ford.accrual_rate == Decimal("0.000500")
    assert ford.accrual_split == {"traditional": "0.25", "digital": "0.75"}
    stellantis = CoopProgram.objects.get(workspace=workspace, key="stellantis-coop")
    assert (stellantis.accrual_amount, stellantis.claim_window_days) == (Decimal("280.00"), 60)
    assert not CoopProgram.objects.filter(workspace=workspace, confirmed=True).exists()
    assert all("Illustrative default" in p.notes for p in CoopProgram.objects.all())


def test_seeding_an_unknown_default_is_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        coop_programs_seed(workspace=dealer(), keys=["saab"])

    assert refused.value.message_dict == {"keys": ["No default program saab."]}

"""Funds: accruals match the sold new units exactly, spend comes from the tagged campaigns'
metrics, claims and reimbursements are summed, closing windows count as expiring."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from como.campaigns.models import Campaign, ChannelMetric
from como.workspaces.models import Workspace
from verticals.automotive.coop.selectors import program_funds
from verticals.automotive.coop.services import (
    coop_campaign_tag,
    coop_claim_create,
    coop_claim_move,
    coop_program_save,
)
from verticals.automotive.inventory.models import Rooftop

from .support import dealer, program, stores, unit

pytestmark = pytest.mark.django_db
TODAY = date(2026, 4, 10)
SOLD = datetime(2026, 3, 2, 17, 30, tzinfo=UTC)


def _inventory() -> tuple[Workspace, Rooftop, Rooftop]:
    workspace = dealer()
    ford, toyota = stores(workspace)
    # Counted: three new Fords sold at the Ford store (MSRPs chosen to need rounding).
    unit(ford, 1, status="sold", sold_at=SOLD, msrp=Decimal("48995.00"))
    unit(ford, 2, status="sold", sold_at=SOLD, msrp=Decimal("37123.00"), make="FORD")
    unit(ford, 3, status="sold", sold_at=SOLD + timedelta(days=20), msrp=Decimal("61009.00"))
    # Not counted: on sale, pending, used, sold without a date, another make, removed.
    unit(ford, 4)
    unit(ford, 5, status="pending")
    unit(ford, 6, status="sold", sold_at=SOLD, condition="used")
    unit(ford, 7, status="sold", sold_at=None)
    unit(toyota, 8, status="sold", sold_at=SOLD, make="Toyota", model="RAV4")
    unit(ford, 9, status="removed")
    # A Ford sold at the Toyota store: counted unless the program names its rooftops.
    unit(toyota, 10, status="sold", sold_at=SOLD, msrp=Decimal("40000.00"))
    return workspace, ford, toyota


def test_a_per_unit_program_accrues_its_amount_per_new_unit_sold() -> None:
    workspace, _, _ = _inventory()
    stellantis_like = program(workspace, accrual_amount=Decimal("280.00"))

    funds = program_funds(stellantis_like, today=TODAY)

    assert funds.accrued.units == 4
    assert funds.accrued.amount == Decimal("1120.00")


def test_an_msrp_share_program_accrues_each_units_share_to_the_cent() -> None:
    workspace, ford_store, _ = _inventory()
    ford = program(
        workspace,
        accrual_basis="msrp_share",
        accrual_amount=None,
        accrual_rate=Decimal("0.0005"),
        accrual_split={"traditional": "0.25", "digital": "0.75"},
    )
    coop_program_save(workspace=workspace, program=ford, fields={}, rooftops=[ford_store])

    funds = program_funds(ford, today=TODAY)

    # 48995 x 0.0005 = 24.4975 → 24.50; 37123 → 18.5615 → 18.56; 61009 → 30.5045 → 30.50
    assert funds.accrued.units == 3
    assert funds.accrued.amount == Decimal("73.56")
    assert funds.accrued.split == {"traditional": Decimal("18.39"), "digital": Decimal("55.17")}
    assert sum(funds.accrued.split.values()) == funds.accrued.amount


def test_units_sold_outside_the_programs_dates_do_not_accrue() -> None:
    workspace, _, _ = _inventory()
    spring = program(workspace, active_from=date(2026, 3, 10), active_until=date(2026, 12, 31))

    funds = program_funds(spring, today=TODAY)

    assert (funds.accrued.units, funds.accrued.amount) == (1, Decimal("160.00"))


def test_an_msrp_share_program_counts_units_without_msrp_separately() -> None:
    workspace, ford_store, _ = _inventory()
    unit(ford_store, 11, status="sold", sold_at=SOLD, msrp=None)
    share = program(
        workspace, accrual_basis="msrp_share", accrual_amount=None, accrual_rate=Decimal("0.001")
    )

    funds = program_funds(share, today=TODAY)

    # 48.995→49.00 (49.00), 37.123→37.12, 61.009→61.01, 40.000→40.00
    assert funds.accrued.units == 5
    assert funds.accrued.units_without_msrp == 1
    assert funds.accrued.amount == Decimal("187.13")


def _campaign(workspace: Workspace, name: str, ends_on: date | None, **spend: str) -> Campaign:
    campaign = Campaign.objects.create(
        workspace=workspace, name=name, starts_on=date(2026, 3, 1), ends_on=ends_on
    )
    for channel, amount in spend.items():
        for day in (date(2026, 3, 1), date(2026, 3, 2)):
            ChannelMetric.objects.create(
                workspace=workspace,
                campaign=campaign,
                channel=channel,
                day=day,
                spend=Decimal(amount),
                source="import",
            )
    return campaign


def test_spend_claims_and_expiring_amounts() -> None:
    workspace = dealer()
    ford = program(workspace)
    spring = _campaign(
        workspace, "Spring", date(2026, 3, 31), paid_social="100.10", paid_search="50.05", sms="9"
    )
    # Closes 2026-01-20 + 90 days = 2026-04-20: within 14 days of TODAY, unclaimed.
    winter = _campaign(workspace, "Winter", date(2026, 1, 20), paid_search="20.01")
    untagged = _campaign(workspace, "Untagged", None, paid_search="999")
    coop_campaign_tag(program=ford, campaign=winter)
    claim = coop_claim_create(program=ford, campaign=spring, invoice_refs=[" INV-1 ", ""])
    coop_claim_move(claim=claim, status="submitted")
    coop_claim_move(claim=claim, status="approved")
    coop_claim_move(claim=claim, status="reimbursed", amount_reimbursed=Decimal("140.00"))

    funds = program_funds(ford, today=TODAY)

    assert claim.invoice_refs == ["INV-1"]
    # Spring: 200.20 + 100.10 on eligible channels, 18 on SMS; winter: 40.02.
    assert funds.spend == Decimal("358.32")
    assert funds.eligible_spend == Decimal("340.32")
    assert claim.amount_claimed == Decimal("150.15")
    assert funds.claimed == Decimal("150.15")
    assert funds.reimbursed == Decimal("140.00")
    assert (funds.expiring, funds.expiring_on) == (Decimal("20.01"), date(2026, 4, 20))
    assert untagged.pk not in [c.campaign_id for c in funds.campaigns]
    data = funds.as_dict()
    assert data["campaigns"][0]["spend"] == {
        "paid_search": "100.10",
        "paid_social": "200.20",
        "sms": "18.00",
    }
    assert data["balance"] == "-150.15"  # a per-unit program with no units sold yet


def test_a_claim_cannot_ask_more_than_the_program_reimburses() -> None:
    from django.core.exceptions import ValidationError

    workspace = dealer()
    ford = program(workspace)
    spring = _campaign(workspace, "Spring", None, paid_search="10.00")

    with pytest.raises(ValidationError) as refused:
        coop_claim_create(program=ford, campaign=spring, amount_claimed=Decimal("10.01"))

    assert refused.value.message_dict == {
        "amount_claimed": ["More than the program reimburses of the spend (10.00)."]
    }


def test_claim_statuses_move_forward_only() -> None:
    from django.core.exceptions import ValidationError

    workspace = dealer()
    claim = coop_claim_create(
        program=program(workspace), campaign=_campaign(workspace, "S", None, paid_search="1")
    )

    with pytest.raises(ValidationError) as refused:
        coop_claim_move(claim=claim, status="reimbursed", amount_reimbursed=Decimal("1"))

    assert refused.value.message_dict == {"status": ["A draft claim cannot become reimbursed."]}

"""A dealer group with a Ford store and a Toyota store, and co-op programs for the tests."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from como.workspaces.models import Workspace
from tests.factories import WorkspaceFactory
from tests.verticals.automotive.inventory.factories import rooftop_make
from verticals.automotive.coop.models import CoopProgram
from verticals.automotive.coop.services import coop_program_save
from verticals.automotive.inventory.models import Rooftop, Vehicle

WHEN = datetime(2026, 4, 10, 15, 0, tzinfo=UTC)


def dealer(slug: str = "lakeside") -> Workspace:
    return WorkspaceFactory.create(slug=slug, vertical="automotive", name="Lakeside Auto Group")


def stores(workspace: Workspace) -> tuple[Rooftop, Rooftop]:
    ford = rooftop_make(
        workspace, name="Lakeside Ford", store_code="LFA", dealer_id="D-1", brands=["Ford"]
    )
    toyota = rooftop_make(
        workspace, name="Lakeside Toyota", store_code="LTN", dealer_id="D-2", brands=["Toyota"]
    )
    return ford, toyota


def vin(n: int) -> str:
    return f"1FTFW1E5XPFA{n:05d}"


def unit(rooftop: Rooftop, n: int, **fields: Any) -> Vehicle:
    values: dict[str, Any] = {
        "vin": vin(n),
        "stock_number": f"F{n}",
        "year": 2026,
        "make": "Ford",
        "model": "F-150",
        "condition": "new",
        "msrp": Decimal("48995.00"),
        "price": Decimal("46995.00"),
        "status": "available",
    }
    return Vehicle.objects.create(
        workspace_id=rooftop.workspace_id, rooftop=rooftop, **(values | fields)
    )


def program(workspace: Workspace, **fields: Any) -> CoopProgram:
    values: dict[str, Any] = {
        "key": "ford-coop",
        "name": "Ford co-op",
        "oem": "Ford",
        "brands": ["Ford"],
        "eligible_channels": ["paid_social", "paid_search"],
        "required_disclaimers": {"paid_social": ["See dealer for complete details."]},
        "prohibited_phrases": ["below invoice"],
        "forbidden_claims": ["lowest price guaranteed"],
        "required_claims": [],
        "reimbursement_rate": Decimal("0.5"),
        "accrual_basis": "per_unit",
        "accrual_amount": Decimal("160.00"),
        "claim_window_days": 90,
    }
    return coop_program_save(workspace=workspace, fields=values | fields)

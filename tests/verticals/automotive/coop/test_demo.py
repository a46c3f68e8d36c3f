"""The demo's co-op: seeded after the real demo inventory, idempotent, and its campaign's claim
package holds the proof, the dates, the spend and the report."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from como.demo import automotive
from como.demo.hooks import seeders
from como.workspaces.models import Workspace
from tests.factories import WorkspaceFactory
from verticals.automotive.ads.demo import demo_ads_seed
from verticals.automotive.coop.claims.export import claim_package
from verticals.automotive.coop.demo import CAMPAIGN, demo_coop_seed
from verticals.automotive.coop.models import CoopClaim, CoopProgram
from verticals.automotive.coop.selectors import program_funds
from verticals.automotive.inventory.demo.services import demo_inventory_move, demo_inventory_seed
from verticals.automotive.inventory.models import Vehicle

ANCHOR = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture
def lakeside(db: Any, tmp_path: Path) -> Any:
    with override_settings(COMO_INVENTORY_FILE_ROOT=str(tmp_path)):
        workspace = WorkspaceFactory.create(slug=automotive.SPEC.slug, vertical="automotive")
        demo_ads_seed(workspace, ANCHOR)
        demo_inventory_seed(workspace, ANCHOR)
        yield workspace


def test_the_vertical_registers_the_seeder_after_the_inventorys() -> None:
    hooks = seeders.all()
    assert hooks.index(demo_coop_seed) > hooks.index(demo_inventory_seed)


def test_other_workspaces_get_nothing(db: Any) -> None:
    other = WorkspaceFactory.create(slug="some-dealer", vertical="automotive")
    assert demo_coop_seed(other, ANCHOR) == []
    assert not CoopProgram.objects.exists()


def test_the_demo_claim_package_and_funds(lakeside: Workspace) -> None:
    first = demo_coop_seed(lakeside, ANCHOR)
    second = demo_coop_seed(lakeside, ANCHOR)
    # Sell a few vehicles through the demo's own feed moves (the real import).
    for _ in range(6):
        demo_inventory_move(workspace=lakeside)

    assert len(first) == 1
    assert "4 illustrative OEM programs" in first[0]
    assert "0 illustrative OEM programs" in second[0]
    claim = CoopClaim.objects.get(workspace=lakeside, campaign__name=CAMPAIGN)
    assert claim.amount_claimed == Decimal("726.25")  # (42.50 + 61.25) x 14 days x 0.5
    with zipfile.ZipFile(io.BytesIO(claim_package(claim, now=ANCHOR))) as archive:
        files = {name: archive.read(name).decode() for name in archive.namelist()}
    assert sorted(files) == ["proof/paid_search.html", "proof/paid_social.html", "summary.csv"]
    rows = {r["channel"]: r for r in csv.DictReader(io.StringIO(files["summary.csv"]))}
    assert (rows["paid_social"]["spend"], rows["paid_search"]["spend"]) == ("595.00", "857.50")
    assert (rows["paid_social"]["first_day"], rows["paid_social"]["last_day"]) == (
        "2026-02-17",
        "2026-03-02",
    )
    social = files["proof/paid_social.html"]
    assert "Ford" in social
    assert "meta_vehicle_ad" in social
    assert "Compliance report" in social
    assert "META-INV-2026-0412" in social

    # Accruals: every new Ford sold, MSRP x 0.0005 rounded per unit, exactly.
    ford = CoopProgram.objects.get(workspace=lakeside, key="ford-coop")
    sold = Vehicle.objects.filter(
        workspace=lakeside, make__iexact="Ford", condition="new", status="sold"
    ).exclude(sold_at=None)
    expected = sum(
        (
            (v.msrp * Decimal("0.0005")).quantize(Decimal("0.01"), ROUND_HALF_UP)
            for v in sold
            if v.msrp is not None
        ),
        start=Decimal("0.00"),
    )
    funds = program_funds(ford, today=ANCHOR.date())
    assert sold.count() > 0
    assert funds.accrued.units == sold.count()
    assert funds.accrued.amount == expected
    assert funds.spend == Decimal("1452.50")

"""The demo's MQA: Harborline Analytics is seeded one required role short, and becomes an MQA
when the scheduled task engages its CTO (what happens while ``make demo`` runs)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings

from como.demo import services
from como.leads.models import Account
from verticals.b2b.accounts.demo_mqa import DOMAIN, demo_mqa_engage_now
from verticals.b2b.accounts.selectors import committee

from .test_demo import SMALL

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _feed_root(tmp_path: Path) -> Iterator[None]:
    with override_settings(COMO_INVENTORY_FILE_ROOT=str(tmp_path / "feeds")):
        yield


def test_the_demo_account_becomes_an_mqa_when_its_cto_engages(tmp_path: Path) -> None:
    seeded = services.demo_seed(credentials_path=tmp_path / "creds.json", workspaces=SMALL)
    workspace = seeded.workspaces[0].workspace
    account = Account.objects.get(workspace=workspace, domain=DOMAIN)
    assert account.stage == "engaged"
    assert account.score_fit == 70
    assert account.score_fit + account.score_intent >= 100  # over the bar, a role short
    assert account.score_as_of is not None
    assert committee(account, at=account.score_as_of).missing == (
        "legal_compliance",
        "procurement",
        "executive_sponsor",
        "end_user",
    )
    assert any("one required role short" in line for line in seeded.workspaces[0].notes)

    assert demo_mqa_engage_now(workspace.pk) == "mqa"
    move = account.transitions.get(to_stage="mqa")
    assert (move.from_stage, move.roles_engaged) == ("engaged", 4)
    # Seeding again changes nothing and schedules nothing.
    again = services.demo_seed(credentials_path=tmp_path / "creds.json", workspaces=SMALL)
    assert any("already an MQA" in line for line in again.workspaces[0].notes)
    # Its three seeded roles' views arrive in one batch (target → engaged), then the CTO's.
    assert list(account.transitions.order_by("at", "id").values_list("to_stage", flat=True)) == [
        "engaged",
        "mqa",
    ]

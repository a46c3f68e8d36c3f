"""The dealer programs on the demo's data: the small automotive demo seeded through every
seeder (inventory, DMS history, service reminders, then ours) has a parts catalog, the four
programs on and approved by someone other than their proposer, members in each, first sends
proposed; a second seeding adds nothing. And each program's source on events shaped exactly as
the demo emits them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.test import override_settings

from como.agents.models import AgentAction
from como.demo import automotive, services
from como.sequences.models import Sequence, SequenceMember, VersionState
from como.workspaces.models import Workspace
from tests.verticals.automotive.inventory.factories import rooftop_make
from verticals.automotive.parts.models import PartsItem
from verticals.automotive.programs import conquest, ev
from verticals.automotive.programs.demo_dealer import (
    KEYS,
    MARKETING_MANAGER,
    demo_dealer_programs_seed,
)

from .support import event, owner

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]
NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


@pytest.fixture
def feeds(tmp_path: Path) -> Iterator[None]:
    with override_settings(COMO_INVENTORY_FILE_ROOT=str(tmp_path / "feeds")):
        yield


@pytest.mark.usefixtures("feeds")
def test_the_demo_runs_the_dealer_programs(tmp_path: Path) -> None:
    small = [(automotive.SPEC, lambda anchor: automotive.build(anchor, contacts=60, visitors=4))]
    seeded = services.demo_seed(credentials_path=tmp_path / "c.json", workspaces=small)
    workspace = seeded.workspaces[0].workspace
    assert PartsItem.objects.filter(workspace=workspace).count() == 32
    members = {}
    for key in KEYS:
        sequence = Sequence.objects.get(workspace=workspace, default_key=key)
        version = sequence.versions.get(state=VersionState.APPROVED)
        assert version.approving_action_id is not None
        approval = AgentAction.objects.get(pk=version.approving_action_id)
        by = {t.to_status: t.actor.username for t in approval.transitions.exclude(actor=None)}
        assert by["proposed"] == MARKETING_MANAGER
        assert by["approved"] == automotive.SPEC.member_username
        members[key] = SequenceMember.objects.filter(sequence=sequence).count()
    assert all(members.values()), members
    covered = AgentAction.objects.filter(workspace=workspace, kind="email_send", agent="sequences")
    assert covered.filter(payload__context__equity__isnull=False).exists()  # trade-in offers
    assert covered.filter(payload__context__vehicles__isnull=False).exists()  # conquest
    assert covered.filter(payload__context__ev__isnull=False).exists()  # EV lesson one
    # Seeding again: the catalog unchanged, nobody enters twice.
    again = demo_dealer_programs_seed(workspace, seeded.workspaces[0].workspace.created_at)
    assert again[0] == "parts catalog: 0 items created, 0 updated, 32 unchanged, 0 rows rejected"
    assert all(" 0 entered" in line for line in again[1:5]), again
    assert {
        key: SequenceMember.objects.filter(sequence__default_key=key, workspace=workspace).count()
        for key in KEYS
    } == members


def _lakeside(dealer: Workspace) -> None:
    for store in automotive.STORES:
        rooftop_make(
            dealer, name=store.name, store_code=store.code, dealer_id="", brands=[store.brand]
        )


def test_conquest_and_ev_on_the_demos_vehicle_views(dealer: Workspace) -> None:
    _lakeside(dealer)
    builder = automotive._Builder(automotive.SPEC, NOW)
    chevy = next(v for v in builder.inventory if v.make == "Chevrolet")
    mach_e = next(v for v in builder.inventory if v.model == "Mustang Mach-E")
    camry = next(v for v in builder.inventory if v.model == "Camry")
    shoppers = [owner(dealer, n) for n in range(3)]
    for person, vehicle in zip(shoppers, (chevy, mach_e, camry), strict=True):
        props = {**vehicle.properties(), "path": vehicle.path}
        event(person, "vdp_view", NOW - timedelta(days=1), **props)
    # The demo's appraisal shape: year, make, model, mileage, condition, estimated value.
    event(
        shoppers[2],
        "trade_in_appraisal",
        NOW - timedelta(hours=1),
        year=2016,
        make="Nissan",
        model="Rogue",
        mileage=100_000,
        condition="good",
        estimated_value=9_000,
    )
    conquered = {e.contact_id: e.subject for e in conquest.SOURCE_OBJECT.due(dealer, NOW)}
    assert conquered[shoppers[0].pk]["make"] == "Chevrolet"
    assert conquered[shoppers[0].pk]["rooftop_id"] is not None  # the store code it was seen at
    assert conquered[shoppers[2].pk]["via"] == "trade_in_appraisal"
    assert shoppers[1].pk not in conquered  # a Ford at Lakeside Ford is not a conquest
    electric = {e.contact_id: e.subject for e in ev.SOURCE_OBJECT.due(dealer, NOW)}
    assert list(electric) == [shoppers[1].pk]
    assert electric[shoppers[1].pk]["model"] == "Mustang Mach-E"

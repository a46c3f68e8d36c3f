"""The parts catalog and the parts, trade-in, conquest and EV programs in the demo: Lakeside's
parts catalog is imported (the same path as ``manage.py import_parts``), its marketing manager
switches the four programs on in the playbook (which proposes each program's first version),
the owner approves them, and the people each program's source names enter and take their first
steps (sends proposed, covered by the approval; the gate still checks each one).

Registered with ``como.demo.hooks.seeders`` after the service reminders' seeder (:mod:`.demo`),
in a function of its own. Idempotent: the catalog is upserted by SKU (a second import changes
nothing), a program already on stays on, an approved version is not proposed again, and nobody
enters twice (the sequences' one-membership and re-entry rules).
"""

from __future__ import annotations

import io
from datetime import datetime

from django.contrib.auth import get_user_model

from como import csvsafe
from como.agents.execution import action_execute
from como.agents.models import ActionStatus, AgentAction
from como.agents.playbooks import playbook_update
from como.agents.services import action_approve, playbook_for
from como.demo.automotive import SPEC
from como.sequences.advance import sequences_advance
from como.sequences.enrollment import audience_enrol
from como.sequences.models import Sequence, SequenceMember
from como.workspaces.models import Workspace
from como.workspaces.roles import Role
from como.workspaces.services import membership_add
from como.workspaces.users import User

from ..parts.services import parts_import
from . import conquest, equity, ev, parts

KEYS = (parts.KEY, equity.KEY, conquest.KEY, ev.KEY)
#: Who switches the programs on (and so proposes them): not the owner, who approves them.
MARKETING_MANAGER = "priya.natarajan"
APPROVAL_NOTE = "Demo: the dealer programs approved at seeding."

_HEADER = ("sku", "name", "category", "price", "url", "make", "model", "year_from", "year_to")
_EVERY_MODEL = (
    ("WIPER", "Wiper blade set", "Maintenance", "29.95"),
    ("CABIN", "Cabin air filter", "Maintenance", "39.95"),
    ("CARGO", "Cargo organizer", "Interior", "59.00"),
)
_BY_MODEL = {
    "Toyota": ("Camry", "RAV4", "Tacoma", "Highlander", "Corolla", "Tundra"),
    "Ford": ("F-150", "Explorer", "Escape", "Bronco Sport", "Maverick", "Mustang Mach-E"),
    "Honda": ("Civic", "CR-V", "Accord", "Pilot", "HR-V", "Odyssey"),
}
_TRUCKS = {"Tacoma", "Tundra", "F-150", "Maverick"}


def catalog_csv() -> bytes:
    """Lakeside's parts and accessories: make-wide items, floor mats per model, a bed liner per
    truck and a home charger for the EV."""
    rows: list[tuple[str, ...]] = []
    for make, models in _BY_MODEL.items():
        code = make[:3].upper()
        site = f"https://parts.lakesideauto.example/{make.lower()}"
        for sku, name, category, price in _EVERY_MODEL:
            rows.append(
                (f"{code}-{sku}", name, category, price, f"{site}/{sku.lower()}", make, "", "", "")
            )
        for model in models:
            slug = model.lower().replace(" ", "-")
            rows.append(
                (
                    f"{code}-{slug}-MATS".upper(),
                    f"{model} all-weather floor mats",
                    "Interior",
                    "149.00",
                    f"{site}/{slug}/mats",
                    make,
                    model,
                    "2019",
                    "",
                )
            )
            if model in _TRUCKS:
                rows.append(
                    (
                        f"{code}-{slug}-BED".upper(),
                        f"{model} bed liner",
                        "Exterior",
                        "499.00",
                        f"{site}/{slug}/bed-liner",
                        make,
                        model,
                        "2019",
                        "",
                    )
                )
    rows.append(
        (
            "FOR-MACHE-CHARGER",
            "Connected home charging station (48 A)",
            "Charging",
            "1310.00",
            "https://parts.lakesideauto.example/ford/mustang-mach-e/charger",
            "Ford",
            "Mustang Mach-E",
            "2021",
            "",
        )
    )
    out = io.StringIO()
    writer = csvsafe.writer(out, lineterminator="\n")
    writer.writerow(_HEADER)
    writer.writerows(rows)
    return out.getvalue().encode()


def _marketing_manager(workspace: Workspace) -> User:
    users = get_user_model()
    user = users.objects.filter(username=MARKETING_MANAGER).first()
    if user is None:
        user = users.objects.create_user(
            username=MARKETING_MANAGER,
            email=f"{MARKETING_MANAGER}@{SPEC.slug}.example",
            first_name="Priya",
            last_name="Natarajan",
        )
        user.set_unusable_password()
        user.save(update_fields=["password"])
    membership_add(workspace=workspace, user=user, role=Role.MARKETER)
    return user


def _approve(sequence: Sequence, owner: User) -> None:
    version = sequence.versions.order_by("-number").first()
    if version is None or version.approving_action_id is None:
        return
    action = AgentAction.objects.filter(pk=version.approving_action_id).first()
    if action is not None and action.status == ActionStatus.PROPOSED:
        action = action_approve(action=action, user=owner, note=APPROVAL_NOTE)
    if action is not None and action.status == ActionStatus.APPROVED:
        action_execute(action.pk)


def demo_dealer_programs_seed(workspace: Workspace, anchor: datetime) -> list[str]:
    if workspace.slug != SPEC.slug or workspace.vertical != SPEC.vertical:
        return []
    report = parts_import(workspace=workspace, data=catalog_csv())
    lines = [
        f"parts catalog: {report.created} items created, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.rejected_rows} rows rejected"
    ]
    playbook = playbook_for(workspace)
    enabled = list(playbook.sequences_enabled or [])
    missing = [key for key in KEYS if key not in enabled]
    if missing:
        playbook_update(
            playbook=playbook,
            by=_marketing_manager(workspace),
            note="Demo: marketing switches the dealer programs on.",
            sequences_enabled=[*enabled, *missing],
        )
    owner = get_user_model().objects.get(username=SPEC.member_username)
    sends = 0
    for key in KEYS:
        sequence = Sequence.objects.get(workspace=workspace, default_key=key)
        _approve(sequence, owner)
        entered = audience_enrol(sequence_id=sequence.pk, now=anchor)
        # Its own members only (the service reminders' seeder moves its own).
        sends += sequences_advance(now=anchor, sequence_id=sequence.pk).sends
        active = SequenceMember.objects.filter(sequence=sequence, state="active").count()
        lines.append(
            f"{key}: on, approved by {SPEC.member_username}; {entered} entered, {active} active"
        )
    lines.append(f"dealer programs: {sends} first sends proposed")
    return lines

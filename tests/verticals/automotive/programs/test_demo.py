"""The demo's service reminders on the demo's data shape: the DMS history seeded as the demo
does, then the programs' seeder switches the program on (proposed by the service manager,
approved by the owner), and the owners due enter and get their first reminders, covered by
that approval. A second seeding adds nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from como.agents.models import ActionStatus, ActionTransition, AgentAction
from como.demo import automotive
from como.demo.hooks import seeders
from como.leads.models import Contact
from como.sequences.models import MemberStep, Sequence, SequenceMember, VersionState
from como.workspaces.models import Workspace
from como.workspaces.roles import Role
from como.workspaces.services import membership_add
from tests.factories import UserFactory, WorkspaceFactory
from tests.verticals.automotive.inventory.factories import rooftop_make
from verticals.automotive.dms.demo import demo_dms_seed
from verticals.automotive.programs.demo import SERVICE_MANAGER, demo_programs_seed
from verticals.automotive.programs.service import KEY

ANCHOR = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 09:00 in Chicago: the window is open
pytestmark = pytest.mark.django_db


@pytest.fixture
def lakeside(db: Any) -> Workspace:
    workspace = WorkspaceFactory.create(
        slug=automotive.SPEC.slug,
        vertical="automotive",
        time_zone=automotive.SPEC.time_zone,
        postal_address=automotive.SPEC.postal_address,
    )
    owner = UserFactory.create(username=automotive.SPEC.member_username)
    membership_add(workspace=workspace, user=owner, role=Role.OWNER)
    for code, brand in (("LTN", "Toyota"), ("LFA", "Ford"), ("LHO", "Honda")):
        rooftop_make(workspace, store_code=code, dealer_id="", name=code, brands=[brand])
    Contact.objects.bulk_create(
        Contact(
            workspace=workspace, email=f"p{n}@example.com", first_name=f"P{n}", last_name="Demo"
        )
        for n in range(80)
    )
    return workspace


def test_it_runs_after_the_dms_history() -> None:
    registered = list(seeders.all())
    assert registered.index(demo_dms_seed) < registered.index(demo_programs_seed)


def test_the_demo_runs_service_reminders_approved_by_someone_else(lakeside: Workspace) -> None:
    demo_dms_seed(lakeside, ANCHOR)
    (line,) = demo_programs_seed(lakeside, ANCHOR)

    sequence = Sequence.objects.get(workspace=lakeside, default_key=KEY)
    version = sequence.versions.get()
    assert version.state == VersionState.APPROVED
    approval = version.approving_action
    assert approval is not None
    assert approval.proposed_by.username == SERVICE_MANAGER
    assert [a.user.username for a in approval.approvals.all()] == [automotive.SPEC.member_username]

    members = SequenceMember.objects.filter(sequence=sequence)
    assert members.count() > 10
    assert all(len(m.subject["vin"]) == 17 for m in members)
    # Each member got the email and waits three days, unless a repair order of theirs came
    # in later that day (the history reaches the anchor's noon): that visit ended it.
    active = members.filter(state="active")
    ended = set(members.exclude(state="active").values_list("exit_reason", flat=True))
    assert ended <= {"event:service_visit"}
    assert set(active.values_list("current_step", flat=True)) == {"reminder_text"}
    sent = MemberStep.objects.filter(member__in=active, step_id="reminder_email", outcome="sent")
    assert sent.count() == active.count()
    emails = AgentAction.objects.filter(kind="email_send", workspace=lakeside)
    assert emails.count() == active.count()
    assert set(emails.values_list("status", flat=True)) == {ActionStatus.APPROVED}
    covered = ActionTransition.objects.filter(
        action__in=emails, to_status=ActionStatus.APPROVED
    ).values_list("note", flat=True)
    assert all(
        f"approval of action #{approval.pk} by {automotive.SPEC.member_username}" in note
        for note in covered
    )
    one = emails.first()
    assert one is not None
    assert one.payload["context"]["vehicle"]["vin"] in {m.subject["vin"] for m in members}
    assert line.startswith(f"service reminders: on, approved by {automotive.SPEC.member_username}")

    assert len(demo_programs_seed(lakeside, ANCHOR)) == 1
    assert SequenceMember.objects.filter(sequence=sequence).count() == members.count()
    assert AgentAction.objects.filter(kind="email_send", workspace=lakeside).count() == (
        emails.count()
    )

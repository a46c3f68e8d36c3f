"""Default programs: the playbook's ``sequences_enabled`` validated against the vertical's
programs; switching one on creates its sequence and proposes its version, off stops it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from como.agents.execution import action_execute
from como.agents.models import ActionStatus, AgentAction
from como.agents.playbooks import playbook_update
from como.agents.services import action_approve, playbook_for
from como.sequences.defaults import DEFAULTS, DefaultProgram, register_default
from como.sequences.enrollment import audience_task_name, members_enrol
from como.sequences.models import Sequence, SequenceMember, VersionState
from como.sequences.versions import KIND
from como.workspaces.models import Workspace

from .support import approver, email, people, program

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

NURTURE = DefaultProgram(
    key="nurture",
    vertical="b2b",
    name="Nurture",
    program=program(
        email("hello"),
        trigger={"on": "schedule", "crontab": "0 8 * * 1", "audience_stages": ["mql"]},
    ),
)
ELSEWHERE = DefaultProgram(key="service", vertical="automotive", name="S", program=NURTURE.program)


@pytest.fixture(autouse=True)
def defaults() -> Iterator[None]:
    with DEFAULTS.override(nurture=NURTURE, service=ELSEWHERE):
        yield


def test_only_the_workspace_verticals_programs_may_be_enabled(workspace: Workspace) -> None:
    playbook = playbook_for(workspace)
    with pytest.raises(ValidationError) as raised:
        playbook_update(playbook=playbook, sequences_enabled=["nurture", "service"])
    assert raised.value.message_dict == {
        "sequences_enabled": [
            "'service' is not a program of this workspace's vertical (it offers: nurture)."
        ]
    }
    with pytest.raises(ValidationError) as raised:
        playbook_update(playbook=playbook, sequences_enabled=["Not A Key"])
    assert list(raised.value.message_dict) == ["sequences_enabled"]
    assert not Sequence.objects.exists()


def test_a_default_program_must_validate_to_register() -> None:
    broken = DefaultProgram(key="broken", vertical="b2b", name="B", program={"steps": []})
    with pytest.raises(ValidationError):
        register_default(broken)
    assert "broken" not in DEFAULTS


def test_switching_on_creates_and_proposes_then_off_ends_and_on_again_resumes(
    workspace: Workspace,
) -> None:
    proposer, other = approver(workspace, "pat"), approver(workspace, "ava")
    playbook = playbook_for(workspace)
    playbook_update(playbook=playbook, by=proposer, sequences_enabled=["nurture"])
    sequence = Sequence.objects.get(workspace=workspace)
    assert (sequence.key, sequence.default_key, sequence.enabled) == ("nurture", "nurture", True)
    version = sequence.versions.get()
    assert version.state == VersionState.PROPOSED
    action = AgentAction.objects.get(kind=KIND)
    assert action.proposed_by_id == proposer.pk
    assert action.status == ActionStatus.PROPOSED
    action_approve(action=action, user=other)
    assert action_execute(action.pk).status == "succeeded"
    version.refresh_from_db()
    assert version.state == VersionState.APPROVED
    assert PeriodicTask.objects.filter(name=audience_task_name(sequence.pk)).exists()
    (person,) = people(workspace, 1)
    assert members_enrol(version=version, contact_ids=[person.pk]) == 1
    # Saving again with the same choice changes nothing: no second sequence or proposal.
    playbook_update(playbook=playbook, by=proposer, sequences_enabled=["nurture"])
    assert (Sequence.objects.count(), AgentAction.objects.filter(kind=KIND).count()) == (1, 1)

    playbook_update(playbook=playbook, by=proposer, sequences_enabled=[])
    sequence.refresh_from_db()
    assert sequence.enabled is False
    member = SequenceMember.objects.get()
    assert (member.state, member.exit_reason, member.next_due_at) == (
        "exited",
        "switched_off",
        None,
    )
    assert not PeriodicTask.objects.filter(name=audience_task_name(sequence.pk)).exists()
    later = timezone.now()
    assert members_enrol(version=version, contact_ids=[person.pk], now=later) == 0

    playbook_update(playbook=playbook, by=proposer, sequences_enabled=["nurture"])
    sequence.refresh_from_db()
    assert sequence.enabled is True
    assert AgentAction.objects.filter(kind=KIND).count() == 1  # approved already: no new one
    assert PeriodicTask.objects.filter(name=audience_task_name(sequence.pk)).exists()
    assert members_enrol(version=version, contact_ids=[person.pk], now=timezone.now()) == 1

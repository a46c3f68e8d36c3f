"""The dealer's programs in the demo: Lakeside's service manager switches the service reminders
on in the playbook (which proposes the program's first version), the owner approves it, and the
owners whose service is due enter and take their first steps.

Registered with ``como.demo.hooks.seeders`` after the DMS history's seeder (the owners and
their last visits come from it). Idempotent: a second seeding finds the program on and
approved, and enrols nobody twice (an owner is in it at most once at a time, once per visit).
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model

from como.agents.execution import action_execute
from como.agents.models import ActionStatus, AgentAction
from como.agents.playbooks import playbook_update
from como.agents.services import action_approve, playbook_for
from como.demo.automotive import SPEC
from como.sequences.advance import sequences_advance, window_opens
from como.sequences.enrollment import audience_enrol
from como.sequences.models import Sequence, SequenceMember
from como.sequences.steps import WaitStep, program_of
from como.workspaces.models import Workspace
from como.workspaces.roles import Role
from como.workspaces.services import membership_add
from como.workspaces.users import User

from .service import KEY

#: Who switches the program on (and so proposes it): not the owner, who approves it.
SERVICE_MANAGER = "dan.whitaker"
APPROVAL_NOTE = "Demo: the service reminders approved at seeding so owners hear from us."


def _service_manager(workspace: Workspace) -> User:
    users = get_user_model()
    user = users.objects.filter(username=SERVICE_MANAGER).first()
    if user is None:
        user = users.objects.create_user(
            username=SERVICE_MANAGER,
            email=f"{SERVICE_MANAGER}@{SPEC.slug}.example",
            first_name="Dan",
            last_name="Whitaker",
        )
        user.set_unusable_password()
        user.save(update_fields=["password"])
    membership_add(workspace=workspace, user=user, role=Role.MARKETER)
    return user


def _owner(workspace: Workspace) -> User:
    return get_user_model().objects.get(username=SPEC.member_username)


def demo_programs_seed(workspace: Workspace, anchor: datetime) -> list[str]:
    if workspace.slug != SPEC.slug or workspace.vertical != SPEC.vertical:
        return []
    manager = _service_manager(workspace)
    playbook = playbook_for(workspace)
    enabled = list(playbook.sequences_enabled or [])
    if KEY not in enabled:
        playbook_update(
            playbook=playbook,
            by=manager,
            note="Demo: the service department switches its reminders on.",
            sequences_enabled=[*enabled, KEY],
        )
    sequence = Sequence.objects.get(workspace=workspace, default_key=KEY)
    version = sequence.versions.order_by("-number").first()
    assert version is not None
    action = AgentAction.objects.filter(pk=version.approving_action_id).first()
    if action is not None and action.status == ActionStatus.PROPOSED:
        action = action_approve(action=action, user=_owner(workspace), note=APPROVAL_NOTE)
    if action is not None and action.status == ActionStatus.APPROVED:
        action_execute(action.pk)
    entered = audience_enrol(sequence_id=sequence.pk, now=anchor)
    # The members' first step waits for the morning's window; advance them (this sequence's
    # only) to it, where the reminders are proposed, covered by the approval; the gate still
    # times each send by the real clock.
    first = program_of(version.program).steps[0]
    at = anchor
    if isinstance(first, WaitStep) and first.until is not None:
        at = window_opens(first.until, anchor, workspace.time_zone)
    advanced = sequences_advance(now=at, sequence_id=sequence.pk)
    members = SequenceMember.objects.filter(sequence=sequence, state="active").count()
    return [
        f"service reminders: on, approved by {SPEC.member_username} (proposed by "
        f"{SERVICE_MANAGER}); {entered} owners entered, {members} active, "
        f"{advanced.sends} reminders proposed"
    ]

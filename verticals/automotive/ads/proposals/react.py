"""The reaction to one import's diff, and the approver dropping vehicles from a launch."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from como.agents.models import ActionStatus, AgentAction
from como.agents.registry import agent_enabled
from como.agents.services import action_narrow, action_propose
from como.workspaces.models import Workspace
from como.workspaces.principal import principal_for_user
from como.workspaces.roles import Permission
from como.workspaces.users import User

from ...inventory.importing.reactions import InventoryDiff
from ..kinds import AGENT, LAUNCH, PAUSE
from ..studio import Studio
from .common import (
    Reaction,
    preview_of,
)
from .launch import LaunchPart, launch_drafts, launch_parts
from .pause import pause_draft
from .update import update_drafts
from .withdraw import narrowed_payload, waiting_actions_withdraw

# --- the reaction ----------------------------------------------------------------------------


def inventory_ads_react(
    *,
    workspace: Workspace,
    diff: InventoryDiff,
    now: datetime | None = None,
    on_parts: Callable[[Sequence[LaunchPart]], object] | None = None,
) -> Reaction:
    """The agent's answer to one import's diff (nothing when switched off in the playbook).
    Safe to run twice: the idempotency keys name the import, and a decided action is never
    proposed again.

    Two transactions: the pause of the sold and removed vehicles commits first, so its
    execution starts at once, however many waiting proposals the rest must then narrow; the
    withdrawals, launches and updates follow in the second. ``on_parts`` gets the launch's
    later parts (:attr:`Reaction.pending_parts`) as soon as they are named, before the first
    part is rendered: the worker's task hands them to the other processes, which then render
    theirs while this one renders the first (they need nothing this reaction writes)."""
    reaction = Reaction()
    if not agent_enabled(workspace, AGENT):
        return reaction
    now = now or timezone.now()
    studio = Studio.of(workspace)
    proposer = workspace.agent_user
    with transaction.atomic():
        pause = pause_draft(
            studio, (*diff.sold, *diff.removed), f"{PAUSE}:{diff.import_id}", diff.import_id
        )
        if pause is not None:
            reaction.pause = action_propose(
                workspace=workspace, proposer=proposer, draft=pause
            ).action.pk
    parts = launch_parts(diff.import_id, (*diff.created, *diff.returned))
    reaction.pending_parts = parts[1:]
    if on_parts is not None and reaction.pending_parts:
        on_parts(reaction.pending_parts)
    with transaction.atomic():
        _propose_the_rest(studio, diff, parts[:1], now, reaction)
    return reaction


def _propose_the_rest(
    studio: Studio, diff: InventoryDiff, first: list[LaunchPart], now: datetime, reaction: Reaction
) -> None:
    workspace, proposer = studio.workspace, studio.workspace.agent_user
    # Withdraw first: the launches proposed below never feature a vehicle gone.
    waiting_actions_withdraw(
        workspace=workspace, vehicle_ids=(*diff.sold, *diff.removed), reaction=reaction
    )
    for part in first:
        _launch_propose(studio, part, now, reaction)
    for draft in update_drafts(studio, diff, now, reaction):
        reaction.updates.append(
            action_propose(workspace=workspace, proposer=proposer, draft=draft).action.pk
        )


@transaction.atomic
def inventory_ads_launch_part(
    *, workspace: Workspace, part: LaunchPart, now: datetime | None = None
) -> Reaction:
    """One later part of a large launch (:func:`inventory_ads_react` proposes the first and
    names the others). Safe to run twice: the part's proposals are keyed by its number."""
    reaction = Reaction()
    if agent_enabled(workspace, AGENT):
        _launch_propose(Studio.of(workspace), part, now or timezone.now(), reaction)
    return reaction


def _launch_propose(studio: Studio, part: LaunchPart, now: datetime, reaction: Reaction) -> None:
    workspace, proposer = studio.workspace, studio.workspace.agent_user
    for draft in launch_drafts(studio, part, now, reaction):
        reaction.launches.append(
            action_propose(workspace=workspace, proposer=proposer, draft=draft).action.pk
        )


@transaction.atomic
def launch_drop_vehicles(
    *, action: AgentAction, vehicle_ids: Sequence[int], user: User
) -> AgentAction:
    """The approver takes vehicles out of a launch before approving it. The revision is
    recorded in the action's audit trail; the dropped vehicles are listed in ``left_out``."""
    if not principal_for_user(user).can(Permission.APPROVE, action.workspace_id):
        raise PermissionDenied("You may not change actions in this workspace.")
    locked = AgentAction.objects.select_for_update().get(pk=action.pk)
    if locked.kind != LAUNCH:
        raise ValidationError({"action": ["Only a vehicle ads launch lists vehicles to drop."]})
    if locked.status != ActionStatus.PROPOSED:
        raise ValidationError(
            {"action": [f"This action is {locked.status}, not awaiting approval."]}
        )
    payload = locked.payload if isinstance(locked.payload, Mapping) else {}
    listed = set(payload.get("vehicle_ids") or [])
    wanted = {v for v in vehicle_ids if isinstance(v, int) and not isinstance(v, bool)}
    unknown = [v for v in vehicle_ids if v not in listed]
    if unknown or not wanted:
        raise ValidationError(
            {
                "vehicle_ids": [f"Not in this launch: {', '.join(map(str, unknown))}."]
                if unknown
                else ["Name at least one vehicle of the launch."]
            }
        )
    name = user.get_full_name() or user.get_username()
    narrowed = narrowed_payload(payload, wanted, f"dropped by {name}")
    if not narrowed["vehicle_ids"]:
        raise ValidationError(
            {"vehicle_ids": ["That leaves nothing to launch: reject the proposal instead."]}
        )
    action_narrow(
        action=locked,
        payload=narrowed,
        preview=preview_of(narrowed["vehicles"]),
        note=f"Dropped vehicle(s) {', '.join(map(str, sorted(wanted)))} before approval.",
        user=user,
    )
    action.refresh_from_db()
    return action

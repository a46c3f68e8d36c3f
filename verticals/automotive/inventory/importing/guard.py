"""The truncated-feed guard: a full feed that would remove more than the playbook's share of a
rooftop's available vehicles has its removals held for a person to approve.

A feed cut short in transfer (a partial SFTP upload, a provider's bad night) looks exactly like
a dealer who sold most of the lot; taking every missing vehicle's ads down on that word is the
expensive mistake, so the removals wait as an ``inventory_removals_confirm`` action while
everything else in the import applies at once. Approving it removes those of the held vehicles
still available or pending; a later import of the rooftop supersedes it (that feed is newer
news), and the executor then refuses.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from como import verticals
from como.agents.models import AgentAction, Risk
from como.agents.services import ActionDraft, action_propose, playbook_for
from como.rawsql import raw_cursor
from como.workspaces.models import Workspace

from ..models import ImportStatus, InventoryImport
from . import diff
from .locks import lock_workspace_inventory
from .reactions import InventoryDiff, inventory_changed_on_commit

KIND = "inventory_removals_confirm"
DEFAULT_SHARE = 0.30
#: The proposer's name on the action. Not a registered agent: the guard is a safety rail with
#: no switch of its own in the playbook (its share is the knob: 1.0 never holds).
AGENT = "inventory_import"


def removal_hold_share(workspace: Workspace) -> float:
    """The share of a rooftop's available vehicles a full feed may remove without approval:
    the playbook's ``inventory_removal_hold_share``, else the vertical's default, else 0.30."""
    value = getattr(playbook_for(workspace), "inventory_removal_hold_share", None)
    if value is None and verticals.is_registered(workspace.vertical):
        value = verticals.get(workspace.vertical).playbook_defaults.get(
            "inventory_removal_hold_share"
        )
    return DEFAULT_SHARE if value is None else float(value)


def holds(*, removing: int, available: int, share: float) -> bool:
    return available > 0 and removing > share * available


def removals_propose(
    *, record: InventoryImport, vehicle_ids: list[int], available: int, share: float
) -> AgentAction:
    """Propose the held removals of ``record`` (idempotent per import)."""
    workspace = record.workspace
    percent = f"{len(vehicle_ids) / available:.0%}"
    rationale = (
        f"The full feed {record.file_name or '(unnamed)'} leaves out {len(vehicle_ids)} of the "
        f"rooftop's {available} available vehicles ({percent}), more than the playbook's "
        f"{share:.0%}: a truncated file looks like this. Approve only if they really left."
    )
    draft = ActionDraft(
        agent=AGENT,
        kind=KIND,
        idempotency_key=f"{KIND}:{record.pk}",
        rationale=rationale,
        target_type="inventory_import",
        target_id=record.pk,
        payload={
            "import_id": record.pk,
            "rooftop_id": record.rooftop_id,
            "vehicle_ids": vehicle_ids,
            "available": available,
            "share": str(Decimal(str(share))),
        },
        preview=f"Mark {len(vehicle_ids)} vehicles removed ({percent} of the available).",
        risk=Risk.HIGH,
    )
    assert workspace.agent_user is not None
    return action_propose(workspace=workspace, proposer=workspace.agent_user, draft=draft).action


class Superseded(Exception):
    """A newer import of the rooftop came after the held one."""


@transaction.atomic
def removals_confirm_execute(action: AgentAction, idempotency_key: str) -> Mapping[str, Any]:
    """The executor of ``inventory_removals_confirm``: apply the held removals. A second call
    removes nothing more (only vehicles still available or pending are removed)."""
    payload = action.payload or {}
    record = InventoryImport.objects.select_for_update().get(
        pk=int(payload["import_id"]), workspace_id=action.workspace_id
    )
    newer = InventoryImport.objects.filter(
        rooftop_id=record.rooftop_id, started_at__gt=record.started_at
    ).exclude(status__in=[ImportStatus.FAILED, ImportStatus.RUNNING])
    if record.status == ImportStatus.HELD and newer.exists():
        raise Superseded(f"A newer import of the rooftop superseded import {record.pk}.")
    lock_workspace_inventory(action.workspace_id)
    with raw_cursor() as cursor:
        removed = diff.removals_apply(
            cursor,
            workspace_id=action.workspace_id,
            vehicle_ids=[int(i) for i in record.held_removals],
            import_id=record.pk,
            at=timezone.now(),
        )
    counts = dict(record.counts)
    counts["removed"] = int(counts.get("removed", 0)) + len(removed)
    record.counts = counts
    record.status = ImportStatus.SUCCEEDED
    record.save(update_fields=["counts", "status"])
    inventory_changed_on_commit(
        workspace_id=action.workspace_id,
        diff=InventoryDiff(
            import_id=record.pk, rooftop_id=record.rooftop_id, removed=tuple(removed)
        ),
    )
    return {"removed": removed}

"""The inventory-ads agent: registered from the vertical's ``ready()``, woken by the
inventory import's reaction hook, which it answers with a Celery task (the import's commit
must not wait for rendering thousands of creatives)."""

from __future__ import annotations

from como.agents.registry import AgentSpec, register_agent

from ..inventory.importing.reactions import InventoryDiff, register_inventory_changed
from .kinds import AGENT, KINDS

SPEC = AgentSpec(
    key=AGENT,
    name="Inventory ads",
    description="Launches ads for new and back-in-stock vehicles that pass the merchandising "
    "rules (one proposal per rooftop and channel, each vehicle with its creative and "
    "findings), replaces the ads of vehicles whose price, photos or mileage changed, and "
    "pauses a sold vehicle's ads on every channel within seconds of the import.",
    kinds=KINDS,
    triggers=("event",),
)


def on_inventory_changed(workspace_id: int, diff: InventoryDiff) -> None:
    """Called once the import has committed: enqueue the agent's reaction."""
    from .tasks import inventory_ads_react

    inventory_ads_react.delay(
        workspace_id=workspace_id,
        import_id=diff.import_id,
        rooftop_id=diff.rooftop_id,
        created=list(diff.created),
        changed=list(diff.changed),
        sold=list(diff.sold),
        removed=list(diff.removed),
        returned=list(diff.returned),
    )


def register() -> None:
    register_agent(SPEC)
    register_inventory_changed(on_inventory_changed)

    from .execution import register as register_executors

    register_executors()

"""The vertical's Celery tasks, where Celery's autodiscovery looks for them."""

from .ads.tasks import inventory_ads_react, sweep_vehicle_ads
from .coop.tasks import claim_window_warnings
from .inventory.demo.tasks import move_inventory
from .inventory.importing.tasks import import_source

__all__ = [
    "claim_window_warnings",
    "import_source",
    "inventory_ads_react",
    "move_inventory",
    "sweep_vehicle_ads",
]

"""The inventory-ads agent's reaction to an import: what it proposes, and what it withdraws.

- New or back-in-stock vehicles passing the merchandising rules: one ``vehicle_ads_launch``
  per rooftop and channel, each vehicle with its rendered creative; a vehicle whose creative has
  a blocking finding is listed apart (``left_out``) and not launched. A large diff is cut into
  parts (``LaunchPart``): the reaction proposes the first, the workers the others.
- Changed vehicles (price, photos, mileage …) with a live ad: one ``vehicle_ads_update`` per
  channel, before/after per vehicle.
- Sold or removed vehicles: one ``vehicle_ads_pause`` for the import (every channel, and the
  Meta catalog), which the vertical's policy approves on proposal so it runs at once; and every
  waiting action that features them (its ``payload.vehicle_ids``: a queued launch, an email or
  a direct-mail piece) loses them, or is superseded when nothing is left.
"""

from ..feeds.meta import catalog_item_id
from .common import Reaction
from .launch import LaunchPart
from .pause import pause_draft, vehicles_pause_propose
from .react import inventory_ads_launch_part, inventory_ads_react, launch_drop_vehicles
from .withdraw import narrowed_payload, waiting_actions_withdraw

__all__ = [
    "LaunchPart",
    "Reaction",
    "catalog_item_id",
    "inventory_ads_launch_part",
    "inventory_ads_react",
    "launch_drop_vehicles",
    "narrowed_payload",
    "pause_draft",
    "vehicles_pause_propose",
    "waiting_actions_withdraw",
]

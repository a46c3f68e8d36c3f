"""The vehicle catalog feeds the ad platforms fetch, served at como's signed feed URLs
(:mod:`como.channels.feeds`): Meta's automotive inventory catalog (``meta_vehicles``) and
Google's vehicle listings / vehicle ads (``google_vehicles``), each as CSV and XML.

Every row is checked against its platform's required fields (:mod:`.validation`) before it is
written: a vehicle that fails is left out, never sent half-formed, and the reasons are kept
for the admin (:func:`.selectors.feed_exclusions`).
"""

from __future__ import annotations

from como.channels.feeds import register_feed_source

from .google import KEY as GOOGLE_KEY
from .google import source as google_source
from .meta import KEY as META_KEY
from .meta import source as meta_source
from .vehicles import VehicleFeed

#: The vertical's feed sources by key (also in como's feed registry once registered).
VEHICLE_FEEDS: dict[str, VehicleFeed] = {META_KEY: meta_source, GOOGLE_KEY: google_source}


def register() -> None:
    """From the vertical's ``ready()``: serve both feeds at the signed URLs."""
    for key, feed in VEHICLE_FEEDS.items():
        register_feed_source(key, feed)


__all__ = ["GOOGLE_KEY", "META_KEY", "VEHICLE_FEEDS", "register"]

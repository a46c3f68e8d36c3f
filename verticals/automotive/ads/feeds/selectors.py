"""What the feeds had to leave out, and why: for the admin's feed page."""

from __future__ import annotations

from dataclasses import dataclass

from como.workspaces.models import Workspace

from . import VEHICLE_FEEDS


@dataclass(frozen=True)
class FeedExclusion:
    """A vehicle a feed left out, and every reason (a required field missing, a bad VIN)."""

    vehicle_id: int
    vin: str
    stock_number: str
    name: str
    rooftop_id: int
    reasons: tuple[str, ...]


def feed_exclusions(
    workspace: Workspace, source_key: str, *, rooftop_id: int | None = None
) -> list[FeedExclusion]:
    """The vehicles of ``workspace`` (of one rooftop, if given) that the feed ``source_key``
    would leave out on its next fetch. A key that is not a vehicle feed is a ``KeyError``."""
    feed = VEHICLE_FEEDS[source_key]
    return [
        FeedExclusion(
            vehicle_id=judged.listing.vehicle["id"],
            vin=judged.listing.vehicle["vin"],
            stock_number=judged.listing.vehicle["stock_number"],
            name=judged.listing.vehicle["name"],
            rooftop_id=judged.listing.rooftop["id"],
            reasons=judged.reasons,
        )
        for judged in feed.judged(workspace, rooftop_id=rooftop_id)
        if judged.reasons
    ]

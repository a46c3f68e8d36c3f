"""Per-vehicle creative: the vertical's default templates per channel (``specs``), the vehicle
as plain data (``context``), rendering through :func:`como.creative.render_creative`
(``render``) and each creative's compliance report (``checks``)."""

from .checks import CreativeResult, vehicle_creative, vehicles_creative
from .context import rooftop_data, vehicle_data
from .render import templates_for
from .specs import SPECS, CreativeSpec, spec_for_channel

__all__ = [
    "SPECS",
    "CreativeResult",
    "CreativeSpec",
    "rooftop_data",
    "spec_for_channel",
    "templates_for",
    "vehicle_creative",
    "vehicle_data",
    "vehicles_creative",
]

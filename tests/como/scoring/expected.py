"""Expected values computed by hand, independently of the engine under test."""

from __future__ import annotations

from datetime import datetime


def decayed(points: float, t0: datetime, t: datetime) -> float:
    """``points`` made at ``t0`` as counted at ``t``: 25 % decay per 91.3-day quarter."""
    days = (t - t0).total_seconds() / 86_400
    return points * 0.75 ** (days / 91.3)

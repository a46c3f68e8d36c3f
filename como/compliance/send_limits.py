"""The workspace's own limits on marketing sends, as findings: a frequency cap per channel and a
local send window per channel (the playbook's ``frequency_caps`` and ``send_windows``).

Pure functions of what was already sent, the limit and an instant, like :mod:`.quiet_hours`:
the caller (the compliance gate, :mod:`como.agents.send_limits`) reads the message log and the
playbook, these say whether the send waits and until when. Both only ever ``defer``: a cap or a
window is the workspace's choice of *when*, never a reason to drop a person.

Rolling window: a message sent at ``t`` counts against a ``per_days`` cap while
``at < t + per_days``; at ``t + per_days`` exactly it no longer does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .findings import Finding, Severity

CAP_RULE = "playbook.frequency_cap"
WINDOW_RULE = "playbook.send_window"
CAP_CITATION = "The workspace's playbook: frequency_caps"
WINDOW_CITATION = "The workspace's playbook: send_windows"


def cap_frees_at(
    sent: Sequence[datetime], *, max_messages: int, per_days: int, at: datetime
) -> datetime | None:
    """None when one more message at ``at`` stays within ``max_messages`` per ``per_days``
    days; otherwise the first instant it would: when enough of the counted sends have left the
    window to free one slot (with 2 counted and a cap of 2, when the older one leaves)."""
    counted = _counted(sent, per_days=per_days, at=at)
    if len(counted) < max_messages:
        return None
    return (counted[len(counted) - max_messages] + timedelta(days=per_days)).astimezone(UTC)


def _counted(sent: Sequence[datetime], *, per_days: int, at: datetime) -> list[datetime]:
    """The sends inside the rolling window ending at ``at``, oldest first."""
    return sorted(t for t in sent if at - timedelta(days=per_days) < t <= at)


def frequency_cap_finding(
    sent: Sequence[datetime],
    *,
    channel: str,
    max_messages: int,
    per_days: int,
    at: datetime,
) -> Finding | None:
    """A ``defer`` until the cap frees a slot, or None when the message fits under it."""
    until = cap_frees_at(sent, max_messages=max_messages, per_days=per_days, at=at)
    if until is None:
        return None
    counted = _counted(sent, per_days=per_days, at=at)
    return Finding(
        rule=CAP_RULE,
        severity=Severity.DEFER,
        message=f"{len(counted)} marketing {channel} messages went to this person in the last "
        f"{per_days} days, the playbook's cap is {max_messages}; it waits until "
        f"{until:%Y-%m-%d %H:%M} UTC, when the oldest leaves the window.",
        citation=CAP_CITATION,
        fix="Nothing to fix: it is sent when the cap frees a slot. Raise the cap in the "
        "playbook to send more often.",
        evidence={
            "channel": channel,
            "cap": max_messages,
            "per_days": per_days,
            "count": len(counted),
            "oldest_counted": counted[0].astimezone(UTC).isoformat(),
            "at": at.isoformat(),
        },
        defer_until=until,
    )


def is_open(local: time, start: time, end: time) -> bool:
    """Inside ``[start, end)``; a window whose end is before its start runs past midnight, and
    one whose start equals its end is open all day."""
    if start == end:
        return True
    if start < end:
        return start <= local < end
    return local >= start or local < end


def window_opens_at(at: datetime, zone: ZoneInfo, start: time, end: time) -> datetime | None:
    """None when ``at`` is inside the window in ``zone``; otherwise the next opening (aware
    UTC), built as a local wall-clock time so a night the clocks change still opens at
    ``start`` local."""
    local = at.astimezone(zone)
    if is_open(local.time(), start, end):
        return None
    opening = datetime.combine(local.date(), start, tzinfo=zone).astimezone(UTC)
    if opening <= at:
        opening = datetime.combine(local.date() + timedelta(days=1), start, tzinfo=zone).astimezone(
            UTC
        )
    return opening


def send_window_finding(
    *, channel: str, start: time, end: time, zone_name: str, zone_from: str, at: datetime
) -> Finding | None:
    """A ``defer`` until the channel's window opens in the recipient's zone, or None."""
    zone = ZoneInfo(zone_name)
    until = window_opens_at(at, zone, start, end)
    if until is None:
        return None
    window = f"{start:%H:%M}-{end:%H:%M}"
    return Finding(
        rule=WINDOW_RULE,
        severity=Severity.DEFER,
        message=f"It is {at.astimezone(zone):%H:%M} {zone_name} for the recipient, outside the "
        f"playbook's {channel} window {window}; it waits until {until:%Y-%m-%d %H:%M} UTC.",
        citation=WINDOW_CITATION,
        fix="Nothing to fix: it is sent when the window opens. Widen the window in the "
        "playbook to send at other hours.",
        evidence={
            "channel": channel,
            "window": window,
            "time_zone": zone_name,
            "zone_from": zone_from,
            "local_time": f"{at.astimezone(zone):%H:%M}",
            "at": at.isoformat(),
        },
        defer_until=until,
    )

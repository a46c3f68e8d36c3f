"""The playbook's frequency caps and send windows as pure functions of the sends, the limit and
a frozen instant."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from como.compliance.findings import Severity
from como.compliance.send_limits import (
    cap_frees_at,
    frequency_cap_finding,
    is_open,
    send_window_finding,
    window_opens_at,
)

AT = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
CHICAGO = ZoneInfo("America/Chicago")


def test_two_sent_three_days_ago_under_a_cap_of_two_wait_for_the_older_to_leave() -> None:
    older = AT - timedelta(days=3, minutes=5)
    newer = AT - timedelta(days=3)

    finding = frequency_cap_finding(
        [newer, older], channel="sms", max_messages=2, per_days=7, at=AT
    )

    assert finding is not None
    assert finding.severity is Severity.DEFER
    assert finding.defer_until == datetime(2026, 3, 14, 14, 55, tzinfo=UTC)
    assert finding.rule == "playbook.frequency_cap"
    assert dict(finding.evidence) == {
        "channel": "sms",
        "cap": 2,
        "per_days": 7,
        "count": 2,
        "oldest_counted": "2026-03-07T14:55:00+00:00",
        "at": "2026-03-10T15:00:00+00:00",
    }
    assert finding.citation == "The workspace's playbook: frequency_caps"


def test_a_free_slot_or_sends_outside_the_window_do_not_defer() -> None:
    one = [AT - timedelta(days=1)]
    assert cap_frees_at(one, max_messages=2, per_days=7, at=AT) is None
    # Exactly seven days ago has left a seven-day window; a second later has not.
    edge = [AT - timedelta(days=7), AT - timedelta(days=1)]
    assert cap_frees_at(edge, max_messages=2, per_days=7, at=AT) is None
    inside = [AT - timedelta(days=7) + timedelta(seconds=1), AT - timedelta(days=1)]
    assert cap_frees_at(inside, max_messages=2, per_days=7, at=AT) == AT + timedelta(seconds=1)


def test_over_the_cap_waits_until_enough_sends_have_left() -> None:
    # Four counted under a cap of two (the cap was lowered): three must leave before one
    # more fits, the third oldest (4 days ago) last.
    sent = [AT - timedelta(days=d) for d in (6, 5, 4, 1)]
    assert cap_frees_at(sent, max_messages=2, per_days=7, at=AT) == AT + timedelta(days=3)


def test_a_window_across_the_spring_clock_change_opens_at_local_nine() -> None:
    # 2026-03-08 is the night Chicago moves to CDT: 09:00 local is 14:00 UTC that day,
    # 15:00 UTC the day before.
    saturday_night = datetime(2026, 3, 8, 4, 0, tzinfo=UTC)  # 22:00 CST on the 7th
    assert window_opens_at(saturday_night, CHICAGO, time(9), time(17)) == datetime(
        2026, 3, 8, 14, 0, tzinfo=UTC
    )
    friday_night = datetime(2026, 3, 7, 4, 0, tzinfo=UTC)  # 22:00 CST on the 6th
    assert window_opens_at(friday_night, CHICAGO, time(9), time(17)) == datetime(
        2026, 3, 7, 15, 0, tzinfo=UTC
    )
    # 16:59 CDT is inside; 17:00 CDT is not, and waits for tomorrow's 09:00.
    assert (
        window_opens_at(datetime(2026, 3, 9, 21, 59, tzinfo=UTC), CHICAGO, time(9), time(17))
        is None
    )
    assert window_opens_at(
        datetime(2026, 3, 9, 22, 0, tzinfo=UTC), CHICAGO, time(9), time(17)
    ) == datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def test_the_finding_names_the_window_the_zone_and_the_local_time() -> None:
    at = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)  # 06:00 CST, the morning clocks fell back
    finding = send_window_finding(
        channel="email",
        start=time(9),
        end=time(17),
        zone_name="America/Chicago",
        zone_from="number",
        at=at,
    )
    assert finding is not None
    assert finding.defer_until == datetime(2026, 11, 1, 15, 0, tzinfo=UTC)
    assert dict(finding.evidence) == {
        "channel": "email",
        "window": "09:00-17:00",
        "time_zone": "America/Chicago",
        "zone_from": "number",
        "local_time": "06:00",
        "at": "2026-11-01T12:00:00+00:00",
    }


def test_windows_past_midnight_and_all_day() -> None:
    assert is_open(time(23), time(22), time(2))
    assert is_open(time(1, 59), time(22), time(2))
    assert not is_open(time(2), time(22), time(2))
    assert is_open(time(13), time(0), time(0))
    # 03:00 CST, outside 22:00-02:00: opens at 22:00 CST the same day (04:00 UTC next day).
    at = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
    assert window_opens_at(at, CHICAGO, time(22), time(2)) == datetime(
        2026, 1, 16, 4, 0, tzinfo=UTC
    )

"""CPU time of processes by pid, from /proc (Linux): what a request costs where.

On a loaded box a wall-clock rate says little; the CPU each part spends per event (web
workers, drain, PostgreSQL backends, the load generator) says what a quiet box would do.
"""

from __future__ import annotations

import os
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of ``pid`` and its threads; 0.0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


class Meter:
    """CPU spent by a changing set of processes between :meth:`start` and :meth:`stop`.

    A process that dies in between (a killed worker) counts what it spent up to its last
    reading, so each is read on :meth:`sample` as well.
    """

    def __init__(self) -> None:
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}

    def sample(self, pids: list[int]) -> None:
        for pid in pids:
            now = cpu_seconds(pid)
            if now == 0.0 and pid in self.last:
                continue
            self.first.setdefault(pid, now)
            self.last[pid] = now

    def spent(self) -> float:
        return sum(self.last[pid] - self.first[pid] for pid in self.last)

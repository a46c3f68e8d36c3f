"""A full recompute's batches on more than one core: forked processes, one connection each.

A recompute is this process's Python and its PostgreSQL backend taking turns, so on a box of
two cores two processes each running half of the batches take about half the time (bench/
attribution.py). Each batch is its own transaction already, so running them side by side
changes nothing a reader can see. Forking is only safe where nothing is half done: not inside
a transaction (a child could not see its rows) and not in a daemonic process (a Celery prefork
child may not have children): :func:`can_fork` says so, and the caller runs the batches in
turn otherwise.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

from django.db import connection, connections

T = TypeVar("T")


def can_fork() -> bool:
    return not connection.in_atomic_block and not multiprocessing.current_process().daemon


def in_processes(
    job: Callable[..., T], jobs: Iterable[tuple[Any, ...]], workers: int
) -> Iterator[T]:
    """``job(*args)`` for each of ``jobs`` in ``workers`` forked processes; results in order."""
    connections.close_all()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_forget_connections) as pool:
        yield from pool.map(_call, ((job, args) for args in jobs))


def _forget_connections() -> None:
    # A child forked after the parent reopened its connection shares its socket: drop the
    # inherited handle without closing it (closing would end the parent's session).
    for alias in connections:
        connections[alias].connection = None


def _call(item: tuple[Callable[..., T], tuple[Any, ...]]) -> T:
    job, args = item
    return job(*args)

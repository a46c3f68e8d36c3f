"""Checks by key, each scoped to channels, jurisdictions and verticals.

A check is any object with the :class:`Check` attributes that, called with a draft, yields
findings. The generic checks (:mod:`como.compliance.generic`) register from
:class:`~como.compliance.apps.ComplianceConfig`'s ``ready()``; a vertical registers its
own from its ``AppConfig.ready()`` with ``verticals={its slug}``. Adding a check is adding a
module, not editing the engine.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Protocol

from como.registry import Registry

from .drafts import Draft
from .findings import Finding


class Check(Protocol):
    #: Unique, and the prefix of the rule ids it reports ("tcpa.quiet_hours").
    @property
    def key(self) -> str: ...

    #: Channels it applies to; None: every channel.
    @property
    def channels(self) -> frozenset[str] | None: ...

    #: Jurisdiction codes (see :func:`~como.compliance.drafts.jurisdictions_of`) it applies
    #: to; None: everywhere.
    @property
    def jurisdictions(self) -> frozenset[str] | None: ...

    #: Vertical slugs it belongs to; None: every workspace.
    @property
    def verticals(self) -> frozenset[str] | None: ...

    def __call__(self, draft: Draft) -> Iterable[Finding]: ...


def _forget_applicable() -> None:
    _applicable.cache_clear()


#: Checks by key. Every change empties the cache of which checks apply to what.
CHECKS: Registry[Check] = Registry("compliance check", on_change=_forget_applicable)


def register_check(check: Check) -> Check:
    return CHECKS.register(check.key, check)


def unregister_check(key: str) -> None:
    """For tests that register a check of their own."""
    CHECKS.unregister(key)


def registered_checks() -> list[Check]:
    return CHECKS.all()


def checks_for(draft: Draft) -> tuple[Check, ...]:
    """The checks whose scope covers the draft's channel, vertical and jurisdictions."""
    return _applicable(draft.channel, draft.vertical, draft.all_jurisdictions)


@lru_cache(maxsize=4096)
def _applicable(channel: str, vertical: str, jurisdictions: frozenset[str]) -> tuple[Check, ...]:
    return tuple(
        check
        for check in registered_checks()
        if (check.channels is None or channel in check.channels)
        and (check.verticals is None or vertical in check.verticals)
        and (check.jurisdictions is None or not check.jurisdictions.isdisjoint(jurisdictions))
    )

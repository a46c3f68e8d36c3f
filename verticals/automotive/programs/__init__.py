"""The dealer's programs: default sequences the automotive vertical ships, switched on in the
playbook's ``sequences_enabled`` (:mod:`como.sequences.defaults`), with the sources that enrol
their owners and give their messages the vehicle (:mod:`como.sequences.sources`) and their
settings in the playbook's ``programs`` (:mod:`.settings`).

- ``service_reminders`` (:mod:`.service`): next service due by time or mileage.
- ``parts_cross_sell`` (:mod:`.parts`): parts and accessories that fit, after a purchase or a
  service visit (the catalog: :mod:`verticals.automotive.parts`).
- ``trade_in_equity`` (:mod:`.equity`): an upgrade offer naming the vehicle and its equity
  (the money: :mod:`.valuation`).
- ``conquest`` (:mod:`.conquest`): the rooftop's comparable inventory for other makes' shoppers.
- ``ev_education`` (:mod:`.ev`): charging, incentives, cost of ownership, a test drive.

:func:`register` is called from the vertical's ``ready()``; :func:`program_sources` and
:func:`programs` are the lists it registers (the sources first: a program names its source).
"""

from __future__ import annotations

from typing import Any

from como.sequences.defaults import DefaultProgram


def program_sources() -> list[Any]:
    from . import conquest, equity, ev, parts
    from .service import ServiceDue

    return [ServiceDue(), *(m.SOURCE_OBJECT for m in (parts, equity, conquest, ev))]


def programs() -> list[DefaultProgram]:
    from . import conquest, equity, ev, parts
    from .service import PROGRAM_DEFAULT as SERVICE

    return [SERVICE, *(m.PROGRAM_DEFAULT for m in (parts, equity, conquest, ev))]


def register() -> None:
    from como.agents.playbook_settings import register_section
    from como.sequences import sources
    from como.sequences.defaults import register_default

    from .settings import DealerPrograms

    register_section("programs", DealerPrograms)
    for source in program_sources():
        sources.register(source)
    for default in programs():
        register_default(default)

"""The dealer's programs: default sequences the automotive vertical ships and the playbook
switches on (``sequences_enabled``), each a module with its source (who enters, and the plain
data its messages read) and its program.

- ``parts_cross_sell`` (:mod:`.parts`): parts and accessories that fit, after a purchase or a
  service visit.
- ``trade_in_equity`` (:mod:`.equity`): an upgrade offer naming the vehicle and its equity.
- ``conquest`` (:mod:`.conquest`): the rooftop's comparable inventory for shoppers of other
  makes.
- ``ev_education`` (:mod:`.ev`): charging, incentives, cost of ownership, a test drive.

:func:`register` is called from the vertical's ``AppConfig.ready()``.
"""

from __future__ import annotations

from como.sequences.defaults import DefaultProgram, register_default
from como.sequences.models import ReEntry
from como.sequences.sources import register as register_source

from . import conquest, equity, ev, parts

VERTICAL = "automotive"
#: (module, name, re-entry): a program someone finished may start again for a new purchase
#: or visit; the offers and EV lessons are once a person.
PROGRAMS = (
    (parts, "Parts and accessories cross-sell", ReEntry.AFTER_EXIT),
    (equity, "Trade-in and equity offer", ReEntry.NEVER),
    (conquest, "Conquest: comparable inventory for other makes' shoppers", ReEntry.NEVER),
    (ev, "EV education", ReEntry.NEVER),
)


def register() -> None:
    for module, name, re_entry in PROGRAMS:
        register_source(module.SOURCE_OBJECT)
        register_default(
            DefaultProgram(
                key=module.KEY,
                vertical=VERTICAL,
                name=name,
                program=module.PROGRAM,
                re_entry=re_entry,
                description=(module.__doc__ or "").strip().split("\n\n")[0],
            )
        )

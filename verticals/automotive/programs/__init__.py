"""The dealer's programs: default sequences the automotive vertical ships, switched on in the
playbook's ``sequences_enabled`` (:mod:`como.sequences.defaults`), with the sources that enrol
their owners and give their messages the vehicle (:mod:`como.sequences.sources`) and their
settings in the playbook's ``programs`` (:mod:`.settings`).

:func:`register` is called from the vertical's ``ready()``; :func:`program_sources` and
:func:`programs` are the lists it registers (the sources first: a program names its source).
"""

from __future__ import annotations

from typing import Any

from como.sequences.defaults import DefaultProgram


def program_sources() -> list[Any]:
    from .service import ServiceDue

    return [ServiceDue()]


def programs() -> list[DefaultProgram]:
    from .service import PROGRAM_DEFAULT as SERVICE

    return [SERVICE]


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

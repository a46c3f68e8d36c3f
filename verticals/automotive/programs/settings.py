"""The playbook's ``programs`` setting for the automotive vertical: one object per default
program, validated when a playbook is saved (this model is registered for the setting; the
stored value is its JSON dump, defaults filled in). Read with :func:`program_settings`.

Each program's settings are a model of its own, a field of :class:`DealerPrograms` named by the
program's key; a program's module owns its model.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from como.agents.services import playbook_for
from como.workspaces.models import Workspace

from .playbook import ConquestKnobs, EquityKnobs, EvKnobs, PartsKnobs


class ServiceReminderSettings(BaseModel):
    """When the service reminders call an owner in: the next service is due at
    ``interval_months`` after the last (or the purchase) or at ``interval_miles`` driven since
    (estimated from the owner's miles per day), whichever comes first; an owner enters
    ``lead_days`` before it. An owner with no visit for ``lapsed_months`` also gets the
    direct-mail piece."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    interval_months: Annotated[int, Field(ge=1, le=36)] = 6
    interval_miles: Annotated[int, Field(ge=500, le=30_000)] = 5_000
    lead_days: Annotated[int, Field(ge=0, le=90)] = 14
    lapsed_months: Annotated[int, Field(ge=1, le=60)] = 12


class DealerPrograms(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    service_reminders: ServiceReminderSettings = Field(default_factory=ServiceReminderSettings)
    parts_cross_sell: PartsKnobs = Field(default_factory=PartsKnobs)
    trade_in_equity: EquityKnobs = Field(default_factory=EquityKnobs)
    conquest: ConquestKnobs = Field(default_factory=ConquestKnobs)
    ev_education: EvKnobs = Field(default_factory=EvKnobs)


def program_settings(workspace: Workspace) -> DealerPrograms:
    """The workspace's program settings, defaults filled in."""
    return DealerPrograms.model_validate(playbook_for(workspace).programs or {})

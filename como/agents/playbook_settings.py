"""What a playbook understands: its settings as one typed schema, and where each value comes from.

A workspace's effective playbook is three layers, the later winning per setting::

    built-in default  <  its vertical's ``VerticalProfile.playbook_defaults``  <  its own choice

``Playbook.overrides`` holds only the settings the workspace chose, so a setting it never chose
follows its vertical (existing workspaces included, and a vertical's new default reaches them
without a data migration). A vertical's defaults are checked against the same schema: a key
nothing reads fails the vertical contract test and ``manage.py check``.

The settings and who reads them:

- ``auto_approve_kinds``, ``two_approver_kinds``, ``two_approver_spend_above``: the approval
  policy (:func:`como.agents.selectors.required_approvals`).
- ``handoff_sla_minutes``, ``handoff_routing``: the MQL handoff (``como.agents.handoff``).
- ``agents``: per agent, on/off and its schedule (:mod:`como.agents.schedules`).
- ``jurisdictions``, ``quiet_hours``, ``market_radius_miles``: the markets the workspace sells
  in, its own contact window and its market's radius, for the agents that target and time
  messages and ads (read through ``playbook_for(workspace).<name>``).
- ``inventory_removal_hold_share``: a full inventory feed that would remove more than this
  share of a rooftop's available vehicles is held for a person (the automotive import).
- ``channels``, ``frequency_caps``, ``send_windows``, ``sequences_enabled``: the channels the
  workspace uses (None: its vertical's), at most N marketing messages per person per channel in
  a rolling window, each channel's local send window, and the sequences switched on. The caps
  and windows are enforced right before each marketing send (:mod:`como.agents.send_limits`);
  ``sequences_enabled`` names the vertical's default programs switched on (validated against
  them through :data:`VERTICAL_CHECKS`; a save creates or switches their sequences through
  :data:`como.agents.playbooks.PLAYBOOK_SAVED`). Their defaults change nothing.
- ``merchandising``: what a catalog-driven agent advertises (the automotive inventory-ads agent:
  conditions, rooftops, photos, price, days-in-stock bands, channels and placements).
- ``intent``: how third-party intent signals count towards an account (the B2B vertical: the
  surge bar, points per signal, a weekly cap, whether an unknown domain makes an account).
- ``accounts``: B2B accounts and buying committees (accounts found from work email domains,
  the committee's roles, the engagement window and bar).
- ``attribution``: the lookback window, the U-shape (40/20/40, or 50/0/50 as Marketo Measure
  does) and time decay's half-life (:mod:`como.campaigns.attribution`); a save that changes
  them recomputes the stored credit (:data:`como.agents.playbooks.PLAYBOOK_SAVED`).
- ``programs``: the settings of the vertical's default programs (the dealer's service intervals
  and lead window, …), one object per program key.

The shape of ``merchandising``, ``intent``, ``accounts`` and ``programs``
(:data:`VERTICAL_OWNED`) belongs to whoever registered a model for it with :data:`SECTIONS`;
without one each must be an empty object.

This module does not import the models (the model imports it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import time
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from como import verticals
from como.registry import Hooks, Registry

from .models.handoff import HandoffRouting

Kind = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
#: A country (ISO 3166-1 alpha-2), a subdivision (``US-CA``) or a bloc (``EU``).
Jurisdiction = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")]


class Source(StrEnum):
    """Where an effective setting comes from (shown in the admin)."""

    WORKSPACE = "workspace"
    VERTICAL = "vertical"
    BUILT_IN = "built-in"


class QuietHours(BaseModel):
    """The workspace's own contact window, local time; laws may narrow it further."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: time
    end: time


class SendWindow(QuietHours):
    """The local hours one channel may send in (the recipient's time zone)."""


class FrequencyCap(BaseModel):
    """At most ``max_messages`` marketing messages per person on ``channel`` in any
    ``per_days``-day window, across every sequence and campaign."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    channel: Kind
    max_messages: Annotated[int, Field(ge=1, le=1_000)]
    per_days: Annotated[int, Field(ge=1, le=365)]


#: Pydantic models of the settings whose shape a vertical owns, by setting name
#: (``merchandising``): registered from the vertical's ``AppConfig.ready()``, read when a
#: playbook is validated. The stored value is the model's JSON dump, defaults filled in.
SECTIONS: Registry[type[BaseModel]] = Registry("playbook section")
#: The settings whose shape a vertical's registered model owns.
VERTICAL_OWNED: tuple[str, ...] = ("merchandising", "intent", "accounts", "programs")


def register_section(name: str, model: type[BaseModel]) -> type[BaseModel]:
    return SECTIONS.register(name, model)


def _section(name: str, value: Any) -> dict[str, Any]:
    model = SECTIONS.find(name)
    if model is None:
        if value:
            raise ValueError("no installed vertical reads this setting; leave it empty")
        return {}
    try:
        return model.model_validate(value).model_dump(mode="json")
    except ValidationError as error:
        raise ValueError(
            "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" if e["loc"] else e["msg"]
                for e in error.errors()
            )
        ) from None


class AttributionSettings(BaseModel):
    """How attribution credits touches; its defaults are credit.Settings'."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Touches older than this many days before a conversion do not count; None: all count.
    lookback_days: Annotated[int | None, Field(ge=1, le=1_095, strict=True)] = 90
    #: U-shaped weights on first touch / the touches between / lead creation, in percent.
    u_shape: Literal["40/20/40", "50/0/50"] = "40/20/40"
    #: Time decay: a touch this many days before the conversion counts half as much.
    half_life_days: Annotated[Decimal, Field(gt=0, le=365, max_digits=6, decimal_places=3)] = (
        Decimal("7")
    )


class PlaybookSettings(BaseModel):
    """Every setting a playbook has, with its built-in default. Unknown keys are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    auto_approve_kinds: list[Kind] = Field(default_factory=list)
    two_approver_kinds: list[Kind] = Field(default_factory=list)
    two_approver_spend_above: Annotated[
        Decimal | None, Field(ge=0, max_digits=12, decimal_places=2)
    ] = None
    handoff_sla_minutes: Annotated[int, Field(ge=1, le=10_080, strict=True)] = 5
    handoff_routing: HandoffRouting = HandoffRouting.ROUND_ROBIN
    agents: dict[str, Any] = Field(default_factory=dict)
    jurisdictions: list[Jurisdiction] = Field(default_factory=list)
    quiet_hours: QuietHours | None = None
    market_radius_miles: Annotated[int | None, Field(ge=1, le=5_000)] = None
    inventory_removal_hold_share: Annotated[
        Decimal, Field(gt=0, le=1, max_digits=4, decimal_places=3)
    ] = Decimal("0.30")
    channels: list[Kind] | None = None
    frequency_caps: list[FrequencyCap] = Field(default_factory=list, max_length=50)
    send_windows: dict[Kind, SendWindow] = Field(default_factory=dict)
    sequences_enabled: list[Kind] = Field(default_factory=list)
    merchandising: dict[str, Any] = Field(default_factory=dict)
    intent: dict[str, Any] = Field(default_factory=dict)
    accounts: dict[str, Any] = Field(default_factory=dict)
    programs: dict[str, Any] = Field(default_factory=dict)
    attribution: AttributionSettings = Field(default_factory=AttributionSettings)

    @field_validator("frequency_caps")
    @classmethod
    def _one_cap_per_channel(cls, value: list[FrequencyCap]) -> list[FrequencyCap]:
        channels = [cap.channel for cap in value]
        if len(set(channels)) != len(channels):
            raise ValueError("one cap per channel")
        return value

    @field_validator(*VERTICAL_OWNED, mode="before")
    @classmethod
    def _vertical_owned(cls, value: Any, info: ValidationInfo) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise ValueError("must be an object")
        assert info.field_name is not None
        return _section(info.field_name, value)

    @field_validator("agents")
    @classmethod
    def _agents(cls, value: dict[str, Any]) -> dict[str, Any]:
        from .schedules import agents_settings_errors  # schedules imports the models

        errors = agents_settings_errors(value)
        if errors:
            raise ValueError("; ".join(errors))
        return value


#: The setting names, in the schema's order.
SETTINGS: tuple[str, ...] = tuple(PlaybookSettings.model_fields)


def vertical_defaults(vertical: str) -> Mapping[str, Any]:
    """The vertical's playbook defaults; none for a vertical no longer registered."""
    if not verticals.is_registered(vertical):
        return {}
    return verticals.get(vertical).playbook_defaults


#: ``check(vertical, settings) -> {setting: [messages]}``: checks of a higher app for settings
#: whose valid values depend on the workspace's vertical (``sequences_enabled``: the default
#: programs that vertical ships, checked by ``como.sequences``). Registered from ``ready()``;
#: run by :func:`settings_errors` when it is given the vertical, on the settings the schema
#: accepted. ``VERTICAL_CHECKS.override()`` is the test-only reset.
VerticalCheck = Callable[[str, Mapping[str, Any]], Mapping[str, list[str]]]
VERTICAL_CHECKS: Hooks[VerticalCheck] = Hooks()


def settings_errors(values: Mapping[str, Any], vertical: str | None = None) -> dict[str, list[str]]:
    """Messages per setting for ``values`` (a partial settings mapping); empty when valid.
    A key that is not a setting is reported under its own name; ``agents`` lines read as
    :func:`como.agents.schedules.agents_settings_errors` writes them. Given the ``vertical``,
    the :data:`VERTICAL_CHECKS` run too."""
    from .schedules import agents_settings_errors

    found: dict[str, list[str]] = {}
    if "agents" in values:
        agents_errors = agents_settings_errors(values["agents"])
        if agents_errors:
            found["agents"] = agents_errors
    try:
        PlaybookSettings.model_validate({k: v for k, v in values.items() if k not in found})
    except ValidationError as error:
        for problem in error.errors():
            key = str(problem["loc"][0]) if problem["loc"] else "__all__"
            extra = problem["type"] == "extra_forbidden"
            message = "not a playbook setting" if extra else problem["msg"]
            where = ".".join(str(part) for part in problem["loc"][1:])
            found.setdefault(key, []).append(f"{where}: {message}" if where else message)
    if vertical is not None:
        valid = {name: value for name, value in values.items() if name not in found}
        for check in VERTICAL_CHECKS.all():
            for name, problems in check(vertical, valid).items():
                found.setdefault(name, []).extend(problems)
    return found


def effective_settings(vertical: str, overrides: Mapping[str, Any]) -> PlaybookSettings:
    """The settings in effect: built-in defaults, then the vertical's, then the workspace's.
    Raises pydantic's ValidationError when the layers together are invalid."""
    return PlaybookSettings.model_validate({**vertical_defaults(vertical), **overrides})


def sources(vertical: str, overrides: Mapping[str, Any]) -> dict[str, Source]:
    """Where each setting's effective value comes from."""
    defaults = vertical_defaults(vertical)
    return {
        name: Source.WORKSPACE
        if name in overrides
        else Source.VERTICAL
        if name in defaults
        else Source.BUILT_IN
        for name in SETTINGS
    }

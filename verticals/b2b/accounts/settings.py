"""The playbook's ``accounts`` section: accounts found from email domains, the buying committee.

Registered for the ``accounts`` setting (:data:`como.agents.playbook_settings.SECTIONS`), so a
playbook is validated against it when saved and the editor builds its form from it. Read with
:func:`accounts_settings`.

- ``create_from_email``: a contact whose work email's domain has no account yet creates one
  (default yes); with no, contacts are only linked to accounts that exist.
- ``crm_role_attribute``: the contact attribute holding a CRM's buying role (HubSpot's
  ``hs_buying_role``; a multi-select value is ``;``-separated). A value mapped by a role's
  ``hs_buying_roles`` sets the member's role; a person's choice still wins.
- ``roles``: the committee, in inference order (the first role whose ``infer`` matches a
  title's department and level is the member's); each is ``required`` or not and has a
  ``weight`` for the account score. The default is the seven roles of docs/architecture.md,
  "B2B accounts".
- ``scoring``: the account score (:mod:`.scores`): the ICP (industry, employee band,
  country, technologies → fit points), the members' intent weights by level (C-level 200 %,
  VP 150 %, director 125 %, manager 100 %, other 50 %), and the stages' thresholds with the
  MQA's minimum of engaged required roles.
- ``engagement``: a member is engaged at ``t`` when the intent points their own events earned
  in ``(t - window_days, t]``, decayed to ``t`` as the scoring model decays them, reach
  ``min_intent``.
- ``play``: the ABM agent's account play (:class:`AccountPlay`): its parts, the handoff's SLA,
  role → sequence key, the LinkedIn audience kind and segment, the surge window.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from como.workspaces.models import Workspace

from .titles import DEPARTMENT_KEYS, LEVELS, Level

HsBuyingRole = Literal[
    "BLOCKER",
    "BUDGET_HOLDER",
    "CHAMPION",
    "DECISION_MAKER",
    "END_USER",
    "EXECUTIVE_SPONSOR",
    "INFLUENCER",
    "LEGAL_AND_COMPLIANCE",
    "OTHER",
]
RoleKey = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
Department = Literal[DEPARTMENT_KEYS]  # type: ignore[valid-type]


class RoleMatch(BaseModel):
    """Titles of these departments at these levels (an empty list: any)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    departments: list[Department] = Field(default_factory=list)
    levels: list[Level] = Field(default_factory=list)

    def matches(self, department: str, level: str) -> bool:
        return (not self.departments or department in self.departments) and (
            not self.levels or level in self.levels
        )


class CommitteeRole(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: RoleKey
    label: Annotated[str, Field(min_length=1, max_length=60)]
    required: bool = True
    weight: Annotated[Decimal, Field(ge=0, le=10, max_digits=4, decimal_places=2)] = Decimal(1)
    hs_buying_roles: list[HsBuyingRole] = Field(default_factory=list)
    infer: list[RoleMatch] = Field(default_factory=list, max_length=20)


class Engagement(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    window_days: Annotated[int, Field(ge=1, le=365)] = 30
    min_intent: Annotated[float, Field(ge=0, le=100_000)] = 10.0


def _role(key: str, label: str, weight: str, hs: list[str], *infer: RoleMatch) -> CommitteeRole:
    return CommitteeRole.model_validate(
        {
            "key": key,
            "label": label,
            "weight": weight,
            "hs_buying_roles": hs,
            "infer": [match.model_dump() for match in infer],
        }
    )


_TECH = ["engineering", "it", "security", "data"]
#: The seven default roles, in inference order: the functions that own a veto first (legal,
#: procurement, finance), then seniority, then the solution's own departments.
DEFAULT_ROLES: tuple[CommitteeRole, ...] = (
    _role(
        "legal_compliance",
        "Legal & compliance",
        "0.75",
        ["LEGAL_AND_COMPLIANCE"],
        RoleMatch(departments=["legal", "compliance"]),
    ),
    _role("procurement", "Procurement", "0.75", [], RoleMatch(departments=["procurement"])),
    _role(
        "economic_buyer",
        "Economic buyer",
        "1.5",
        ["BUDGET_HOLDER"],
        RoleMatch(departments=["finance"], levels=["c_level", "vp", "director"]),
        RoleMatch(levels=["vp"]),
    ),
    _role(
        "executive_sponsor",
        "Executive sponsor",
        "1.5",
        ["EXECUTIVE_SPONSOR", "DECISION_MAKER"],
        RoleMatch(levels=["c_level"]),
    ),
    _role(
        "champion",
        "Champion",
        "1.25",
        ["CHAMPION"],
        RoleMatch(departments=_TECH, levels=["director", "manager"]),
    ),
    _role(
        "technical_evaluator",
        "Technical evaluator",
        "1",
        ["INFLUENCER"],
        RoleMatch(departments=["engineering", "it", "security"], levels=["other"]),
    ),
    _role(
        "end_user",
        "End user",
        "0.5",
        ["END_USER"],
        RoleMatch(departments=["data", "marketing", "operations", "product"], levels=["other"]),
    ),
)


PlayPart = Literal["handoff", "sequence", "audience"]
PLAY_PARTS: tuple[str, ...] = ("handoff", "sequence", "audience")
SequenceKey = Annotated[str, Field(pattern=r"^[-a-zA-Z0-9_]+$", max_length=64)]


def _all_parts() -> list[PlayPart]:
    return ["handoff", "sequence", "audience"]


class AccountPlay(BaseModel):
    """The ABM agent's account play (:mod:`verticals.b2b.abm`): which parts it proposes, the
    handoff's SLA, each engaged role's sequence (by the sequence's key), the LinkedIn audience
    of the missing roles (a company list by domain, or the contacts holding those roles) and
    its DMP segment, and how long an account counts as already surging."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    parts: list[PlayPart] = Field(default_factory=lambda: _all_parts(), max_length=3)
    sla_hours: Annotated[int, Field(ge=1, le=720, strict=True)] = 24
    sequences: dict[RoleKey, SequenceKey] = Field(default_factory=dict, max_length=30)
    audience: Literal["companies", "contacts"] = "companies"
    linkedin_segment: Annotated[str, Field(pattern=r"^[0-9]{0,20}$")] = ""
    surge_window_days: Annotated[int, Field(ge=1, le=90, strict=True)] = 14

    @field_validator("parts")
    @classmethod
    def _parts_once(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("each part once")
        return value


Points = Annotated[float, Field(ge=-1000, le=1000, allow_inf_nan=False)]
Label = Annotated[str, Field(min_length=1, max_length=100)]


class IcpValues(BaseModel):
    """``points`` when the account's value is one of ``values`` (compared case-insensitively)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    values: Annotated[list[Label], Field(min_length=1, max_length=100)]
    points: Points

    def matches(self, value: str) -> bool:
        return value.strip().casefold() in {v.strip().casefold() for v in self.values}


class EmployeeBand(BaseModel):
    """``points`` for ``min`` ≤ employees ≤ ``max`` (no ``max``: no upper bound)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min: Annotated[int, Field(ge=0)] = 0
    max: Annotated[int, Field(ge=0)] | None = None
    points: Points

    def matches(self, employees: int) -> bool:
        return self.min <= employees and (self.max is None or employees <= self.max)

    @property
    def label(self) -> str:
        return f"{self.min}+" if self.max is None else f"{self.min}-{self.max}"


class Icp(BaseModel):
    """The ideal customer profile: an account's fit is the sum of the first matching item of
    each criterion (industry, employee band, country) plus every matching technology item (read
    from the account attribute ``technologies_attribute``, a list of names)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    industries: Annotated[list[IcpValues], Field(max_length=50)] = Field(default_factory=list)
    employee_bands: Annotated[list[EmployeeBand], Field(max_length=20)] = Field(
        default_factory=list
    )
    countries: Annotated[list[IcpValues], Field(max_length=50)] = Field(default_factory=list)
    technologies: Annotated[list[IcpValues], Field(max_length=50)] = Field(default_factory=list)
    technologies_attribute: Annotated[str, Field(min_length=1, max_length=64)] = "technologies"


#: Northwind Cloud's profile (a cloud data platform): mid-market and enterprise software,
#: finance and retail in its sales countries, running the data stacks it integrates with.
DEFAULT_ICP = Icp.model_validate(
    {
        "industries": [
            {"values": ["Software", "SaaS", "Computer Software"], "points": 20},
            {"values": ["Financial Services", "Banking", "Insurance"], "points": 15},
            {"values": ["Retail", "E-commerce", "Healthcare"], "points": 10},
        ],
        "employee_bands": [
            {"min": 50, "max": 199, "points": 5},
            {"min": 200, "max": 999, "points": 15},
            {"min": 1000, "max": 4999, "points": 25},
            {"min": 5000, "points": 20},
        ],
        "countries": [
            {"values": ["US", "CA"], "points": 10},
            {"values": ["GB", "DE", "NL", "FR", "IE"], "points": 8},
        ],
        "technologies": [
            {"values": ["Snowflake", "Databricks", "BigQuery"], "points": 10},
            {"values": ["AWS", "GCP", "Azure"], "points": 5},
        ],
    }
)

Percent = Annotated[int, Field(ge=0, le=1000, strict=True)]


class LevelWeights(BaseModel):
    """How much of a member's decayed intent counts towards the account, by level, in %."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    c_level: Percent = 200
    vp: Percent = 150
    director: Percent = 125
    manager: Percent = 100
    other: Percent = 50

    def of(self, level: str) -> float:
        """The weight of ``level`` as a factor (an unknown level weighs as "other")."""
        percent = getattr(self, level, None) if level in LEVELS else None
        return (self.other if percent is None else percent) / 100


#: The stages, in order. Up to ``mqa`` they follow the score (and, for ``mqa``, coverage);
#: ``opportunity`` and ``customer`` follow the account's deals.
STAGES: tuple[str, ...] = ("target", "aware", "engaged", "mqa", "opportunity", "customer")


class Stages(BaseModel):
    """Score thresholds of the stages (an account only moves forward), and the MQA's roles: an
    account is an MQA when its score reaches ``mqa`` and at least ``mqa_min_roles`` required
    committee roles have an engaged member."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    aware: Points = 10
    engaged: Points = 40
    mqa: Points = 100
    mqa_min_roles: Annotated[int, Field(ge=0, le=30, strict=True)] = 4

    @model_validator(mode="after")
    def _ascending(self) -> Stages:
        if not self.aware <= self.engaged <= self.mqa:
            raise ValueError("thresholds must not decrease: aware ≤ engaged ≤ mqa")
        return self


class AccountScoring(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    icp: Icp = Field(default_factory=lambda: DEFAULT_ICP)
    level_weights: LevelWeights = Field(default_factory=LevelWeights)
    stages: Stages = Field(default_factory=Stages)


class AccountsSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    create_from_email: bool = True
    crm_role_attribute: Annotated[str, Field(min_length=1, max_length=64)] = "hs_buying_role"
    roles: Annotated[list[CommitteeRole], Field(min_length=1, max_length=30)] = Field(
        default_factory=lambda: list(DEFAULT_ROLES),
        description="The committee, in inference order: a list of {key, label, required, "
        "weight (0-10, the account score's), hs_buying_roles (HubSpot values mapped to the "
        "role), infer: [{departments, levels}]}. At least one role; each key once.",
    )
    engagement: Engagement = Field(default_factory=Engagement)
    scoring: AccountScoring = Field(default_factory=AccountScoring)
    play: AccountPlay = Field(default_factory=AccountPlay)

    @model_validator(mode="after")
    def _play_roles(self) -> AccountsSettings:
        keys = {role.key for role in self.roles}
        unknown = sorted(set(self.play.sequences) - keys)
        if unknown:
            raise ValueError(f"play.sequences: not committee roles: {', '.join(unknown)}")
        return self

    @field_validator("roles")
    @classmethod
    def _unique_keys(cls, value: list[CommitteeRole]) -> list[CommitteeRole]:
        keys = [role.key for role in value]
        if len(set(keys)) != len(keys):
            duplicated = sorted({key for key in keys if keys.count(key) > 1})
            raise ValueError(f"each role key once: {', '.join(duplicated)} is repeated")
        mapped = [hs for role in value for hs in role.hs_buying_roles]
        if len(set(mapped)) != len(mapped):
            raise ValueError("each hs_buying_role value maps to one role at most")
        return value

    def role(self, key: str) -> CommitteeRole | None:
        return next((role for role in self.roles if role.key == key), None)

    def infer_role(self, department: str, level: str) -> str:
        """The first role whose rules match; "" when none does."""
        for role in self.roles:
            if any(match.matches(department, level) for match in role.infer):
                return role.key
        return ""

    def crm_role(self, value: object) -> str | None:
        """The role a CRM value maps to: a key, "" (a value no role takes, e.g. BLOCKER), or
        None when there is no usable value (then the title decides)."""
        if not isinstance(value, str) or not value.strip():
            return None
        values = [part.strip().upper() for part in value.split(";") if part.strip()]
        for role in self.roles:
            if any(hs in role.hs_buying_roles for hs in values):
                return role.key
        return ""


def accounts_settings(workspace: Workspace) -> AccountsSettings:
    """The workspace's effective ``accounts`` section (its vertical's or the defaults)."""
    from como.agents.services import playbook_for

    return AccountsSettings.model_validate(playbook_for(workspace).accounts or {})


__all__ = [
    "LEVELS",
    "PLAY_PARTS",
    "AccountPlay",
    "AccountsSettings",
    "CommitteeRole",
    "accounts_settings",
]

"""Merchandising rules: which vehicles the inventory-ads agent advertises, where, and how the
age of a unit shows in its proposal. Held in the playbook's ``merchandising`` setting (this
model is registered for it, so a playbook is validated against it when saved) and read with
:func:`rules_for`.

- ``conditions``: new, used, cpo (all by default); ``rooftops``: store codes or dealer ids
  (empty: every rooftop).
- ``min_photos`` (1), ``price_required`` (yes), ``exclude_pending`` (yes).
- ``age_bands``: days in stock → a label, a suggested budget multiplier and whether the unit is
  flagged as aged in the proposal; the first band whose range holds the age applies.
- ``channels``: the ad channels to use; ``placements``: per channel, where the ads go (the Meta
  ad set and catalog, the Google Ads ad group).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from como.workspaces.models import Workspace

from ..inventory.models import VehicleStatus
from .kinds import AD_CHANNELS

ConditionKey = Literal["new", "used", "cpo"]
CONDITIONS: tuple[ConditionKey, ...] = ("new", "used", "cpo")
Digits = Annotated[str, Field(pattern=r"^\d{1,20}$")]


class AgeBand(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: Annotated[str, Field(min_length=1, max_length=40)]
    min_days: Annotated[int, Field(ge=0, le=3_650)] = 0
    #: Inclusive; None: no upper bound.
    max_days: Annotated[int | None, Field(ge=0, le=3_650)] = None
    budget_multiplier: Annotated[Decimal, Field(gt=0, le=10, max_digits=4, decimal_places=2)] = (
        Decimal("1.00")
    )
    aged: bool = False

    @model_validator(mode="after")
    def _range(self) -> AgeBand:
        if self.max_days is not None and self.max_days < self.min_days:
            raise ValueError("max_days is before min_days")
        return self

    def holds(self, days: int) -> bool:
        return days >= self.min_days and (self.max_days is None or days <= self.max_days)


class SocialPlacement(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    adset_id: Digits | None = None
    #: The Facebook Page the ads speak as, when not the channel account's sender.
    page_id: Digits | None = None
    catalog_id: Digits | None = None
    status: Literal["ACTIVE", "PAUSED"] = "ACTIVE"
    call_to_action: str = "LEARN_MORE"


class SearchPlacement(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: A resource name (customers/…/adGroups/…) or the ad group's id.
    ad_group: Annotated[str, Field(pattern=r"^(\d{1,20}|customers/\d{1,20}/adGroups/\d{1,20})$")]
    status: Literal["ENABLED", "PAUSED"] = "ENABLED"


class Placements(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    paid_social: SocialPlacement | None = None
    paid_search: SearchPlacement | None = None


def _default_bands() -> list[AgeBand]:
    return [
        AgeBand(label="fresh", min_days=0, max_days=30),
        AgeBand(label="seasoned", min_days=31, max_days=60, budget_multiplier=Decimal("1.25")),
        AgeBand(label="aged", min_days=61, budget_multiplier=Decimal("1.50"), aged=True),
    ]


class MerchandisingRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    conditions: list[ConditionKey] = Field(default_factory=lambda: list(CONDITIONS))
    rooftops: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(default_factory=list)
    min_photos: Annotated[int, Field(ge=0, le=100)] = 1
    price_required: bool = True
    exclude_pending: bool = True
    age_bands: list[AgeBand] = Field(default_factory=_default_bands, max_length=20)
    channels: list[Literal["paid_social", "paid_search"]] = Field(
        default_factory=lambda: list(AD_CHANNELS)  # type: ignore[arg-type]
    )
    placements: Placements = Field(default_factory=Placements)

    def band(self, days: int) -> AgeBand | None:
        return next((band for band in self.age_bands if band.holds(days)), None)


def rules_for(workspace: Workspace) -> MerchandisingRules:
    """The workspace's rules: its playbook's ``merchandising``, defaults filled in."""
    from como.agents.services import playbook_for

    return rules_of(playbook_for(workspace))


def rules_of(playbook: Any) -> MerchandisingRules:
    """The rules of a playbook read already (:func:`rules_for` without its query)."""
    return MerchandisingRules.model_validate(playbook.merchandising or {})


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a vehicle is advertised, and why not (the reasons the proposal lists)."""

    ok: bool
    reasons: tuple[str, ...] = ()
    days_in_stock: int = 0
    band: AgeBand | None = None


def days_in_stock(vehicle: Mapping[str, Any], now: datetime) -> int:
    since = vehicle.get("received_at") or vehicle.get("first_seen_at")
    return max(0, (now - since).days) if since else 0


def judge(rules: MerchandisingRules, vehicle: Mapping[str, Any], *, now: datetime) -> Verdict:
    """The rules applied to one vehicle's plain data (``vehicle_data``'s keys, plus
    ``rooftop_codes``: its rooftop's store code and dealer id)."""
    reasons = []
    status = vehicle.get("status")
    if status in (VehicleStatus.SOLD, VehicleStatus.REMOVED):
        reasons.append(f"it is {status}")
    if status == VehicleStatus.PENDING and rules.exclude_pending:
        reasons.append("a deal is pending on it")
    if vehicle.get("condition") not in rules.conditions:
        reasons.append(f"{vehicle.get('condition')} vehicles are not advertised")
    if rules.rooftops and not set(vehicle.get("rooftop_codes") or ()) & set(rules.rooftops):
        reasons.append("its rooftop is not advertised")
    photos = len(vehicle.get("photos") or ())
    if photos < rules.min_photos:
        reasons.append(f"{photos} photo(s), at least {rules.min_photos} needed")
    if rules.price_required and not vehicle.get("price"):
        reasons.append("it has no price")
    days = days_in_stock(vehicle, now)
    return Verdict(not reasons, tuple(reasons), days, rules.band(days))

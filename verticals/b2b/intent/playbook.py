"""The playbook's ``intent`` setting: how intent signals count towards an account.

- ``surge_bar`` (default 60, Bombora's "surging"): a signal scoring at least this adds to the
  account's intent; below it the signal is stored and listed, and adds nothing.
- ``points_per_score`` (default 0.25): a surge adds ``score * points_per_score`` intent points
  when it occurs (a score of 80 adds 20, a pricing-page view's worth in the default B2B model),
  decayed from then on like a contact's intent.
- ``max_surges_per_week`` (default 3): per account and ISO week only the highest surges count
  (a provider reporting twenty topics surging is one account in market, not twenty); the rest
  are listed as capped.
- ``create_accounts`` (default off): a signal for a domain the workspace has no account of
  creates a target account of that domain; off, it is stored unlinked and linked when the
  account appears.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

SETTING = "intent"


class IntentSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    surge_bar: Annotated[int, Field(ge=0, le=100, strict=True)] = 60
    points_per_score: Annotated[float, Field(ge=0, le=10, allow_inf_nan=False)] = 0.25
    max_surges_per_week: Annotated[int, Field(ge=1, le=100, strict=True)] = 3
    create_accounts: bool = False


def intent_settings(stored: object) -> IntentSettings:
    """The settings from the playbook's stored value (already validated; {} is the defaults)."""
    return IntentSettings.model_validate(stored or {})

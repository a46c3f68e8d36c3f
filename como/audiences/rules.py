"""An audience rule as validated data, and its compilation to one ORM query.

Every criterion given must hold (AND); a rule names at least one. The query is built from
``Q``, ``Exists`` and a correlated subquery, so PostgreSQL answers who is in the audience in one
statement whatever its size: no person is ever judged in Python.

- ``stages``: the lifecycle stage is one of these.
- ``score_at_least`` / ``score_below``: the stored score, fit plus intent as of its last
  scoring (the same figure a sequence's score branch reads; intent's decay since then is not
  applied, which only matters for contacts with no event for months).
- ``event``: at least one event of ``type`` within the last ``within_days`` days whose
  properties hold ``properties`` (JSON containment: exactly these values).
- ``consented``: the latest consent ledger entry for each of these channels is a grant that
  has not expired (suppressions are the send-time gate's, which reads hashed addresses).
- ``countries``: ISO 3166 alpha-2 codes of the contact's country.
- ``attributes``: the contact's attributes hold exactly these values.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, model_validator

from como.consent.models import ConsentAction, ConsentRecord
from como.consent.state import Channel
from como.leads.models import Contact, Event, LifecycleStage

Scalar = str | int | float | bool
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
_STAGES = frozenset(s.value for s in LifecycleStage)
_CHANNELS = frozenset(c.value for c in Channel)


class EventCriterion(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str = Field(min_length=1, max_length=64)
    within_days: int = Field(ge=1, le=3660)
    properties: dict[str, Scalar] = Field(default_factory=dict, max_length=20)


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    stages: list[str] = Field(default_factory=list, max_length=len(_STAGES))
    score_at_least: float | None = Field(default=None, allow_inf_nan=False)
    score_below: float | None = Field(default=None, allow_inf_nan=False)
    event: EventCriterion | None = None
    consented: list[str] = Field(default_factory=list, max_length=len(_CHANNELS))
    countries: list[Country] = Field(default_factory=list, max_length=250)
    attributes: dict[str, Scalar] = Field(default_factory=dict, max_length=20)

    @model_validator(mode="after")
    def _sound(self) -> Rule:
        if unknown := sorted(set(self.stages) - _STAGES):
            raise ValueError(f"unknown stages {unknown}; known: {sorted(_STAGES)}")
        if unknown := sorted(set(self.consented) - _CHANNELS):
            raise ValueError(f"unknown consent channels {unknown}; known: {sorted(_CHANNELS)}")
        low, high = self.score_at_least, self.score_below
        if low is not None and high is not None and low >= high:
            raise ValueError("score_at_least must be below score_below")
        if all(value in (None, [], {}) for _, value in self):
            raise ValueError("a rule needs at least one criterion")
        return self


_RULE = TypeAdapter(Rule)


def rule_of(data: Any) -> Rule:
    """The rule from stored or posted JSON; pydantic's ValidationError otherwise."""
    return _RULE.validate_python(data)


def _granted(channel: str, now: datetime) -> Q:
    # The contact's latest entry for the channel (two levels out: inside the Exists below).
    latest = ConsentRecord.objects.filter(
        contact=OuterRef(OuterRef("pk")), channel=channel, at__lte=now
    ).order_by("-at", "-id")
    return Q(
        Exists(
            ConsentRecord.objects.filter(
                pk=Subquery(latest.values("pk")[:1]), action=ConsentAction.GRANT
            ).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        )
    )


def rule_contacts(rule: Rule, *, workspace_id: int, now: datetime) -> QuerySet[Contact]:
    """The workspace's contacts the rule selects, as one lazy query."""
    contacts = Contact.objects.filter(workspace_id=workspace_id)
    where = Q()
    if rule.stages:
        where &= Q(lifecycle_stage__in=rule.stages)
    if rule.score_at_least is not None or rule.score_below is not None:
        contacts = contacts.alias(stored_score=F("score__score_fit") + F("score__score_intent"))
        if rule.score_at_least is not None:
            where &= Q(stored_score__gte=rule.score_at_least)
        if rule.score_below is not None:
            where &= Q(stored_score__lt=rule.score_below)
    if rule.event is not None:
        events = Event.objects.filter(
            contact=OuterRef("pk"),
            type=rule.event.type,
            occurred_at__gte=now - timedelta(days=rule.event.within_days),
        )
        if rule.event.properties:
            events = events.filter(properties__contains=rule.event.properties)
        where &= Q(Exists(events))
    for channel in rule.consented:
        where &= _granted(channel, now)
    if rule.countries:
        where &= Q(country__in=rule.countries)
    if rule.attributes:
        where &= Q(attributes__contains=rule.attributes)
    return contacts.filter(where)

"""One intent signal as a sender gives it (API, webhook, a CSV row), validated with pydantic into
a :class:`SignalRow` or field errors.

The fields, as 6sense and Bombora name the facts: ``provider``,
``domain`` (the account's; a URL or ``www.`` is reduced to the domain as accounts store it),
``topic`` (Bombora's; empty for a company-level score such as 6sense's), ``score`` 0-100,
``buying_stage`` (6sense's Target … Purchase), ``week`` (the Monday of an ISO week, as
``2026-11-30`` or ``2026-W49``) and/or ``observed_at`` (an instant with its offset; the week is
then its ISO week in UTC, and a ``week`` sent with it must agree), ``keywords``,
``profile_fit`` (strong, moderate, weak) and ``profile_score`` 0-100.

Errors are ``{"field": ["message"]}`` as the events API reports them
(:func:`como.ingest.schema.field_errors`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError, to_json

from como import jsonsafe
from como.ingest.schema import NO_NUL, field_errors
from como.leads.normalize import normalize_domain
from como.workspaces.validators import EARLIEST

from .models import PROVIDER_PATTERN, BuyingStage, ProfileFit

MAX_KEYWORDS = 50
MAX_PAYLOAD_BYTES = 8 * 1024
#: How far ahead of the receiving clock a reading may be (clock skew, not forecasts).
FUTURE_TOLERANCE = timedelta(days=1)
_ISO_WEEK = re.compile(r"^(\d{4})-?W(\d{2})$")


def _provider(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip().lower()
        if not re.match(PROVIDER_PATTERN, value):
            raise PydanticCustomError(
                "provider", "A lowercase key of up to 32 letters, digits, _ . - (6sense, bombora)."
            )
    return value


Provider = Annotated[
    str, BeforeValidator(_provider), Field(description="The provider's key: 6sense, bombora, …")
]
Percent = Annotated[int, Field(strict=True, ge=0, le=100)]
Keyword = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


def _domain(value: str) -> str:
    try:
        domain = normalize_domain(value)
    except DjangoValidationError:
        raise PydanticCustomError("domain", "Give the account's domain: example.com.") from None
    if len(domain) > 253:
        raise PydanticCustomError("domain", "A domain name has at most 253 characters.")
    return domain


def _choice(choices: type[BuyingStage] | type[ProfileFit]) -> Any:
    def pick(value: Any) -> str:
        if value is None:
            return ""
        if not isinstance(value, str):
            raise PydanticCustomError("choice", "Must be a string.")
        key = value.strip().lower()
        if key and key not in choices.values:
            raise PydanticCustomError(
                "choice", "One of {options} (any case).", {"options": ", ".join(choices.values)}
            )
        return key

    return BeforeValidator(pick)


def _week(value: Any) -> Any:
    if isinstance(value, str) and (match := _ISO_WEEK.match(value.strip())):
        try:
            return date.fromisocalendar(int(match[1]), int(match[2]), 1)
        except ValueError:
            raise PydanticCustomError("week", "No such ISO week.") from None
    if isinstance(value, int | float):
        raise PydanticCustomError("week", "Give the week's Monday (2026-11-30) or 2026-W49.")
    return value


def _monday(value: date, info: ValidationInfo) -> date:
    if value.isoweekday() != 1:
        raise PydanticCustomError(
            "week",
            "A week is given by its Monday (ISO 8601); {day} is a {weekday}.",
            {"day": value.isoformat(), "weekday": value.strftime("%A")},
        )
    _in_range(datetime.combine(value, time(), UTC), info)
    return value


def _instant(value: Any) -> Any:
    if isinstance(value, int | float):
        raise PydanticCustomError(
            "datetime_format", "Send an ISO 8601 timestamp such as 2026-01-01T10:00:00Z."
        )
    return value


def _aware(value: datetime, info: ValidationInfo) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise PydanticCustomError("datetime_naive", "Give a timezone: end with Z or +01:00.")
    try:
        value = value.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError("datetime_range", "Out of range once converted to UTC.") from None
    _in_range(value, info)
    return value


def _optional(check: Any) -> Any:
    def run(value: Any, info: ValidationInfo) -> Any:
        return None if value is None else check(value, info)

    return run


def _in_range(value: datetime, info: ValidationInfo) -> None:
    now = (info.context or {}).get("now") or datetime.now(UTC)
    if value > now + FUTURE_TOLERANCE:
        raise PydanticCustomError("future", "Must not be in the future.")
    if value < EARLIEST:
        raise PydanticCustomError("past", "Must not be before 1970.")


class SignalIn(BaseModel):
    """One intent signal. ``week`` or ``observed_at`` is required; the pair (provider, domain,
    topic, week) is its idempotency key: sending it again updates the stored reading."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    provider: Provider
    domain: Annotated[
        str, StringConstraints(max_length=2000, pattern=NO_NUL), AfterValidator(_domain)
    ]
    topic: Annotated[str, StringConstraints(max_length=200, pattern=NO_NUL)] = ""
    score: Percent = Field(description="0-100 (6sense company_intent_score, Bombora composite).")
    buying_stage: Annotated[str, _choice(BuyingStage)] = ""
    week: Annotated[date | None, BeforeValidator(_week), AfterValidator(_optional(_monday))] = None
    observed_at: Annotated[
        datetime | None, BeforeValidator(_instant), AfterValidator(_optional(_aware))
    ] = None
    keywords: Annotated[
        list[Annotated[Keyword, StringConstraints(pattern=NO_NUL)]], Field(max_length=MAX_KEYWORDS)
    ] = Field(default_factory=list)
    profile_fit: Annotated[str, _choice(ProfileFit)] = ""
    profile_score: Percent | None = None

    @model_validator(mode="after")
    def _when(self) -> SignalIn:
        if self.week is None and self.observed_at is None:
            raise PydanticCustomError("when", "Give week (its Monday) or observed_at, or both.")
        if (
            self.week is not None
            and self.observed_at is not None
            and week_of(self.observed_at) != self.week
        ):
            raise PydanticCustomError(
                "when", "observed_at is not in the given week (ISO weeks, UTC)."
            )
        return self


def week_of(instant: datetime) -> date:
    """The Monday of the ISO week ``instant`` falls in, in UTC."""
    day = instant.astimezone(UTC).date()
    return day - timedelta(days=day.isoweekday() - 1)


@dataclass(frozen=True)
class SignalRow:
    """A valid signal as stored (see :class:`~.models.IntentSignal`)."""

    provider: str
    domain: str
    topic: str
    score: int
    buying_stage: str
    week: date
    observed_at: datetime | None
    occurred_at: datetime
    keywords: tuple[str, ...]
    profile_fit: str
    profile_score: int | None
    payload: dict[str, Any]

    @property
    def key(self) -> tuple[str, str, str, date]:
        return (self.provider, self.domain, self.topic, self.week)


signal_adapter: TypeAdapter[SignalIn] = TypeAdapter(SignalIn)
Errors = dict[str, list[str]]


def signal_validate(
    item: Any, *, now: datetime, provider: str | None = None
) -> tuple[SignalRow, None] | tuple[None, Errors]:
    """``(row, None)`` or ``(None, field errors)``. ``provider`` is the sender's when it is known
    (a webhook is one provider's): an item may then leave it out, and may not name another."""
    if not isinstance(item, dict):
        return None, {"non_field_errors": ["Each signal must be a JSON object."]}
    if found := jsonsafe.problems(item):
        return None, found
    if len(to_json(item)) > MAX_PAYLOAD_BYTES:
        return None, {"non_field_errors": [f"At most {MAX_PAYLOAD_BYTES} bytes as JSON."]}
    if provider is not None:
        given = item.get("provider", provider)
        if given != provider:
            return None, {"provider": [f"This webhook takes {provider}'s signals only."]}
        item = {**item, "provider": provider}
    try:
        signal = signal_adapter.validate_python(item, context={"now": now})
    except ValidationError as error:
        return None, field_errors(error)
    week = signal.week or week_of(signal.observed_at)  # type: ignore[arg-type]
    occurred = signal.observed_at or datetime.combine(week, time(), UTC)
    return (
        SignalRow(
            provider=signal.provider,
            domain=signal.domain,
            topic=signal.topic,
            score=signal.score,
            buying_stage=signal.buying_stage,
            week=week,
            observed_at=signal.observed_at,
            occurred_at=occurred,
            keywords=tuple(signal.keywords),
            profile_fit=signal.profile_fit,
            profile_score=signal.profile_score,
            payload=item,
        ),
        None,
    )

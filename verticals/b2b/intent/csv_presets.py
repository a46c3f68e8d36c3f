"""The CSV layouts of intent exports, recognised from the header row.

- ``canonical``: the API's field names (``provider``, ``domain``, ``topic``, ``score``,
  ``buying_stage``, ``week``, ``observed_at``, ``keywords``, ``profile_fit``, ``profile_score``).
- ``6sense``: a 6sense-style company export (``domain``, ``company_intent_score``,
  ``company_buying_stage``, ``company_profile_fit``, ``company_profile_score``, ``keywords``);
  company-level, so no topic.
- ``bombora``: a Bombora-style Company Surge export (``Domain``, ``Topic``, ``Composite
  Score``, ``Week``), one row per domain, topic and week.

The column names are the providers' documented field names; the
exact headers of a given account's export may differ, and such a file uses the canonical
names. Headers compare as every import's do (:func:`como.csvread.header_key`). A layout is
chosen when all its required headers are present; two layouts fitting is an error naming them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from como.csvread import header_key

#: canonical field → the headers that may hold it (the first present wins)
_CANONICAL: dict[str, tuple[str, ...]] = {
    name: (name,)
    for name in (
        "provider",
        "domain",
        "topic",
        "score",
        "buying_stage",
        "week",
        "observed_at",
        "keywords",
        "profile_fit",
        "profile_score",
    )
}


@dataclass(frozen=True)
class IntentPreset:
    key: str
    label: str
    #: the provider of every row; blank: each row's ``provider`` column
    provider: str
    columns: Mapping[str, tuple[str, ...]]
    required: tuple[str, ...]

    def required_keys(self) -> set[str]:
        return {header_key(self.columns[name][0]) for name in self.required}


PRESETS: tuple[IntentPreset, ...] = (
    IntentPreset(
        key="canonical",
        label="como's field names (provider, domain, topic, score, week …)",
        provider="",
        columns=_CANONICAL,
        required=("provider", "domain", "score"),
    ),
    IntentPreset(
        key="6sense",
        label="6sense-style company export (company_intent_score, company_buying_stage …)",
        provider="6sense",
        columns={
            "domain": ("domain", "company_domain", "website"),
            "score": ("company_intent_score",),
            "buying_stage": ("company_buying_stage",),
            "profile_fit": ("company_profile_fit",),
            "profile_score": ("company_profile_score",),
            "keywords": ("keywords", "company_keywords", "intent_keywords"),
            "week": ("week",),
            "observed_at": ("observed_at", "updated_at"),
        },
        required=("score", "domain"),
    ),
    IntentPreset(
        key="bombora",
        label="Bombora-style Company Surge export (Domain, Topic, Composite Score, Week)",
        provider="bombora",
        columns={
            "domain": ("Domain", "Company Domain"),
            "topic": ("Topic", "Topic Name"),
            "score": ("Composite Score", "Surge Score"),
            "week": ("Week", "Week Start", "Week Starting"),
            "keywords": ("Keywords",),
        },
        required=("score", "domain", "topic"),
    ),
)
BY_KEY = {preset.key: preset for preset in PRESETS}


class LayoutError(ValueError):
    """No layout, or more than one, fits the header row (the message says which)."""


def recognise(headers: list[str]) -> IntentPreset:
    keys = {header_key(header) for header in headers}
    fitting = [preset for preset in PRESETS if preset.required_keys() <= keys]
    if len(fitting) > 1 and fitting[0].key == "canonical":
        # A provider column makes it canonical: each row names its provider.
        return fitting[0]
    if len(fitting) > 1:
        raise LayoutError(
            "The header row fits several layouts ("
            + ", ".join(p.key for p in fitting)
            + "); choose one."
        )
    if not fitting:
        raise LayoutError(
            "The header row fits no layout: "
            + "; ".join(
                f"{p.key} needs " + ", ".join(p.columns[name][0] for name in p.required)
                for p in PRESETS
            )
            + "."
        )
    return fitting[0]


def column_indexes(preset: IntentPreset, headers: list[str]) -> dict[str, int]:
    """canonical field → column index in this file."""
    by_key: dict[str, int] = {}
    for index, header in enumerate(headers):
        by_key.setdefault(header_key(header), index)
    found: dict[str, int] = {}
    for name, candidates in preset.columns.items():
        for candidate in candidates:
            if (position := by_key.get(header_key(candidate))) is not None:
                found[name] = position
                break
    return found

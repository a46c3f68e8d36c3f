"""A co-op program's brand rules as a compliance check (vertical: automotive).

It runs when the draft carries co-op data (``Draft.coop``, resolved by the caller with
:func:`~verticals.automotive.coop.selectors.coop_rules_for`): either one program's rules (the
creative names that program), or ``{"programs": [...]}``, of which those apply that the draft
names in its ``coop_program`` field or whose brands include the vehicle's make.

Matching ignores case and runs of whitespace, and a phrase matches whole words only ("APR"
is not found in "April"). A missing required disclaimer, a prohibited phrase, a forbidden
claim and a missing required claim each block: the OEM refuses to reimburse such an ad (and
Ford's program issues strikes), so it is not sent as a co-op ad.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Any

from como.compliance.drafts import Draft
from como.compliance.findings import Finding, Severity

from .validation import EVERY_CHANNEL

KEY = "coop"
#: Draft fields that are not ad copy (a link, a header, the program's own name).
NOT_COPY = frozenset({"final_url", "list_unsubscribe", "coop_program", "link", "url"})
_SPACES = re.compile(r"\s+")


def _normal(text: str) -> str:
    return _SPACES.sub(" ", text).strip().casefold()


@lru_cache(maxsize=4096)
def _pattern(phrase: str) -> re.Pattern[str]:
    words = [re.escape(word) for word in _normal(phrase).split(" ") if word]
    # Whole words at the edges only where the phrase starts or ends with a word character,
    # so "®" or "0% APR*" still match as written.
    start = r"(?<!\w)" if words and re.match(r"\w", words[0]) else ""
    end = r"(?!\w)" if words and re.search(r"\w$", words[-1]) else ""
    return re.compile(start + r"\s+".join(words) + end)


def mentions(text: str, phrase: str) -> bool:
    """``phrase`` in ``text``, ignoring case and whitespace, on word boundaries. Both are
    normalised, so a phrase typed with a line break matches the copy on one line."""
    return bool(phrase.strip()) and _pattern(phrase).search(text) is not None


def _copy(draft: Draft) -> str:
    return _normal("\n".join(v for k, v in draft.fields.items() if k not in NOT_COPY))


def applicable_programs(draft: Draft) -> list[Mapping[str, Any]]:
    coop = draft.coop
    if not coop:
        return []
    if "programs" not in coop:
        return [coop]
    named = (draft.fields.get("coop_program") or "").strip().casefold()
    make = str((draft.vehicle or {}).get("make") or "").strip().casefold()
    return [
        program
        for program in coop.get("programs") or ()
        if (named and str(program.get("key", "")).casefold() == named)
        or (make and make in {str(b).strip().casefold() for b in program.get("brands") or ()})
    ]


def _texts(value: Any) -> Sequence[str]:
    return [str(v) for v in value if str(v).strip()] if isinstance(value, (list, tuple)) else ()


class CoopCheck:
    key = KEY
    channels = None
    jurisdictions = None
    verticals = frozenset({"automotive"})

    def __call__(self, draft: Draft) -> list[Finding]:
        programs = applicable_programs(draft)
        if not programs:
            return []
        text = _copy(draft)
        findings: list[Finding] = []
        for program in programs:
            findings.extend(self._judge(program, draft.channel, text))
        return findings

    def _judge(self, program: Mapping[str, Any], channel: str, text: str) -> Iterator[Finding]:
        key = str(program.get("key") or "")
        name = str(program.get("name") or key or "the co-op program")
        citation = f"OEM co-op program {name} ({program.get('oem') or 'OEM'}): program rules"
        evidence = {"program": key}
        disclaimers = program.get("required_disclaimers") or {}
        wanted = [*_texts(disclaimers.get(EVERY_CHANNEL)), *_texts(disclaimers.get(channel))]
        for disclaimer in wanted:
            if not mentions(text, disclaimer):
                yield Finding(
                    rule="coop.disclaimer_missing",
                    severity=Severity.BLOCK,
                    message=f"{name} requires this disclaimer on {channel}: {disclaimer!r}.",
                    citation=citation,
                    fix="Add the disclaimer word for word.",
                    evidence={**evidence, "channel": channel, "disclaimer": disclaimer},
                )
        for phrase in _texts(program.get("prohibited_phrases")):
            if mentions(text, phrase):
                yield Finding(
                    rule="coop.prohibited_phrase",
                    severity=Severity.BLOCK,
                    message=f"{name} prohibits the phrase {phrase!r}.",
                    citation=citation,
                    fix="Remove or reword it.",
                    evidence={**evidence, "phrase": phrase},
                )
        for claim in _texts(program.get("forbidden_claims")):
            if mentions(text, claim):
                yield Finding(
                    rule="coop.forbidden_claim",
                    severity=Severity.BLOCK,
                    message=f"{name} forbids the claim {claim!r}.",
                    citation=citation,
                    fix="Remove the claim.",
                    evidence={**evidence, "claim": claim},
                )
        for claim in _texts(program.get("required_claims")):
            if not mentions(text, claim):
                yield Finding(
                    rule="coop.required_claim_missing",
                    severity=Severity.BLOCK,
                    message=f"{name} requires the statement {claim!r}.",
                    citation=citation,
                    fix="Add the statement word for word.",
                    evidence={**evidence, "claim": claim},
                )
        eligible = _texts(program.get("eligible_channels"))
        if eligible and channel not in eligible:
            yield Finding(
                rule="coop.channel_ineligible",
                severity=Severity.WARN,
                message=f"{name} does not reimburse {channel}; this spend cannot be claimed.",
                citation=citation,
                fix=f"Run it on {', '.join(eligible)} to claim it.",
                evidence={**evidence, "channel": channel, "eligible": list(eligible)},
            )


CHECK = CoopCheck()

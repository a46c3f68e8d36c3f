"""Conditional prices: a vehicle price that holds only with a trade-in, with the dealer's
financing, or with a rebate the buyer may not qualify for.

The FTC treats such a price as deceptive (FTC Act §5; FTC v. Leader Automotive Group, 2024:
prices only available to buyers who financed with the dealer); Texas forbids "with trade" and
"with financing" conditions on an advertised price outright (43 TAC 215, Subchapter H).
California lets a dealer print a price net of a rebate only next to the price before the rebate
and the rebate's amount (Cal. Veh. Code 11713.16(e)).

Payment terms quoted "on approved credit" are the ordinary form of a credit ad, not a
conditional price: this check reads vehicle prices only, never payments (the Truth in Lending
check reads those)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from como.compliance.drafts import Draft
from como.compliance.findings import Finding, Severity

from .reading import FORMER, PRICE, Amount, Creative, creative, dollars, jurisdictions

TRADE = re.compile(
    r"\b(?:with|when you|if you|after|less|minus|requires?|must)\s+"
    r"(?:an?\s+|your\s+|qualifying\s+|approved\s+|eligible\s+|acceptable\s+|\$[\d,]+\s+)?"
    r"trade\b|\btrade(?:[- ]in)?\s+(?:is\s+)?required\b|\bw/\s*trade\b"
)
FINANCING = re.compile(
    r"\b(?:when|if)\s+(?:you\s+)?financ(?:e|ed|ing)\b|\bwith\s+(?:approved\s+)?(?:dealer\s+|"
    r"in-house\s+|our\s+|\w+\s+financial(?:\s+services)?\s+|\w+\s+credit\s+)?financing\b|"
    r"\bmust\s+financ|\brequires?\s+(?:\w+\s+)?financing\b|\bfinanced\s+(?:with|through|thru)\b|"
    r"\bfinancing\s+(?:with|through|thru)\s+(?:us|the\s+dealer|dealer|our)\b|"
    r"\bfinanced purchases? only\b|\bonly (?:when|if) financed\b|\bfinance customers only\b|"
    r"\bdealer[- ]arranged\s+financing\b|\bw/\s*(?:dealer\s+)?financing\b"
)
#: A price that has a rebate taken off it.
REBATE_WORDS = re.compile(
    r"\brebates?\b|\bincentives?\b|\bcash back\b|\bcash allowance\b|"
    r"\b(?:customer|bonus|loyalty|conquest|military|college|grad|graduate|owner|finance|lease)"
    r" cash\b"
)
_NET_OF_REBATE = re.compile(
    r"\b(?:after|with|includes?|including|net of|less|minus)\s+(?:all\s+)?(?:available\s+)?"
    r"(?:[\w$,-]+\s+){0,4}(?:rebates?|incentives?|cash back|cash allowance|[a-z]+ cash)\b"
)
#: Rebates only some buyers get.
RESTRICTED = re.compile(
    r"\b(?:military|college|grad(?:uate)?s?|first[- ]responders?|loyalty|conquest|owner|"
    r"competitive|returning lessee|recent grad)\b[^.\n]{0,20}\b(?:rebates?|cash|bonus|discounts?|"
    r"incentives?|programs?|offers?)\b|\bmust qualify\b|\bif you qualify\b|\bto qualify\b|"
    r"\bqualified (?:buyers|customers)\b|\bthose who qualify\b|\bnot all (?:buyers|customers)\b"
)
#: A rebate said to be for every buyer.
UNIVERSAL = re.compile(
    r"available to (?:all|every|everyone|any)\b|\ball (?:buyers|customers|retail customers)\b|"
    r"\beveryone qualifies\b|\bno qualification\b|\bevery buyer\b"
)

#: Every condition above contains one of these (checked at C speed before any regex runs).
_CONDITION_WORDS = ("trade", "financ", "rebate", "incentive", "cash", "qualif")

FTC = "FTC Act §5 (15 U.S.C. 45); FTC v. Leader Automotive Group (N.D. Ill. 2024)"
TEXAS = "43 TAC 215, Subchapter H (Texas)"
CALIFORNIA_REBATE = "Cal. Veh. Code 11713.16(e)"
_US = frozenset({"US"})


def condition_of(read: Creative, amount: Amount) -> str:
    """``trade_in``, ``financing``, ``rebate`` (a price net of a rebate) or ``""``."""
    clause = read.clause(amount.start, amount.end)
    if TRADE.search(clause):
        return "trade_in"
    if FINANCING.search(clause):
        return "financing"
    if REBATE_WORDS.search(clause) and (
        _NET_OF_REBATE.search(clause)
        or RESTRICTED.search(clause)
        or _after_higher_price(read, amount)
    ):
        return "rebate"
    return ""


def _after_higher_price(read: Creative, net: Amount) -> bool:
    """``$24,995 - $1,000 rebate = $23,995``: a higher price shortly before, a rebate between."""
    for other in read.amounts:
        if other.start >= net.start:
            return False
        if (
            net.start - other.start <= 200
            and other.role in (PRICE, FORMER)
            and other.value > net.value
            and REBATE_WORDS.search(read.lower, other.end, net.start)
        ):
            return True
    return False


class ConditionalPriceCheck:
    key = "auto.conditional"
    channels = None
    jurisdictions = _US
    verticals = frozenset({"automotive"})

    def __call__(self, draft: Draft) -> Sequence[Finding]:
        read = creative(draft)
        lower = read.lower
        # The common path: no word of a condition anywhere, nothing to read closely.
        if not any(word in lower for word in _CONDITION_WORDS) or not read.amounts:
            return ()
        findings: list[Finding] = []
        seen: set[str] = set()
        codes = jurisdictions(draft)
        for amount in read.amounts:
            if amount.role != PRICE:
                continue
            kind = condition_of(read, amount)
            if not kind:
                continue
            clause = read.clause(amount.start, amount.end).strip()
            if kind == "rebate":
                for finding in self._rebate(read, amount, clause, codes):
                    if finding.rule not in seen:
                        seen.add(finding.rule)
                        findings.append(finding)
                continue
            if kind in seen:
                continue
            seen.add(kind)
            words = "a trade-in" if kind == "trade_in" else "financing with the dealer"
            findings.append(
                Finding(
                    rule=f"auto.conditional.{kind}",
                    severity=Severity.BLOCK,
                    message=f"The price {dollars(amount.value)} holds only with {words}; an "
                    "advertised vehicle price must be one every buyer can pay.",
                    citation=_cite(codes, texas=True),
                    fix="Advertise the price any buyer pays; state a trade-in or financing "
                    "offer separately, as an offer, not as the vehicle's price.",
                    evidence={"price": amount.value, "clause": clause},
                )
            )
        return findings

    def _rebate(
        self, read: Creative, amount: Amount, clause: str, codes: frozenset[str]
    ) -> list[Finding]:
        found: list[Finding] = []
        restricted = RESTRICTED.search(clause)
        net = _NET_OF_REBATE.search(clause)
        if restricted or (net and not UNIVERSAL.search(clause)):
            said = (restricted or net).group(0)  # type: ignore[union-attr]
            found.append(
                Finding(
                    rule="auto.conditional.rebate",
                    severity=Severity.BLOCK,
                    message=f"The price {dollars(amount.value)} is net of a rebate the buyer "
                    f"may not qualify for ({said!r}).",
                    citation=_cite(codes, texas=False),
                    fix="Advertise the price before the rebate as the vehicle's price; name "
                    "each rebate, its amount and who qualifies for it next to that price.",
                    evidence={"price": amount.value, "clause": clause, "condition": said},
                )
            )
        if "US-CA" in codes and net and not _beside_pre_rebate_price(read, amount):
            found.append(
                Finding(
                    rule="auto.conditional.rebate_placement",
                    severity=Severity.BLOCK,
                    message=f"The price {dollars(amount.value)} has a rebate deducted; California "
                    "requires the price before the rebate and the rebate's amount, each so "
                    "identified, next to it.",
                    citation=CALIFORNIA_REBATE,
                    fix="Print the price before the rebate and the rebate's amount beside the "
                    "net price, e.g. '$24,995 - $1,000 factory rebate = $23,995'.",
                    evidence={"price": amount.value, "clause": clause},
                )
            )
        return found


def _beside_pre_rebate_price(read: Creative, net: Amount) -> bool:
    """A higher price (the price before the rebate) and the rebate's amount within a short
    distance of the net price."""
    higher = rebate = False
    for other in read.amounts:
        if other is net or abs(other.start - net.start) > 200:
            continue
        if other.role in (PRICE, FORMER) and other.value > net.value:
            higher = True
        elif other.value < net.value and REBATE_WORDS.search(read.lower, other.end, other.end + 40):
            rebate = True
    return higher and rebate


def _cite(codes: frozenset[str], *, texas: bool) -> str:
    parts = [FTC]
    if texas and "US-TX" in codes:
        parts.append(TEXAS)
    if "US-CA" in codes:
        parts.append(CALIFORNIA_REBATE)
    return "; ".join(parts)

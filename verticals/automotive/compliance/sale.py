""" "Sale" claims in Illinois and Pennsylvania: a sale, a reduced price or a clearance needs a bona
fide reduction of at least 5 % from a real former price (a stated "was" price, or the MSRP), and
in Illinois a stated duration (14 Ill. Adm. Code 475.370; 37 Pa. Code 301).

"For sale", "sales department" and "bill of sale" are not sale claims."""

from __future__ import annotations

import re
from collections.abc import Sequence

from como.compliance.drafts import Draft
from como.compliance.findings import Finding, Severity

from .reading import FORMER, OTHER, Amount, creative, dollars, jurisdictions, money, selling_price

ILLINOIS = "14 Ill. Adm. Code 475.370"
PENNSYLVANIA = "37 Pa. Code 301"
REDUCTION = 0.05
_CLAIM = re.compile(
    r"(?<!for )(?<!bill of )(?<!point of )(?<!of )\bsale\b(?! of\b)|\bon sale\b|"
    r"\bprice (?:reduced|drop|cut)\b|\breduced (?:price|to)\b|\bmarked down\b|\bmarkdown\b|"
    r"\bclearance\b"
)
_CLAIM_WORDS = ("sale", "reduc", "price drop", "price cut", "mark", "clearance")
_DURATION = re.compile(
    r"\b(?:ends?|ending|through|thru|until|till|expires?|expiring|valid (?:to|until|through)|"
    r"offer good|today only|this (?:weekend|week) only|only this (?:weekend|week)|"
    r"for \d+ days)\b|\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b|"
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? \d{1,2}\b"
)
_STATES = frozenset({"US-IL", "US-PA"})


def _savings(lower: str, amount: Amount) -> bool:
    if amount.role != OTHER:
        return False
    if lower.startswith((" off", "off"), amount.end):
        return True
    return lower[max(0, amount.start - 14) : amount.start].rstrip().endswith(_SAVE_WORDS)


_SAVE_WORDS = ("save", "savings", "savings of", "you save", "saving")


class SaleClaimCheck:
    key = "auto.sale"
    channels = None
    jurisdictions = _STATES
    verticals = frozenset({"automotive"})

    def __call__(self, draft: Draft) -> Sequence[Finding]:
        read = creative(draft)
        if not any(word in read.lower for word in _CLAIM_WORDS):
            return ()
        claim = _CLAIM.search(read.lower)
        if claim is None:
            return ()
        codes = jurisdictions(draft)
        cite = "; ".join(
            c for code, c in (("US-IL", ILLINOIS), ("US-PA", PENNSYLVANIA)) if code in codes
        )
        said = claim.group(0)
        findings: list[Finding] = []
        vehicle = draft.vehicle or {}
        prices = read.prices()
        now = prices[0].value if prices else None
        if now is None and (base := selling_price(vehicle)) is not None:
            now = base
        formers = [a.value for a in read.amounts if a.role == FORMER]
        if now is not None:
            # "Save $2,000", "$2,000 off": the former price is the sale price plus the savings.
            formers.extend(now + a.value for a in read.amounts if _savings(read.lower, a))
        msrp = money(vehicle.get("msrp"))
        if msrp is not None:
            formers.append(msrp)
        former = max(formers) if formers else None
        if now is not None and (former is None or now > former * (1 - REDUCTION)):
            findings.append(
                Finding(
                    rule="auto.sale.reduction",
                    severity=Severity.BLOCK,
                    message=(
                        f"The ad claims a {said!r} but states no former price to measure "
                        "the reduction against, and the vehicle has no MSRP."
                        if former is None
                        else f"The ad claims a {said!r}: {dollars(now)} is "
                        f"{(1 - now / former) * 100:.1f} % below the former price "
                        f"{dollars(former)}; a sale needs a bona fide reduction of at least 5 %."
                    ),
                    citation=cite,
                    fix="Claim a sale only for a reduction of at least 5 % from a price the "
                    "vehicle was really offered at, and state that former price.",
                    evidence={"claim": said, "price": now, "former_price": former},
                )
            )
        if "US-IL" in codes and not _DURATION.search(read.lower):
            findings.append(
                Finding(
                    rule="auto.sale.duration",
                    severity=Severity.BLOCK,
                    message=f"The ad claims a {said!r} without saying how long it lasts.",
                    citation=ILLINOIS,
                    fix="State the sale's duration, e.g. 'Sale ends March 31'.",
                    evidence={"claim": said},
                )
            )
        return findings

"""The advertised price includes every mandatory dealer charge, taxes and government fees
aside — the "drip pricing" the FTC and the states enforce.

The check compares each vehicle price printed in the creative (not a payment, a down payment,
a rebate, a fee, an MSRP or a "was" price: :mod:`.reading` tells them apart) with the price the
dealer sells for plus its mandatory charges. Where a state lets a documentary fee stay out of
the price, it may, on that state's terms:

- Illinois (14 Ill. Adm. Code 475) and California (Cal. Veh. Code 11713.1(b), (c)): when the ad
  says the doc fee is added;
- Ohio (OAC 109:4-3-16): always (the purchase price excludes tax, title, registration and doc);
- New York (15 NYCRR Part 78): when the ad names the fee with "THIS IS NOT A DMV FEE"; and the
  fee may not exceed $175.

A price printed net of a trade-in, financing or rebate is the conditional-price check's."""

from __future__ import annotations

import re
from collections.abc import Sequence

from como.compliance.drafts import Draft
from como.compliance.findings import Finding, Severity

from .conditional import condition_of
from .reading import (
    creative,
    dollars,
    is_doc_fee,
    jurisdictions,
    mandatory_charges,
    selling_price,
)

FTC = (
    "FTC Act §5 (15 U.S.C. 45), as enforced in FTC v. Leader Automotive Group (2024) and "
    "In re Coulter Motor Co. (2024)"
)
STATES = {
    "US-CA": "Cal. Veh. Code 11713.1(b)",
    "US-TX": "43 TAC 215, Subchapter H",
    "US-FL": "Fla. Stat. 501.976(16)",
    "US-IL": "14 Ill. Adm. Code 475",
    "US-OH": "Ohio Adm. Code 109:4-3-16",
    "US-PA": "37 Pa. Code 301",
    "US-NJ": "N.J.A.C. 13:45A-26A",
    "US-MA": "940 CMR 6.04",
    "US-NY": "15 NYCRR Part 78",
}
NY_DOC_FEE_CAP = 175.0
NY_STATEMENT = "this is not a dmv fee"
_DOC_DISCLOSED = re.compile(
    r"\bdoc(?:ument)?(?:ary|ation|ument)?\.?\s*(?:processing\s+)?(?:fee|charge)s?\b|"
    r"\bdocument(?:ary|ation)?\s+(?:processing\s+|preparation\s+)?(?:fee|charge)s?\b|"
    r"\bdealer documentary\b"
)
_DISCLOSED_DOC_STATES = frozenset({"US-IL", "US-CA"})
_US = frozenset({"US"})


def citation(codes: frozenset[str]) -> str:
    return "; ".join([FTC, *(STATES[code] for code in sorted(codes) if code in STATES)])


class AdvertisedPriceCheck:
    key = "auto.price"
    channels = None
    jurisdictions = _US
    verticals = frozenset({"automotive"})

    def __call__(self, draft: Draft) -> Sequence[Finding]:
        vehicle = draft.vehicle
        if not vehicle:
            return ()
        base = selling_price(vehicle)
        if base is None:
            return ()
        read = creative(draft)
        prices = read.prices()
        if not prices:
            return ()
        codes = jurisdictions(draft)
        charges = mandatory_charges(vehicle)
        findings: list[Finding] = []
        doc = [(name, amount) for name, amount in charges if is_doc_fee(name)]
        names_doc = "doc" in read.lower and _DOC_DISCLOSED.search(read.lower) is not None
        if "US-NY" in codes:
            findings.extend(_new_york(doc, names_doc, read.lower))
        if doc and (
            "US-OH" in codes
            or (names_doc and not _DISCLOSED_DOC_STATES.isdisjoint(codes))
            or (names_doc and "US-NY" in codes and NY_STATEMENT in read.lower)
        ):
            charges = [charge for charge in charges if charge not in doc]
        total = sum(amount for _, amount in charges)
        required = base + total
        floor = base * 0.75
        for amount in prices:
            if amount.value < floor or amount.value >= required or amount.matches(required):
                continue
            if condition_of(read, amount):
                continue  # the conditional-price check's
            if total:
                message = (
                    f"The creative advertises {dollars(amount.value)}, but the vehicle costs "
                    f"{dollars(required)} with its mandatory dealer charges "
                    f"({_listed(charges)}); only "
                    "taxes and government fees may be left out of an advertised price."
                )
            else:
                message = (
                    f"The creative advertises {dollars(amount.value)}, below the "
                    f"{dollars(base)} the dealer sells the vehicle for."
                )
            findings.append(
                Finding(
                    rule="auto.price.fees_excluded" if total else "auto.price.below_price",
                    severity=Severity.BLOCK,
                    message=message,
                    citation=citation(codes),
                    fix=f"Advertise {dollars(required)} (the price with every mandatory dealer "
                    "charge), 'plus tax, title and license'.",
                    evidence={
                        "printed": amount.value,
                        "price": base,
                        "mandatory_charges": {n or "charge": a for n, a in charges},
                        "advertised_price_required": required,
                    },
                )
            )
            break
        return findings


def _new_york(doc: list[tuple[str, float]], names_doc: bool, lower: str) -> list[Finding]:
    found = []
    over = [(name, amount) for name, amount in doc if amount > NY_DOC_FEE_CAP]
    if over:
        name, amount = over[0]
        found.append(
            Finding(
                rule="auto.price.ny_doc_fee_cap",
                severity=Severity.BLOCK,
                message=f"The vehicle's {name or 'documentation fee'} is {dollars(amount)}; New "
                f"York caps a dealer's documentation fee at {dollars(NY_DOC_FEE_CAP)}.",
                citation="15 NYCRR Part 78 (New York dealer documentation fee)",
                fix=f"Lower the documentation fee to {dollars(NY_DOC_FEE_CAP)} or less.",
                evidence={"fee": name, "amount": amount, "cap": NY_DOC_FEE_CAP},
            )
        )
    if names_doc and NY_STATEMENT not in lower:
        found.append(
            Finding(
                rule="auto.price.ny_doc_fee_statement",
                severity=Severity.BLOCK,
                message="The creative mentions a documentation fee without the statement "
                "New York requires with it: 'THIS IS NOT A DMV FEE'.",
                citation="15 NYCRR Part 78 (New York dealer documentation fee)",
                fix="Add 'THIS IS NOT A DMV FEE' next to the documentation fee.",
                evidence={"statement_present": False},
            )
        )
    return found


def _listed(charges: list[tuple[str, float]]) -> str:
    return ", ".join(f"{name or 'charge'} {dollars(amount)}" for name, amount in charges)

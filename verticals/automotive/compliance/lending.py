"""Truth in Lending for credit ads (Reg Z, 12 CFR 1026.24).

A trigger term — the down payment as an amount ("$0 down" included), the number of payments or
the period of repayment, a payment amount, or a finance charge — requires the ad to state the
down payment, the terms of repayment (the number and amount of the payments) and the annual
percentage rate (1026.24(d)). A rate is stated as an APR (1026.24(c)). California also wants
"on approved credit" spelled out (Cal. Veh. Code 11713.16(b)). New Jersey (N.J.A.C.
13:45A-26A.8: total cost, APR, payment, number of payments and down payment next to the
vehicle) and Ohio (OAC 109:4-3-16: credit terms at least half the size of the payment) add
placement rules that plain text cannot measure: warnings for the approver.

Lease payments are Reg M's (:mod:`.leasing`), not credit."""

from __future__ import annotations

import re
from collections.abc import Sequence

from como.compliance.drafts import Draft
from como.compliance.findings import Finding, Severity

from .reading import DOWN, PAYMENT, Amount, Creative, creative, jurisdictions
from .terms import (
    APR,
    CREDIT_WORDS,
    LEASE,
    OFFER_WORDS,
    PER_THOUSAND,
    RATE,
    is_lease,
    periods,
)

REG_Z = "12 CFR 1026.24(d) (Regulation Z, Truth in Lending)"
_DOWN_WORDS = re.compile(
    r"(?:\b(?:zero|no|nothing|no money)|\$0)\s+down\b|\bno down ?payment\b|"
    r"\b\d+(?:\.\d+)?\s*%\s*down\b"
)
_FINANCE_CHARGE = re.compile(r"\bfinance charges?\b|\$[\d,]+(?:\.\d\d)?\s+(?:in\s+)?interest\b")
_OAC = re.compile(r"\boac\b|\bo\.a\.c\b|\bwac\b|\bw\.a\.c\b|\bon approved cr\.|\bappr\.? credit\b")
_TOTAL = re.compile(r"\btotal (?:of payments|cost|sale price|sales price|amount|price)\b")
_HEADLINES = frozenset({"headline", "headlines", "subject", "heading", "title"})


class TruthInLendingCheck:
    key = "auto.lending"
    channels = None
    jurisdictions = frozenset({"US"})
    verticals = frozenset({"automotive"})

    def __call__(self, draft: Draft) -> Sequence[Finding]:
        read = creative(draft)
        lower = read.lower
        if not any(word in lower for word in OFFER_WORDS):
            return ()
        leases = "leas" in lower and LEASE.search(lower) is not None
        credit = CREDIT_WORDS.search(lower) is not None
        if leases and not credit:
            return ()  # a lease ad: Reg M's (leasing.py)

        def credit_at(start: int, end: int) -> bool:
            return not leases or not is_lease(read, start, end, leases=True, credit=True)

        payments = []
        downs = []
        for amount in read.amounts:
            if amount.role == PAYMENT and credit_at(amount.start, amount.end):
                payments.append(amount)
            elif amount.role == DOWN and credit_at(amount.start, amount.end):
                downs.append(amount)
        down_words = (
            [m for m in _DOWN_WORDS.finditer(lower) if credit_at(m.start(), m.end())]
            if "down" in lower
            else []
        )
        terms = [m for m in periods(read) if credit_at(m.start(), m.end())]
        charge = _FINANCE_CHARGE.search(lower) if "interest" in lower or "charge" in lower else None
        triggers: list[str] = []
        if downs or down_words:
            triggers.append(
                lower[downs[0].start : downs[0].end + 5].strip(" .,;!")
                if downs
                else down_words[0].group(0)
            )
        if terms:
            triggers.append(terms[0].group(0))
        if payments:
            triggers.append(lower[payments[0].start : payments[0].end + 4].strip(" .,;!"))
        if charge and credit_at(charge.start(), charge.end()):
            triggers.append(charge.group(0))
        findings: list[Finding] = []
        codes = jurisdictions(draft)
        apr = APR.search(lower) if "apr" in lower or "annual" in lower else None
        if triggers:
            missing = []
            if not (downs or down_words):
                missing.append("the down payment")
            if not (terms and (payments or PER_THOUSAND.search(lower))):
                missing.append("the terms of repayment (number and amount of payments)")
            if apr is None:
                missing.append("the annual percentage rate (APR)")
            if missing:
                findings.append(
                    Finding(
                        rule="auto.lending.trigger_terms",
                        severity=Severity.BLOCK,
                        message=f"The ad states {', '.join(repr(t) for t in triggers)}, a "
                        "credit term that requires the full disclosures; missing: "
                        f"{', '.join(missing)}.",
                        citation=REG_Z,
                        fix="State the down payment, the number and amount of the payments and "
                        "the APR together, e.g. '$2,000 down, 72 monthly payments of $18.45 "
                        "per $1,000 financed at 6.9% APR, on approved credit'.",
                        evidence={"triggers": triggers, "missing": missing},
                    )
                )
            findings.extend(_placement(read, codes, payments, apr))
        rate = RATE.search(lower) if "%" in lower else None
        if rate is not None and apr is None:
            findings.append(
                Finding(
                    rule="auto.lending.rate_as_apr",
                    severity=Severity.BLOCK,
                    message=f"The ad states a rate ({rate.group(0)!r}) other than as an annual "
                    "percentage rate.",
                    citation="12 CFR 1026.24(c) (Regulation Z)",
                    fix="State the rate as an APR, e.g. '0% APR'.",
                    evidence={"rate": rate.group(0)},
                )
            )
        if "US-CA" in codes and "c" in lower and (oac := _OAC.search(lower)) is not None:
            findings.append(
                Finding(
                    rule="auto.lending.oac_abbreviated",
                    severity=Severity.BLOCK,
                    message=f"California requires 'on approved credit' unabbreviated; the ad "
                    f"says {oac.group(0)!r}.",
                    citation="Cal. Veh. Code 11713.16(b)",
                    fix="Write 'on approved credit' in full.",
                    evidence={"abbreviation": oac.group(0)},
                )
            )
        return findings


def _placement(
    read: Creative, codes: frozenset[str], payments: list[Amount], apr: re.Match[str] | None
) -> list[Finding]:
    found: list[Finding] = []
    if "US-NJ" in codes:
        missing = [] if _TOTAL.search(read.lower) else ["the total cost (total of payments)"]
        apart = (
            bool(payments)
            and apr is not None
            and read.field_at(payments[0].start) != read.field_at(apr.start())
        )
        if missing or apart:
            found.append(
                Finding(
                    rule="auto.lending.nj_disclosures",
                    severity=Severity.WARN,
                    message="New Jersey wants the total cost, APR, payment, number of payments "
                    "and down payment next to the vehicle, in type of at least 10 points"
                    + (f"; missing: {', '.join(missing)}" if missing else "")
                    + ("; the APR is in another field than the payment" if apart else "")
                    + ".",
                    citation="N.J.A.C. 13:45A-26A.8",
                    fix="Put every credit term, with the total of payments, beside the payment.",
                    evidence={"missing": missing, "apart": apart},
                )
            )
    if "US-OH" in codes and payments:
        field = read.field_at(payments[0].start)
        if field in _HEADLINES and (apr is None or read.field_at(apr.start()) != field):
            found.append(
                Finding(
                    rule="auto.lending.oh_placement",
                    severity=Severity.WARN,
                    message=f"The payment is in the {field}, its credit terms are not: Ohio "
                    "wants the terms at least half the size of the payment.",
                    citation="Ohio Adm. Code 109:4-3-16",
                    fix="Give the APR and terms in the same field as the payment, or move the "
                    "payment out of the headline.",
                    evidence={"field": field},
                )
            )
    return found

"""Consumer Leasing for lease ads (Reg M, 12 CFR 1013.7).

A lease payment amount or an amount due at signing ("$0 due at signing" included) requires the
ad to say that the transaction is a lease, the total due at lease signing, the number, amounts
and schedule of the scheduled payments, whether a security deposit is required, and the
lessee's end-of-term liability (excess wear and mileage, or the difference between the
estimated and realized value in an open-end lease) (1013.7(d)(2))."""

from __future__ import annotations

import re
from collections.abc import Sequence

from como.compliance.drafts import Draft
from como.compliance.findings import Finding, Severity

from .reading import PAYMENT, SIGNING, creative
from .terms import CREDIT_WORDS, LEASE, is_lease, periods

REG_M = "12 CFR 1013.7(d) (Regulation M, Consumer Leasing)"
_SIGNING_WORDS = re.compile(
    r"(?:\b(?:zero|nothing|no money)|\$0)\s+(?:due\s+)?(?:at\s+(?:lease\s+)?signing|"
    r"drive[- ]?off)\b"
)
_SIGNING_HINT = re.compile(r"\bsigning\b|drive[- ]?off")
_DEPOSIT = re.compile(r"\bsecurity deposit\b")
_END_OF_TERM = re.compile(
    r"excess (?:wear|miles?|mileage)|wear (?:and|&) tear|end[- ]of[- ](?:lease|term)|"
    r"disposition fee|closed[- ]end|open[- ]end|liab(?:le|ility) for (?:the )?difference|"
    r"\d[\d,]*\s*miles?\s*(?:/|per|a)\s*(?:yr|year)|mileage (?:charge|limit|overage)|"
    r"per mile over|/\s*mile over|(?:\$\d*)?\.?\d+\s*(?:/|per|a)\s*mile\b"
)


class ConsumerLeasingCheck:
    key = "auto.leasing"
    channels = None
    jurisdictions = frozenset({"US"})
    verticals = frozenset({"automotive"})

    def __call__(self, draft: Draft) -> Sequence[Finding]:
        read = creative(draft)
        lower = read.lower
        if "leas" not in lower and "signing" not in lower and "drive" not in lower:
            return ()
        leases = LEASE.search(lower) is not None
        if not leases and not _SIGNING_HINT.search(lower):
            return ()
        credit = CREDIT_WORDS.search(lower) is not None
        signing = [a for a in read.amounts if a.role == SIGNING]
        signing_words = _SIGNING_WORDS.search(lower)
        payments = [
            a
            for a in read.amounts
            if a.role == PAYMENT and is_lease(read, a.start, a.end, leases=leases, credit=credit)
        ]
        if not (payments or signing or signing_words):
            return ()
        triggers = []
        if payments:
            triggers.append(lower[payments[0].start : payments[0].end + 4].strip(" .,;!"))
        if signing or signing_words:
            triggers.append(
                lower[signing[0].start : signing[0].end + 16].strip(" .,;!")
                if signing
                else signing_words.group(0)  # type: ignore[union-attr]
            )
        missing = []
        if not leases:
            missing.append("that it is a lease")
        if not (signing or signing_words):
            missing.append("the total due at lease signing")
        if not (
            payments
            and any(
                is_lease(read, m.start(), m.end(), leases=leases, credit=credit)
                for m in periods(read)
            )
        ):
            missing.append("the number, amount and schedule of the payments")
        if not _DEPOSIT.search(lower):
            missing.append("whether a security deposit is required")
        if not _END_OF_TERM.search(lower):
            missing.append("the end-of-term liability (excess wear and mileage)")
        if not missing:
            return ()
        return (
            Finding(
                rule="auto.leasing.disclosures",
                severity=Severity.BLOCK,
                message=f"The ad states {', '.join(repr(t) for t in triggers)}, a lease term "
                f"that requires the full disclosures; missing: {', '.join(missing)}.",
                citation=REG_M,
                fix="Say 'lease' and give the total due at signing, the number and amount of "
                "monthly payments, the security deposit and the charges at lease end, e.g. "
                "'36-month lease, 36 monthly payments of $299, $2,999 due at signing, no "
                "security deposit; excess wear and $0.25/mile over 10,000 miles/year'.",
                evidence={"triggers": triggers, "missing": missing},
            ),
        )

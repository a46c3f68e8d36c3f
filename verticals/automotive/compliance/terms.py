"""The words of credit and lease offers that the Truth in Lending and Consumer Leasing checks
share: periods and numbers of payments, rates, and which offer (a loan or a lease) an amount
belongs to."""

from __future__ import annotations

import re

from .reading import Creative

#: "72 months", "60 mos.", "60 monthly payments", "36-month", "for 48 mo".
PERIOD = re.compile(
    r"\b\d{1,3}\s*-?\s*(?:monthly\s+|bi-?weekly\s+|weekly\s+)?(?:payments\b|months?\b|mos?\b)"
    r"|\b\d\s*-?\s*(?:years?|yrs?)\s+(?:to pay|of financing|financing|loan|term)\b"
    r"|\b(?:financing|loan|terms?)\s+(?:for|of|up to)\s+\d\s*(?:years?|yrs?)\b"
)
#: A period that is a warranty's, a subscription's or a free service's, not a repayment's.
_NOT_REPAYMENT_AFTER = re.compile(
    r"[\s/,-]*(?:\d[\d,]*\s*-?\s*miles?|warranty|coverage|maintenance|roadside|free|"
    r"complimentary|of (?:free|complimentary|siriusxm|sirius|onstar|service|maintenance)|"
    r"trial|subscription|ago|in stock|old)"
)
_NOT_REPAYMENT_BEFORE = re.compile(
    r"(?:warranty|free|complimentary|maintenance|roadside|trial|siriusxm|sirius|onstar|"
    r"subscription|within|under|only)\s*$"
)
_PERIOD_WORDS = ("month", " mo", "payments", "year", "yr")
APR = re.compile(
    r"\d+(?:\.\d+)?\s*%\s*(?:apr\b|a\.p\.r\.|annual percentage rate)|"
    r"\b(?:apr|annual percentage rate)\s*(?:of|is|:)?\s*\d+(?:\.\d+)?\s*%"
)
#: A rate stated other than as an APR: "0% financing", "1.9% interest", "2.9% rate".
RATE = re.compile(r"\d+(?:\.\d+)?\s*%\s*(?:interest|financing|rate|fixed rate)\b")
LEASE = re.compile(r"\bleas(?:e|ed|es|ing)\b")
CREDIT_WORDS = re.compile(r"financ|\bapr\b|\bloan\b|\bcredit\b")
#: The cheap test (substrings, C speed): no credit or lease term is written without one.
OFFER_WORDS = (
    "financ", "apr", "loan", "credit", "payment", "down", "/mo", "/ mo", "month", " mo ",
    " mo.", " mos", "interest", "%", "leas", "signing", "drive", "week", "year", "yr",
)  # fmt: skip
PER_THOUSAND = re.compile(r"per \$1,?000\b")


def periods(read: Creative) -> list[re.Match[str]]:
    """The repayment periods and numbers of payments in the text."""
    lower = read.lower
    found: list[re.Match[str]] = []
    if not any(word in lower for word in _PERIOD_WORDS):
        return found
    for match in PERIOD.finditer(lower):
        if _NOT_REPAYMENT_AFTER.match(lower, match.end()):
            continue
        if _NOT_REPAYMENT_BEFORE.search(lower, max(0, match.start() - 30), match.start()):
            continue
        found.append(match)
    return found


def is_lease(read: Creative, start: int, end: int, *, leases: bool, credit: bool) -> bool:
    """Whether the words at ``[start, end)`` belong to a lease offer: the text's only kind of
    offer, or, when it has both, the one named in the same sentence."""
    if not leases:
        return False
    if not credit:
        return True
    clause = read.clause(start, end, before=120, after=120)
    return LEASE.search(clause) is not None or "signing" in clause

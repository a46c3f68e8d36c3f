"""CAN-SPAM, for commercial email to US recipients: a working opt-out (the List-Unsubscribe
header and a link in the body), the sender's postal address, and an honest subject line.

Consent is not required (CAN-SPAM is opt-out): an email to a US recipient with no consent on
record passes this check."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from ..drafts import Draft
from ..findings import Finding, Severity
from .common import EMAIL

_UNSUBSCRIBE_WORDS = re.compile(r"unsubscribe|opt[\s-]?out")
_LINK = re.compile(r"(?:https?://|mailto:)[^\s\"'<>]")
_HEADER_TARGET = re.compile(r"<((?:https?://|mailto:)[^<>]+)>", re.IGNORECASE)
#: How far from the word "unsubscribe" the link may be (an <a href> tag, a footer line).
_NEAR = 200
#: "RE:", "Fwd:" on a first message suggests a conversation that never happened.
_REPLY_PREFIX = re.compile(r"^\s*(?:re|fwd?)\s*:", re.IGNORECASE)
_SPACES = re.compile(r"[\s,]+")


def has_unsubscribe_link(body: str, header: str = "") -> bool:
    """The List-Unsubscribe target itself printed in the body, a link next to the word
    unsubscribe/opt out, or a link whose address says so."""
    if any(target in body for target in _HEADER_TARGET.findall(header)):
        return True
    # Lower-cased once (C speed) rather than a case-insensitive scan; only presence matters.
    lower = body.lower()
    if "unsub" not in lower and "opt" not in lower:
        return False
    for match in _UNSUBSCRIBE_WORDS.finditer(lower):
        if _LINK.search(lower, max(0, match.start() - _NEAR), match.end() + _NEAR):
            return True
    return False


@lru_cache(maxsize=1024)
def _normalised(text: str) -> str:
    return _SPACES.sub(" ", text).strip().casefold()


def contains_address(body: str, address: str) -> bool:
    """The address printed in the body, allowing other line breaks, commas and case."""
    if address in body:
        return True
    return _normalised(address) in _SPACES.sub(" ", body).casefold()


class CanSpamCheck:
    key = "canspam"
    channels = frozenset({EMAIL})
    jurisdictions = frozenset({"US"})
    verticals = None

    def __call__(self, draft: Draft) -> Sequence[Finding]:
        findings: list[Finding] = []
        fields = draft.fields
        body = fields.get("body", "")
        header = fields.get("list_unsubscribe", "").strip()
        link = has_unsubscribe_link(body, header)
        if not header or not link:
            missing = [
                what
                for what, present in (
                    ("the List-Unsubscribe header", bool(header)),
                    ("an unsubscribe link in the body", link),
                )
                if not present
            ]
            findings.append(
                Finding(
                    rule="canspam.unsubscribe",
                    severity=Severity.BLOCK,
                    message="A commercial email must offer a working way to opt out; missing: "
                    f"{' and '.join(missing)}.",
                    citation="15 U.S.C. 7704(a)(3), (a)(5)(A)(ii); RFC 8058",
                    fix="Send it through the email channel, which adds the one-click "
                    "List-Unsubscribe headers and the unsubscribe link to the footer.",
                    evidence={"list_unsubscribe": header, "unsubscribe_link_in_body": link},
                )
            )
        address = draft.sender.postal_address.strip()
        if not address or not contains_address(body, address):
            findings.append(
                Finding(
                    rule="canspam.postal_address",
                    severity=Severity.BLOCK,
                    message=(
                        "The body does not show the sender's postal address."
                        if address
                        else "The workspace has no postal address to print in the footer."
                    ),
                    citation="15 U.S.C. 7704(a)(5)(A)(iii); 16 CFR 316.2(p)",
                    fix="Set the workspace's postal address (a street address, a registered "
                    "P.O. box or private mailbox) and keep the standard footer.",
                    evidence={"postal_address": address},
                )
            )
        subject = fields.get("subject", "")
        if not subject.strip() or _REPLY_PREFIX.match(subject):
            findings.append(
                Finding(
                    rule="canspam.subject",
                    severity=Severity.WARN,
                    message=(
                        "The subject is empty; it must tell the reader what the message is about."
                        if not subject.strip()
                        else "The subject starts like a reply or a forward, suggesting a "
                        "conversation the recipient never had."
                    ),
                    citation="15 U.S.C. 7704(a)(2)",
                    fix="Write a subject that describes the message's content.",
                    evidence={"subject": subject},
                )
            )
        return findings

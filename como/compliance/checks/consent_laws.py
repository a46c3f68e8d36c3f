"""Opt-in regimes: CASL (Canada) and GDPR with the ePrivacy Directive (EU/EEA/UK). No
commercial email or text without consent on record, and unexpired."""

from __future__ import annotations

from collections.abc import Sequence

from como.consent.state import EXPRESS_BASES, IMPLIED_TERMS, Basis

from ..drafts import Draft
from ..findings import Finding, Severity
from .common import MESSAGE_CHANNELS, describe, evidence

_IMPLIED = frozenset(IMPLIED_TERMS)
CASL_CITATION = "S.C. 2010, c. 23, ss. 6(1), 10(9)-(10)"
GDPR_CITATION = "GDPR art. 6(1)(a), 7; Directive 2002/58/EC art. 13"


class CaslCheck:
    key = "casl"
    channels = MESSAGE_CHANNELS
    jurisdictions = frozenset({"CA"})
    verticals = None

    def __call__(self, draft: Draft) -> Sequence[Finding]:
        recipient = draft.recipient
        if recipient is None:
            return ()
        state = recipient.consent(draft.channel)
        basis = state.basis
        lapsed = state.expired or (
            state.expires_at is not None and state.expires_at <= draft.at and not state.revoked
        )
        if state.granted and not lapsed and (basis in EXPRESS_BASES or basis in _IMPLIED):
            return ()
        ids = {"contact_id": recipient.contact_id, **evidence(state)}
        if lapsed and basis in _IMPLIED and state.expires_at is not None:
            started = "purchase" if basis == Basis.IMPLIED_PURCHASE else "inquiry"
            article = "a" if started == "purchase" else "an"
            return (
                Finding(
                    rule="casl.implied_expired",
                    severity=Severity.BLOCK,
                    message=f"Implied consent from {article} {started} expired on "
                    f"{state.expires_at:%Y-%m-%d} (it lasts "
                    f"{'2 years' if started == 'purchase' else '6 months'}).",
                    citation=CASL_CITATION,
                    fix="Ask for express consent (with a new purchase or inquiry the implied "
                    "consent starts again).",
                    evidence=ids,
                ),
            )
        return (
            Finding(
                rule="casl.consent",
                severity=Severity.BLOCK,
                message="A commercial electronic message to a Canadian recipient needs express "
                f"or unexpired implied consent; the ledger has {describe(state)}.",
                citation=CASL_CITATION,
                fix="Send only to recipients with express consent, or implied consent from a "
                "purchase (2 years) or inquiry (6 months).",
                evidence=ids,
            ),
        )


class GdprCheck:
    key = "gdpr"
    channels = MESSAGE_CHANNELS
    jurisdictions = frozenset({"EU"})
    verticals = None

    def __call__(self, draft: Draft) -> Sequence[Finding]:
        recipient = draft.recipient
        if recipient is None:
            return ()
        state = recipient.consent(draft.channel)
        if state.granted and state.basis in EXPRESS_BASES:
            return ()
        ids = {"contact_id": recipient.contact_id, **evidence(state)}
        if state.granted and state.basis == Basis.LEGITIMATE_INTEREST:
            return (
                Finding(
                    rule="gdpr.soft_opt_in",
                    severity=Severity.WARN,
                    message="Legitimate interest covers electronic marketing only as a soft "
                    "opt-in: to an existing customer, about similar products, with an opt-out "
                    "offered when the address was collected and in every message.",
                    citation="Directive 2002/58/EC art. 13(2); GDPR art. 6(1)(f), 21(2)-(3)",
                    fix="Confirm the recipient is an existing customer and the offer is for "
                    "similar products, or ask for consent.",
                    evidence=ids,
                ),
            )
        return (
            Finding(
                rule="gdpr.consent",
                severity=Severity.BLOCK,
                message="Electronic marketing to a recipient in the EU/EEA/UK needs their "
                f"consent; the ledger has {describe(state)}.",
                citation=GDPR_CITATION,
                fix="Send only to recipients who gave specific, informed, unambiguous consent, "
                "recorded with its wording.",
                evidence=ids,
            ),
        )

"""Opt-outs, whatever the jurisdiction: the suppression list and the latest ledger entry.

Both run for every recipient: an opt-out (STOP, the unsubscribe link, the one-click POST, GPC,
an erasure) is honoured everywhere, not only where a statute says so.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..drafts import Draft
from ..findings import Finding, Severity
from .common import CONSENTED_CHANNELS, consent_channel, evidence

_SUPPRESSION_CITATIONS = {
    "email": "15 U.S.C. 7704(a)(4); S.C. 2010, c. 23, s. 11(3); GDPR art. 21(2)-(3)",
    "sms": "47 CFR 64.1200(a)(10); S.C. 2010, c. 23, s. 11(3); GDPR art. 21(2)-(3)",
    "ads": "Cal. Civ. Code 1798.120, 1798.135; 11 CCR 7025",
}
_REVOCATION_CITATIONS = {
    "email": "15 U.S.C. 7704(a)(4); S.C. 2010, c. 23, s. 11(3); GDPR art. 7(3)",
    "sms": "47 CFR 64.1200(a)(10); S.C. 2010, c. 23, s. 11(3); GDPR art. 7(3)",
    "ads": "Cal. Civ. Code 1798.120, 1798.135; 11 CCR 7025",
}


class SuppressionCheck:
    """Block a message to an address on the suppression list for the draft's channel."""

    key = "suppression"
    channels = CONSENTED_CHANNELS
    jurisdictions = None
    verticals = None

    def __call__(self, draft: Draft) -> Sequence[Finding]:
        recipient = draft.recipient
        channel = consent_channel(draft.channel)
        if recipient is None or channel is None or not recipient.suppressed:
            return ()
        if not recipient.is_suppressed(channel):
            return ()
        return (
            Finding(
                rule="suppression.suppressed",
                severity=Severity.BLOCK,
                message=f"The recipient's address is on the suppression list for {channel}"
                " (an opt-out, an erasure or a bounce): nothing may be sent to it.",
                citation=_SUPPRESSION_CITATIONS[channel],
                fix="Remove the recipient. A suppression is lifted only by a new, recorded "
                "opt-in from the person.",
                evidence={
                    "contact_id": recipient.contact_id,
                    "channel": channel,
                    "suppressed_on": sorted(recipient.suppressed),
                },
            ),
        )


class RevokedConsentCheck:
    """Block when the latest ledger entry for the channel is a revocation."""

    key = "consent.revoked"
    channels = CONSENTED_CHANNELS
    jurisdictions = None
    verticals = None

    def __call__(self, draft: Draft) -> Sequence[Finding]:
        recipient = draft.recipient
        channel = consent_channel(draft.channel)
        if recipient is None or channel is None:
            return ()
        state = recipient.consents.get(channel)
        if state is None or not state.revoked:
            return ()
        when = f"{state.recorded_at:%Y-%m-%d %H:%M} UTC" if state.recorded_at else "?"
        return (
            Finding(
                rule="consent.revoked.latest",
                severity=Severity.BLOCK,
                message=f"The recipient withdrew {channel} consent ({when}, via "
                f"{state.source or 'an unknown source'}); withdrawal takes effect at once.",
                citation=_REVOCATION_CITATIONS[channel],
                fix="Remove the recipient; only a new opt-in they give themselves restores it.",
                evidence={"contact_id": recipient.contact_id, **evidence(state)},
            ),
        )

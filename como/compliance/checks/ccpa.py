"""CCPA/CPRA: a person who opted out of the sale or sharing of their data (directly or by a
Global Privacy Control signal) never enters an ad audience upload."""

from __future__ import annotations

from collections.abc import Sequence

from ..drafts import Draft
from ..findings import Finding, Severity
from .common import ADS_CHANNELS, is_audience_upload

#: How many ids the message names; the evidence lists all of them.
_NAMED = 10


class CcpaAudienceCheck:
    key = "ccpa"
    channels = ADS_CHANNELS
    jurisdictions = None
    verticals = None

    def __call__(self, draft: Draft) -> Sequence[Finding]:
        if not draft.audience or not is_audience_upload(draft):
            return ()
        opted_out = [
            member.contact_id
            for member in draft.audience
            if member.is_suppressed("ads") or member.consent("ads").revoked
        ]
        if not opted_out:
            return ()
        named = ", ".join(str(contact_id) for contact_id in opted_out[:_NAMED])
        more = f" and {len(opted_out) - _NAMED} more" if len(opted_out) > _NAMED else ""
        return (
            Finding(
                rule="ccpa.opted_out",
                severity=Severity.BLOCK,
                message=f"{len(opted_out)} audience member(s) opted out of the sale or sharing "
                f"of their data and must not be uploaded: contacts {named}{more}.",
                citation="Cal. Civ. Code 1798.120, 1798.135; 11 CCR 7025 (Global Privacy Control)",
                fix="Remove these contacts from the audience before uploading it.",
                evidence={"contact_ids": opted_out, "count": len(opted_out)},
            ),
        )

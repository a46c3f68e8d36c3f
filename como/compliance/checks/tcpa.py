"""TCPA, for marketing texts to US recipients: prior express written consent, a first message
that says who is texting and how to stop, and quiet hours in the recipient's local time."""

from __future__ import annotations

import re
from collections.abc import Sequence

from como.consent.state import Basis

from ..drafts import Draft
from ..findings import Finding, Severity
from ..quiet_hours import NoSendingWindow, next_allowed, sms_window
from .common import SMS, describe, evidence

_STOP = re.compile(r"\bstop\b", re.IGNORECASE)
_US = frozenset({"US"})
_SMS = frozenset({SMS})


class TcpaCheck:
    key = "tcpa"
    channels = _SMS
    jurisdictions = _US
    verticals = None

    def __call__(self, draft: Draft) -> Sequence[Finding]:
        findings: list[Finding] = []
        recipient = draft.recipient
        if recipient is not None:
            state = recipient.consent("sms")
            if not (state.granted and state.basis == Basis.EXPRESS_WRITTEN):
                findings.append(
                    Finding(
                        rule="tcpa.written_consent",
                        severity=Severity.BLOCK,
                        message="Marketing texts need the recipient's prior express written "
                        f"consent; the ledger has {describe(state)}.",
                        citation="47 CFR 64.1200(a)(2), (f)(9)",
                        fix="Send only to recipients who signed an SMS opt-in naming this "
                        "sender, with its wording, time and source recorded.",
                        evidence={"contact_id": recipient.contact_id, **evidence(state)},
                    )
                )
        # A draft linted without a recipient is read as a first message: the stricter case.
        if recipient is None or recipient.messages_sent == 0:
            body = draft.fields.get("body", "")
            name = draft.sender.name.strip()
            names_sender = bool(name) and name.casefold() in body.casefold()
            says_stop = _STOP.search(body) is not None
            if not (names_sender and says_stop):
                missing = [
                    what
                    for what, present in (
                        (f"the sender's name ({name or 'none set'})", names_sender),
                        ("how to opt out (e.g. 'Reply STOP to opt out')", says_stop),
                    )
                    if not present
                ]
                findings.append(
                    Finding(
                        rule="tcpa.identification",
                        severity=Severity.BLOCK,
                        message="The first text to a recipient must name the sender and say "
                        f"how to opt out; missing: {' and '.join(missing)}.",
                        citation="47 CFR 64.1200(b)(1), (d)(4); CTIA Messaging Principles and "
                        "Best Practices",
                        fix=f"Start with '{name or 'Your business name'}:' and end with "
                        "'Reply STOP to opt out.'",
                        evidence={
                            "messages_sent": recipient.messages_sent if recipient else 0,
                            "names_sender": names_sender,
                            "says_stop": says_stop,
                        },
                    )
                )
        return findings


class QuietHoursCheck:
    """Defer (never drop) a text that would arrive outside 08:00-21:00 local (FL: 20:00)."""

    key = "tcpa.quiet_hours"
    channels = _SMS
    jurisdictions = _US
    verticals = None

    def __call__(self, draft: Draft) -> Sequence[Finding]:
        recipient = draft.recipient
        if recipient is None:
            return ()
        window = sms_window(recipient.phone, recipient.region, recipient.country)
        try:
            until = next_allowed(draft.at, window)
        except NoSendingWindow as error:
            return (
                Finding(
                    rule="tcpa.quiet_hours.no_window",
                    severity=Severity.BLOCK,
                    message=f"No instant is inside quiet-hours limits in every zone the number "
                    f"may be in: {error}",
                    citation=window.citation,
                    fix="Record the recipient's state (region) or a geographic number.",
                    evidence={"zones": list(window.zone_names)},
                ),
            )
        if until is None:
            return ()
        local = ", ".join(
            f"{draft.at.astimezone(zone):%H:%M} {name}"
            for name, zone in zip(window.zone_names, window.zones, strict=True)
        )
        return (
            Finding(
                rule="tcpa.quiet_hours.outside_window",
                severity=Severity.DEFER,
                message=f"It is {local} for the recipient, outside "
                f"{window.opens:02d}:00-{window.closes:02d}:00 local"
                f"{' (Florida)' if window.florida else ''}; the text waits until "
                f"{until:%Y-%m-%d %H:%M} UTC.",
                citation=window.citation,
                fix="Nothing to fix: it is sent when the window opens.",
                evidence={
                    "zones": list(window.zone_names),
                    "zones_from": window.source,
                    "opens": window.opens,
                    "closes": window.closes,
                    "florida": window.florida,
                    "at": draft.at.isoformat(),
                },
                defer_until=until,
            ),
        )

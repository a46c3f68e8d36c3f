"""What the generic checks share: which consent channel a send channel needs, and how a
consent state is described in a finding."""

from __future__ import annotations

from typing import Any

from como.consent.state import ConsentState

from ..drafts import Draft

#: The channel adapters' keys, i.e. the values of ``Draft.channel``.
EMAIL = "email"
SMS = "sms"
ADS_CHANNELS = frozenset({"paid_search", "paid_social", "linkedin"})
KNOWN_CHANNELS = ("email", "sms", "paid_search", "paid_social", "linkedin", "direct_mail")

#: The consent a send channel needs: ads audiences are the "ads" consent (sale/sharing).
CONSENT_CHANNEL: dict[str, str] = {
    EMAIL: "email",
    SMS: "sms",
    **dict.fromkeys(ADS_CHANNELS, "ads"),
}
MESSAGE_CHANNELS = frozenset({EMAIL, SMS})
CONSENTED_CHANNELS = frozenset(CONSENT_CHANNEL)


def consent_channel(channel: str) -> str | None:
    """The consent channel a send channel needs; None for channels without one (direct mail)."""
    return CONSENT_CHANNEL.get(channel)


def is_audience_upload(draft: Draft) -> bool:
    return draft.kind.endswith("audience_upload")


def describe(state: ConsentState) -> str:
    """'no sms consent on record', 'sms consent revoked on 2026-01-02'…"""
    if not state.on_record:
        return f"no {state.channel} consent on record"
    if state.revoked:
        return f"{state.channel} consent revoked on {_day(state)}"
    if state.expired:
        expiry = f"{state.expires_at:%Y-%m-%d}" if state.expires_at else "?"
        return f"{state.channel} consent ({state.basis}) expired on {expiry}"
    return f"{state.channel} consent granted on {_day(state)} as {state.basis or 'no basis'}"


def evidence(state: ConsentState) -> dict[str, Any]:
    """The ledger entry the check read, as JSON (findings are stored on the action)."""
    return {
        "channel": state.channel,
        "granted": state.granted,
        "basis": state.basis,
        "record_id": state.record_id,
        "recorded_at": state.recorded_at.isoformat() if state.recorded_at else None,
        "expires_at": state.expires_at.isoformat() if state.expires_at else None,
        "revoked": state.revoked,
        "expired": state.expired,
        "source": state.source,
    }


def _day(state: ConsentState) -> str:
    return f"{state.recorded_at:%Y-%m-%d}" if state.recorded_at else "an unknown date"

"""Drafts, recipients and consent states as plain data, for the checks' pure tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from como.compliance.drafts import Draft, Recipient, Sender
from como.consent.state import ConsentState

#: Mid-afternoon everywhere in the continental US (15:00 Eastern, 12:00 Pacific).
NOON = datetime(2026, 6, 10, 19, 0, tzinfo=UTC)
ADDRESS = "1 Main St, Springfield, IL 62701"
SENDER = Sender(name="Acme Motors", postal_address=ADDRESS, country="US")
UNSUBSCRIBE_URL = "https://como.example/u/tok123"

GOOD_EMAIL = {
    "subject": "Your service reminder",
    "from": "Acme Motors <news@acme.example>",
    "body": "Hello, your car is due for service.\n\n"
    f"Acme Motors, {ADDRESS}\nUnsubscribe: {UNSUBSCRIBE_URL}",
    "list_unsubscribe": f"<{UNSUBSCRIBE_URL}>, <mailto:unsub@como.example>",
    "list_unsubscribe_post": "List-Unsubscribe=One-Click",
}
GOOD_SMS = {"body": "Acme Motors: 20% off service this week. Reply STOP to opt out."}


def granted(
    channel: str, basis: str = "express_written", *, expires_at: datetime | None = None
) -> ConsentState:
    return ConsentState(
        channel=channel,
        granted=True,
        basis=basis,
        source="web_form",
        recorded_at=NOON - timedelta(days=30),
        expires_at=expires_at,
        record_id=1,
    )


def revoked(channel: str) -> ConsentState:
    return ConsentState(
        channel=channel,
        granted=False,
        source="sms_keyword",
        recorded_at=datetime(2026, 6, 1, 12, 0, tzinfo=UTC),
        revoked=True,
        record_id=2,
    )


def expired(channel: str, basis: str, expires_at: datetime) -> ConsentState:
    return ConsentState(
        channel=channel,
        granted=False,
        basis=basis,
        source="purchase",
        recorded_at=expires_at - timedelta(days=730),
        expires_at=expires_at,
        expired=True,
        record_id=3,
    )


def person(
    *consents: ConsentState,
    country: str = "US",
    region: str = "IL",
    phone: str = "+13125550123",
    email: str = "ana@example.com",
    contact_id: int = 7,
    suppressed: frozenset[str] = frozenset(),
    messages_sent: int = 0,
) -> Recipient:
    return Recipient(
        contact_id=contact_id,
        email=email,
        phone=phone,
        country=country,
        region=region,
        consents={state.channel: state for state in consents},
        suppressed=suppressed,
        messages_sent=messages_sent,
    )


def draft(
    channel: str,
    recipient: Recipient | None = None,
    *,
    fields: dict[str, str] | None = None,
    at: datetime = NOON,
    **extra: Any,
) -> Draft:
    if fields is None:
        fields = GOOD_EMAIL if channel == "email" else GOOD_SMS if channel == "sms" else {}
    return Draft(
        channel=channel,
        sender=extra.pop("sender", SENDER),
        at=at,
        fields=fields,
        recipient=recipient,
        **extra,
    )

"""Contacts into :class:`~como.compliance.drafts.Recipient` values: consent and suppression for
any number of contacts in two queries, so the checks themselves never touch the database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from como.consent.selectors import consent_states, suppressed_channels
from como.leads.models import Contact

from .drafts import Recipient


def recipients_for(
    *,
    workspace_id: int,
    contacts: Sequence[Contact],
    at: datetime,
    messages_sent: Mapping[int, int] | None = None,
) -> list[Recipient]:
    """In the order given. ``messages_sent`` (by contact id) comes from the channel, which
    knows what it has sent."""
    states = consent_states(workspace_id=workspace_id, contact_ids=[c.pk for c in contacts], at=at)
    suppressed = suppressed_channels(
        workspace_id=workspace_id, addresses={c.pk: (c.email, c.phone) for c in contacts}
    )
    sent = messages_sent or {}
    return [
        Recipient(
            contact_id=contact.pk,
            email=contact.email,
            phone=contact.phone,
            country=contact.country,
            region=contact.region,
            consents=states.get(contact.pk, {}),
            suppressed=suppressed.get(contact.pk, frozenset()),
            messages_sent=sent.get(contact.pk, 0),
        )
        for contact in contacts
    ]

"""Compliance's reads: contacts into :class:`~como.compliance.drafts.Recipient` values, consent
and suppression for any number of contacts in two queries, so the checks themselves never touch
the database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import phonenumbers

from como.consent.selectors import consent_states, suppressed_channels
from como.leads.models import Contact
from como.workspaces.models import Workspace

from .drafts import Recipient


def recipients_for(
    *,
    workspace_id: int,
    contacts: Sequence[Contact],
    at: datetime,
    messages_sent: Mapping[int, int] | None = None,
) -> list[Recipient]:
    """In the order given. ``messages_sent`` (by contact id) comes from the channel, which
    knows what it has sent. A contact without a country is placed by its phone number, else
    in the workspace's country."""
    states = consent_states(workspace_id=workspace_id, contact_ids=[c.pk for c in contacts], at=at)
    suppressed = suppressed_channels(
        workspace_id=workspace_id, addresses={c.pk: (c.email, c.phone) for c in contacts}
    )
    sent = messages_sent or {}
    fallback = _WorkspaceCountry(workspace_id)
    return [
        Recipient(
            contact_id=contact.pk,
            email=contact.email,
            phone=contact.phone,
            country=contact.country or _phone_country(contact.phone) or fallback(),
            region=contact.region,
            consents=states.get(contact.pk, {}),
            suppressed=suppressed.get(contact.pk, frozenset()),
            messages_sent=sent.get(contact.pk, 0),
        )
        for contact in contacts
    ]


def _phone_country(phone: str) -> str:
    """The country a stored E.164 number belongs to ("" when it tells none)."""
    if not phone:
        return ""
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(phone)) or ""
    except phonenumbers.NumberParseException:
        return ""


class _WorkspaceCountry:
    """The workspace's country, read once and only if a contact tells no country of its own.

    Without a country no jurisdiction's checks would apply to a recipient, and the gate would
    fail open: a contact with neither a country nor a phone is checked as a resident of the
    workspace's own country."""

    def __init__(self, workspace_id: int) -> None:
        self.workspace_id = workspace_id
        self.country: str | None = None

    def __call__(self) -> str:
        if self.country is None:
            self.country = (
                Workspace.objects.filter(pk=self.workspace_id)
                .values_list("country", flat=True)
                .first()
                or ""
            )
        return self.country

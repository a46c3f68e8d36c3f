"""Writes to the ledger and the suppression list. Every opt-out path ends here, so STOP, the
unsubscribe link, the one-click POST, the admin, the API and a GPC signal all take effect the
moment their transaction commits."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from como.leads.models import Contact

from .hashing import suppression_digest
from .models import ConsentAction, ConsentRecord, Suppression, SuppressionReason
from .state import IMPLIED_DAYS, Basis, Channel

#: Revoking on one of these suppresses the contact's email address; on the others, the phone.
EMAIL_CHANNELS = frozenset({Channel.EMAIL})
PHONE_CHANNELS = frozenset({Channel.SMS, Channel.PHONE})


def implied_expiry(basis: str, at: datetime) -> datetime | None:
    """CASL implied consent: 2 years after a purchase, 6 months after an inquiry."""
    days = IMPLIED_DAYS.get(Basis(basis)) if basis in Basis._value2member_map_ else None
    return at + timedelta(days=days) if days else None


@transaction.atomic
def consent_grant(
    *,
    contact: Contact,
    channel: str,
    basis: str,
    source: str,
    jurisdiction: str = "",
    wording: str = "",
    ip: str | None = None,
    user_agent: str = "",
    at: datetime | None = None,
    expires_at: datetime | None = None,
    recorded_by: Any = None,
) -> ConsentRecord:
    """Append a grant. Implied bases get their CASL expiry unless one is given."""
    at = at or timezone.now()
    return ConsentRecord.objects.create(
        workspace_id=contact.workspace_id,
        contact=contact,
        channel=Channel(channel),
        action=ConsentAction.GRANT,
        basis=Basis(basis),
        jurisdiction=jurisdiction,
        source=source,
        wording=wording,
        ip=ip,
        user_agent=user_agent[:500],
        at=at,
        expires_at=expires_at or implied_expiry(basis, at),
        recorded_by=recorded_by,
    )


@transaction.atomic
def consent_revoke(
    *,
    contact: Contact,
    channel: str,
    source: str,
    reason: str = SuppressionReason.UNSUBSCRIBED,
    wording: str = "",
    ip: str | None = None,
    user_agent: str = "",
    at: datetime | None = None,
    recorded_by: Any = None,
) -> ConsentRecord:
    """Append a revocation and suppress the contact's address on that channel.

    The suppression is what makes it stick: it holds for the address even if the contact is
    merged, erased or imported again."""
    at = at or timezone.now()
    channel = Channel(channel)
    record = ConsentRecord.objects.create(
        workspace_id=contact.workspace_id,
        contact=contact,
        channel=channel,
        action=ConsentAction.REVOKE,
        source=source,
        wording=wording,
        ip=ip,
        user_agent=user_agent[:500],
        at=at,
        recorded_by=recorded_by,
    )
    addresses = [contact.email] if channel in EMAIL_CHANNELS else []
    if channel in PHONE_CHANNELS:
        addresses.append(contact.phone)
    if channel is Channel.ADS:
        addresses = [contact.email, contact.phone]
    suppress(
        workspace_id=contact.workspace_id,
        addresses=[a for a in addresses if a],
        channel=channel,
        reason=reason,
    )
    return record


def suppress(
    *, workspace_id: int, addresses: Iterable[str], channel: str, reason: str
) -> list[Suppression]:
    """Add addresses to the suppression list (idempotent: an existing entry stays as it was)."""
    rows = [
        Suppression(
            workspace_id=workspace_id,
            digest=suppression_digest(workspace_id, address),
            channel=channel,
            reason=reason,
        )
        for address in addresses
        if address
    ]
    return Suppression.objects.bulk_create(rows, ignore_conflicts=True)

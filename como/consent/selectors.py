"""Reading the ledger: consent by contact and channel at an instant, and suppressions.

Both read many contacts in one query each, so an audience of 100,000 is two queries, not
200,000.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from como.leads.models import Contact

from .hashing import suppression_digests
from .models import ConsentAction, ConsentRecord, Suppression
from .state import Channel, ConsentState, no_consent


def consent_states(
    *, workspace_id: int, contact_ids: Iterable[int], at: datetime
) -> dict[int, dict[str, ConsentState]]:
    """For each contact, by channel: the latest ledger entry made at or before ``at``."""
    ids = sorted(set(contact_ids))
    if not ids:
        return {}
    latest = (
        ConsentRecord.objects.filter(workspace_id=workspace_id, contact_id__in=ids, at__lte=at)
        .order_by("contact_id", "channel", "-at", "-id")
        .distinct("contact_id", "channel")
    )
    states: dict[int, dict[str, ConsentState]] = {pk: {} for pk in ids}
    for record in latest:
        states[record.contact_id][record.channel] = state_of(record, at)
    return states


def state_of(record: ConsentRecord, at: datetime) -> ConsentState:
    revoked = record.action == ConsentAction.REVOKE
    expired = not revoked and record.expires_at is not None and record.expires_at <= at
    return ConsentState(
        channel=record.channel,
        granted=not revoked and not expired,
        basis=record.basis,
        jurisdiction=record.jurisdiction,
        source=record.source,
        wording=record.wording,
        recorded_at=record.at,
        expires_at=record.expires_at,
        revoked=revoked,
        expired=expired,
        record_id=record.pk,
    )


def suppressed_channels(
    *, workspace_id: int, addresses: Mapping[int, Iterable[str]]
) -> dict[int, frozenset[str]]:
    """For each contact id, the channels its addresses are suppressed on ("*": all)."""
    digests: dict[str, list[int]] = {}
    for contact_id, values in addresses.items():
        for address in values:
            for digest in suppression_digests(workspace_id, address) if address else []:
                digests.setdefault(digest, []).append(contact_id)
    found: dict[int, set[str]] = {contact_id: set() for contact_id in addresses}
    if digests:
        rows = Suppression.objects.filter(
            workspace_id=workspace_id, digest__in=list(digests)
        ).values_list("digest", "channel")
        for digest, channel in rows:
            for contact_id in digests[digest]:
                found[contact_id].add(channel)
    return {contact_id: frozenset(channels) for contact_id, channels in found.items()}


def contact_consent_now(*, contact: Contact, at: datetime | None = None) -> dict[str, ConsentState]:
    """The contact's consent on every channel at ``at`` (default now); ``no_consent`` where
    nothing is on record."""
    at = at or timezone.now()
    found = consent_states(workspace_id=contact.workspace_id, contact_ids=[contact.pk], at=at)
    mine = found.get(contact.pk, {})
    return {
        channel.value: mine.get(channel.value, no_consent(channel.value)) for channel in Channel
    }


def contact_ledger(*, contact: Contact) -> QuerySet[ConsentRecord]:
    """The contact's ledger entries, newest first."""
    return ConsentRecord.objects.filter(
        workspace_id=contact.workspace_id, contact_id=contact.pk
    ).order_by("-at", "-id")


def contact_suppressed_channels(*, contact: Contact) -> frozenset[str]:
    found = suppressed_channels(
        workspace_id=contact.workspace_id, addresses={contact.pk: (contact.email, contact.phone)}
    )
    return found[contact.pk]


def suppressions_of_address(
    suppressions: QuerySet[Suppression], *, address: str, workspace_ids: Iterable[int]
) -> QuerySet[Suppression]:
    """The entries of ``suppressions`` for ``address``: the digest is salted per workspace, so
    one digest per workspace the caller can see."""
    condition = Q(pk__in=[])
    for workspace_id in workspace_ids:
        digests = suppression_digests(workspace_id, address)
        condition |= Q(workspace_id=workspace_id, digest__in=digests)
    return suppressions.filter(condition)

"""Writes to the ledger and the suppression list. Every opt-out path ends here, so STOP, the
unsubscribe link, the one-click POST, the admin, the API and a GPC signal all take effect the
moment their transaction commits."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from como.leads.models import Contact
from como.leads.normalize import normalize_email, normalize_phone
from como.leads.services import contacts_lock_for_delete
from como.workspaces.models import Workspace
from como.workspaces.users import User

from .hashing import suppression_digest, suppression_digests
from .models import (
    ConsentAction,
    ConsentRecord,
    Erasure,
    ErasureSource,
    Suppression,
    SuppressionReason,
)
from .state import EXPRESS_BASES, IMPLIED_TERMS, Basis, Channel

#: Revoking on one of these suppresses the contact's email address; on the others, the phone.
EMAIL_CHANNELS = frozenset({Channel.EMAIL})
PHONE_CHANNELS = frozenset({Channel.SMS, Channel.PHONE})


def _addresses_for(contact: Contact, channel: Channel) -> list[str]:
    """The contact's addresses a channel's suppression is keyed by: the email for email, the
    phone for texts and calls, both for ad audiences."""
    if channel is Channel.ADS:
        addresses = [contact.email, contact.phone]
    elif channel in EMAIL_CHANNELS:
        addresses = [contact.email]
    elif channel in PHONE_CHANNELS:
        addresses = [contact.phone]
    else:
        addresses = []
    return [address for address in addresses if address]


def implied_expiry(basis: str, at: datetime) -> datetime | None:
    """CASL implied consent: 2 years after a purchase, 6 months after an inquiry."""
    term = IMPLIED_TERMS.get(basis)
    return at + term if term is not None else None


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
    """Append a grant. Implied bases get their CASL expiry unless one is given.

    An express grant also lifts what the person's own earlier opt-out on this channel added
    to the suppression list (an unsubscribe, a STOP): they have just asked again. Nothing else
    is lifted: not an erasure, a member's suppression, a bounce or a GPC signal; and implied
    consent never overrides an opt-out."""
    at = at or timezone.now()
    if basis in EXPRESS_BASES:
        for address in _addresses_for(contact, Channel(channel)):
            for reason in (SuppressionReason.UNSUBSCRIBED, SuppressionReason.STOP):
                suppression_lift(
                    workspace_id=contact.workspace_id,
                    address=address,
                    channel=channel,
                    reason=reason,
                )
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
    suppress(
        workspace_id=contact.workspace_id,
        addresses=_addresses_for(contact, channel),
        channel=channel,
        reason=reason,
    )
    return record


def suppress(
    *,
    workspace_id: int,
    addresses: Iterable[str],
    channel: str,
    reason: str,
    overriding: bool = False,
) -> list[Suppression]:
    """Add addresses to the suppression list. Idempotent: an existing entry stays as it was,
    unless ``overriding`` (an erasure), which makes it that reason's — an entry an erasure
    relies on must not stay one a member may lift."""
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
    if overriding:
        return Suppression.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["workspace", "digest", "channel"],
            update_fields=["reason"],
        )
    return Suppression.objects.bulk_create(rows, ignore_conflicts=True)


#: The suppression list's channel for "every channel" (an erased person).
ALL_CHANNELS = "*"
#: The header of the Global Privacy Control signal (https://privacycg.github.io/gpc-spec/).
GPC_HEADER = "Sec-GPC"
#: The source recorded for a GPC opt-out.
GPC_SOURCE = "gpc"


def channels_parse(channels: Iterable[str] | None) -> list[Channel]:
    """The channels named, in ledger order, without repeats; None means all four."""
    if channels is None:
        return list(Channel)
    if isinstance(channels, str):
        raise ValidationError({"channels": ["Give a list of channels, not one string."]})
    names = list(channels)
    unknown = sorted({str(name) for name in names} - set(Channel))
    if unknown:
        raise ValidationError(
            {
                "channels": [
                    f"Unknown channel {name!r}: use {', '.join(Channel)}." for name in unknown
                ]
            }
        )
    if not names:
        raise ValidationError({"channels": ["Name at least one channel, or leave it out for all."]})
    return [channel for channel in Channel if channel in names]


@transaction.atomic
def contact_opt_out(
    *,
    contact: Contact,
    channels: Sequence[str] | None = None,
    source: str,
    reason: str,
    ip: str | None = None,
    user_agent: str = "",
    at: datetime | None = None,
    recorded_by: Any = None,
) -> list[ConsentRecord]:
    """Revoke consent on several channels at once (None: email, sms, phone and ads).

    Every channel named gets a revocation, even one already revoked: each request is evidence
    of its own. The admin, the API and GPC all come through here or :func:`consent_revoke`."""
    at = at or timezone.now()
    return [
        consent_revoke(
            contact=contact,
            channel=channel,
            source=source,
            reason=reason,
            ip=ip,
            user_agent=user_agent,
            at=at,
            recorded_by=recorded_by,
        )
        for channel in channels_parse(channels)
    ]


def request_has_gpc(headers: Mapping[str, str]) -> bool:
    """Whether a request carries the Global Privacy Control signal (``Sec-GPC: 1``).

    ``headers`` is ``request.headers`` (case-insensitive) or any mapping of header names."""
    value = headers.get(GPC_HEADER)
    if value is None:
        value = next((v for k, v in headers.items() if k.lower() == GPC_HEADER.lower()), None)
    return value is not None and value.strip() == "1"


@transaction.atomic
def gpc_opt_out(
    *, contact: Contact, ip: str | None, user_agent: str, at: datetime | None = None
) -> ConsentRecord | None:
    """Honour a GPC signal: an opt-out of sale/sharing (CCPA), i.e. of ad audiences.

    Browsers send the signal on every request, so it is idempotent: when the contact's latest
    "ads" entry is already a revocation nothing is appended and None is returned. The contact
    row is locked first, so two concurrent tracked requests append one entry, not two."""
    at = at or timezone.now()
    Contact.objects.select_for_update().filter(pk=contact.pk).first()
    latest = (
        ConsentRecord.objects.filter(contact_id=contact.pk, channel=Channel.ADS)
        .order_by("-at", "-id")
        .values_list("action", flat=True)
        .first()
    )
    if latest == ConsentAction.REVOKE:
        return None
    return consent_revoke(
        contact=contact,
        channel=Channel.ADS,
        source=GPC_SOURCE,
        reason=SuppressionReason.GPC,
        ip=ip,
        user_agent=user_agent,
        at=at,
    )


def contact_addresses(contact: Contact) -> list[str]:
    """The addresses of a contact the suppression list can key on."""
    return [address for address in (contact.email, contact.phone) if address]


@transaction.atomic
def contact_erase(
    *,
    contact: Contact,
    actor: User | None = None,
    reason: str = "",
    source: str = ErasureSource.SYSTEM,
) -> Erasure:
    """Erase a person (GDPR art. 17) and keep them suppressed everywhere.

    The normalised email and phone go on the suppression list for every channel ("*"), so an
    import of the same address later creates a new contact that nothing may contact. Then the
    contact is deleted, and with it (by cascade) its events, anonymous ids, ledger entries,
    stage history and messages. The :class:`Erasure` row keeps only the digests, the actor,
    the time and the reason."""
    suppressed = suppress(
        workspace_id=contact.workspace_id,
        addresses=contact_addresses(contact),
        channel=ALL_CHANNELS,
        reason=SuppressionReason.ERASED,
        overriding=True,
    )
    erasure = Erasure.objects.create(
        workspace_id=contact.workspace_id,
        digests=sorted({row.digest for row in suppressed}),
        actor=actor,
        source=ErasureSource(source),
        reason=reason,
    )
    contacts_lock_for_delete([contact.pk])  # events in flight are deleted too
    contact.delete()
    return erasure


@transaction.atomic
def suppression_add(*, workspace_id: int, address: str, channel: str, reason: str) -> Suppression:
    """Suppress one address on one channel ("*": all); the address itself is not kept.

    Returns the entry, the existing one when the address was already suppressed there."""
    address = address.strip()
    if not address:
        raise ValidationError({"address": ["Give an email address or a phone number."]})
    # Normalised as contacts' addresses are, so the digest matches theirs: a local number in
    # the workspace's country (030 1234567 in Germany) becomes E.164; anything that is neither
    # an address nor a number would match nobody, so it is refused rather than stored.
    try:
        if "@" in address:
            address = normalize_email(address)
        else:
            country = Workspace.objects.values_list("country", flat=True).get(pk=workspace_id)
            address = normalize_phone(address, default_region=country or None)
    except ValidationError as error:
        raise ValidationError({"address": error.messages}) from None
    if channel != ALL_CHANNELS and channel not in set(Channel):
        raise ValidationError({"channel": [f"Unknown channel {channel!r}."]})
    suppression, _ = Suppression.objects.get_or_create(
        workspace_id=workspace_id,
        digest=suppression_digest(workspace_id, address),
        channel=channel,
        defaults={"reason": SuppressionReason(reason)},
    )
    return suppression


def consent_records_carry_over(workspace_id: int, merged: Mapping[int, int]) -> None:
    """Identity merge handler: copy an anonymous contact's ledger onto the contact it merged
    into, then delete the originals (identity deletes the anonymous contact with plain SQL,
    which cascades nothing).

    Copies, not moves: the ledger refuses UPDATE (see migration 0003). Each copy keeps its
    time, so the latest-entry-wins reading gives the same state as before the merge: a GPC
    opt-out sent while the visitor was anonymous survives them filling in a form."""
    if not merged:
        return
    originals = ConsentRecord.objects.filter(workspace_id=workspace_id, contact_id__in=list(merged))
    copies = [
        ConsentRecord(
            workspace_id=record.workspace_id,
            contact_id=merged[record.contact_id],
            channel=record.channel,
            action=record.action,
            basis=record.basis,
            jurisdiction=record.jurisdiction,
            source=record.source,
            wording=record.wording,
            ip=record.ip,
            user_agent=record.user_agent,
            at=record.at,
            expires_at=record.expires_at,
            recorded_by_id=record.recorded_by_id,
        )
        for record in originals.order_by("at", "id")
    ]
    if copies:
        ConsentRecord.objects.bulk_create(copies)
        originals.delete()


def suppression_lift(*, workspace_id: int, address: str, channel: str, reason: str) -> int:
    """Remove the suppression one kind of opt-out added for an address on a channel (a START
    undoing a STOP); any other suppression of that address stays. Returns how many went."""
    deleted, _ = Suppression.objects.filter(
        workspace_id=workspace_id,
        digest__in=suppression_digests(workspace_id, address),
        channel=channel,
        reason=reason,
    ).delete()
    return int(deleted)

"""Meta customer-list audiences: who goes into an upload (people who opted out of ads are
left out: CCPA's right to opt out of sale and sharing), normalised and SHA-256 hashed as Meta's
multi-key schema wants them; the upload itself is :mod:`.social`'s ``social_audience_upload``,
the removal (the same hashed schema, ``DELETE /{audience_id}/users``) its
``social_audience_remove``."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from como.compliance.drafts import Recipient
from como.compliance.selectors import recipients_for
from como.leads.models import Contact

from . import common

#: Meta takes at most 10,000 people per request; more go in one session of several batches.
BATCH_SIZE = 10_000
#: Meta's multi-key customer-list schema: each value normalised, then SHA-256 hashed.
AUDIENCE_SCHEMA = ["EMAIL", "PHONE"]


def normalized_email(email: str) -> str:
    """Meta: trim leading and trailing whitespace, lowercase."""
    return email.strip().lower()


def normalized_phone(phone: str) -> str:
    """Meta: digits only, with the country code, no leading zeros (E.164 without the +)."""
    return "".join(ch for ch in phone if ch.isdigit()).lstrip("0")


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest() if value else ""


def opted_out_of_ads(recipient: Recipient) -> bool:
    return recipient.consent("ads").revoked or recipient.is_suppressed("ads")


@dataclass(frozen=True, slots=True)
class Audience:
    """Who goes into an upload, and who was left out and why."""

    audience_id: str
    members: list[Recipient]
    opted_out: int
    without_identifier: int


def audience_for(
    payload: Mapping[str, Any], *, workspace_id: int, at: datetime, removal: bool = False
) -> Audience:
    """The workspace's contacts named in the payload, minus those opted out of ads at ``at``
    (for a ``removal`` everyone stays: taking an opted-out person out is what they asked)."""
    limits = common.Limits()
    audience_id = limits.identifier("audience_id", payload.get("audience_id"))
    raw = payload.get("contact_ids")
    ids: list[int] = []
    if not isinstance(raw, list) or not raw:
        limits.add("contact_ids", "Give a list of contact ids.")
    else:
        for index, value in enumerate(raw):
            if isinstance(value, int) and not isinstance(value, bool):
                ids.append(value)
            else:
                limits.add(f"contact_ids[{index}]", "Must be a contact id.")
    contacts = {
        contact.pk: contact
        for contact in Contact.objects.filter(workspace_id=workspace_id, pk__in=ids)
    }
    for index, value in enumerate(raw if isinstance(raw, list) else []):
        if isinstance(value, int) and value not in contacts:
            limits.add(f"contact_ids[{index}]", "No such contact in this workspace.")
    limits.raise_if_any()
    ordered = [contacts[pk] for pk in dict.fromkeys(ids)]
    everyone = recipients_for(workspace_id=workspace_id, contacts=ordered, at=at)
    allowed = everyone if removal else [r for r in everyone if not opted_out_of_ads(r)]
    members = [r for r in allowed if r.email or r.phone]
    return Audience(
        audience_id=audience_id,
        members=members,
        opted_out=len(everyone) - len(allowed),
        without_identifier=len(allowed) - len(members),
    )


def audience_rows(members: Sequence[Recipient]) -> list[list[str]]:
    return [[sha256(normalized_email(r.email)), sha256(normalized_phone(r.phone))] for r in members]

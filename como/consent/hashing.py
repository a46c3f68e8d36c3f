"""The suppression list's key: a workspace-salted SHA-256 of the normalised address.

Emails are lower-cased and stripped, their domains in IDNA A-label form (``xn--…``); phones
are E.164. The salt keeps one workspace's list from being joined against another's; it is the
workspace id, not a secret, so rotating SECRET_KEY can never un-suppress anybody.
"""

from __future__ import annotations

import hashlib

import idna
from django.core.exceptions import ValidationError

from como.leads.normalize import normalize_email, normalize_phone


def _digest(workspace_id: int, value: str) -> str:
    return hashlib.sha256(f"{workspace_id}:{value}".encode()).hexdigest()


def suppression_digest(workspace_id: int, address: str) -> str:
    """The digest for an email or an E.164 phone (anything with an ``@`` is an email)."""
    try:
        if "@" in address:
            value = "email:" + normalize_email(address)
        else:
            value = "phone:" + normalize_phone(address)
    except ValidationError:
        # Not a valid address, but a suppression must still match it exactly as stored.
        value = ("email:" if "@" in address else "phone:") + address.strip().lower()
    return _digest(workspace_id, value)


def suppression_digests(workspace_id: int, address: str) -> list[str]:
    """Every digest an entry for ``address`` may be stored under, for lookups.

    Before domains were normalised, ``ana@bücher.example`` was hashed as typed (lower-cased).
    Only the digest was kept, so no migration can rehash those entries (an erased person's, a
    bounce for an address no contact has): a lookup also tries the Unicode form of the domain,
    so those people stay suppressed."""
    digests = [suppression_digest(workspace_id, address)]
    try:
        email = normalize_email(address) if "@" in address else ""
    except ValidationError:
        email = ""
    local, _, domain = email.rpartition("@")
    if "xn--" in domain:
        try:
            legacy = f"{local}@{idna.decode(domain)}"
        except idna.IDNAError:
            return digests
        digests.append(_digest(workspace_id, "email:" + legacy))
    return digests

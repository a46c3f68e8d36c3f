"""The suppression list's key: a workspace-salted SHA-256 of the normalised address.

Emails are lower-cased and stripped; phones are E.164. The salt keeps one workspace's list from
being joined against another's; it is the workspace id, not a secret, so rotating SECRET_KEY can
never un-suppress anybody.
"""

from __future__ import annotations

import hashlib

from django.core.exceptions import ValidationError

from como.leads.normalize import normalize_email, normalize_phone


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
    return hashlib.sha256(f"{workspace_id}:{value}".encode()).hexdigest()

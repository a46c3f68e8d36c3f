"""Suppressions of contacts' internationalised addresses under the new digest as well.

Digests were made from the address as typed (``ana@bücher.example``); they are now made from
its IDNA form (``ana@xn--bcher-kva.example``). For every contact whose stored address has an
A-label, each suppression under the old digest is copied under the new one. Entries of
addresses no contact holds (an erased person's, a bounce) cannot be rehashed, since only their
digest was kept: lookups try the old form too (como.consent.hashing.suppression_digests).
"""

from __future__ import annotations

import hashlib
from typing import Any

import idna
from django.db import migrations


def _digest(workspace_id: int, email: str) -> str:
    return hashlib.sha256(f"{workspace_id}:email:{email}".encode()).hexdigest()


def forwards(apps: Any, schema_editor: Any) -> None:
    Contact = apps.get_model("leads", "Contact")
    Suppression = apps.get_model("consent", "Suppression")
    renamed: dict[tuple[int, str], str] = {}
    contacts = Contact.objects.filter(email__contains="xn--").values_list("workspace_id", "email")
    for workspace_id, email in contacts.iterator(chunk_size=2000):
        local, _, domain = email.rpartition("@")
        try:
            legacy = f"{local}@{idna.decode(domain)}"
        except idna.IDNAError:
            continue
        renamed[(workspace_id, _digest(workspace_id, legacy))] = _digest(workspace_id, email)
    copies = [
        Suppression(
            workspace_id=row.workspace_id,
            digest=renamed[(row.workspace_id, row.digest)],
            channel=row.channel,
            reason=row.reason,
        )
        for row in Suppression.objects.filter(digest__in={d for _, d in renamed}).iterator()
        if (row.workspace_id, row.digest) in renamed
    ]
    Suppression.objects.bulk_create(copies, batch_size=2000, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0003_ledger_append_only_trigger"),
        ("leads", "0006_idna_domains"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

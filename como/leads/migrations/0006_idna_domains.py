"""Stored addresses and account domains in one form: internationalised domains as IDNA A-labels
(``ana@bücher.example`` → ``ana@xn--bcher-kva.example``), as como.leads.normalize now writes them.

A row whose new form another row of its workspace already holds (the same person imported once
in each form) is left as it is rather than merged here: merging moves events, scores and consent
and belongs to the identity code, not to a migration. Compliance still treats both as one
address, because every suppression lookup normalises what it is given.
"""

from __future__ import annotations

from typing import Any

import idna
from django.db import migrations
from django.db.models import Q

#: Anything outside printable ASCII, or an A-label already (possibly in a non-canonical form).
_CANDIDATE = r"[^ -~]|xn--"


def _host(value: str) -> str | None:
    try:
        return idna.encode(value.strip().lower(), uts46=True).decode("ascii")
    except idna.IDNAError:
        return None  # not a valid name: left as stored, it matched nothing before either


def _email(value: str) -> str | None:
    local, at, domain = value.rpartition("@")
    host = _host(domain) if at and local else None
    return f"{local}@{host}" if host and len(local) + 1 + len(host) <= 254 else None


def _domain(value: str) -> str | None:
    host = _host(value)
    return host if host and len(host) <= 253 else None


def _rewrite(model: Any, field: str, canonical: Any) -> None:
    rows = model.objects.filter(**{f"{field}__regex": _CANDIDATE}).exclude(**{field: ""})
    for row in rows.only("pk", "workspace_id", field).iterator(chunk_size=2000):
        old = getattr(row, field)
        new = canonical(old)
        if new is None or new == old:
            continue
        taken = model.objects.filter(Q(workspace_id=row.workspace_id) & Q(**{field: new}))
        if taken.exists():
            continue
        model.objects.filter(pk=row.pk).update(**{field: new})


def forwards(apps: Any, schema_editor: Any) -> None:
    _rewrite(apps.get_model("leads", "Contact"), "email", _email)
    _rewrite(apps.get_model("leads", "Account"), "domain", _domain)


class Migration(migrations.Migration):
    dependencies = [("leads", "0005_account_owner")]

    # Backwards is a no-op: the A-label form is the same domain, and the code before this
    # migration matched it as typed.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

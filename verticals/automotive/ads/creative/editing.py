"""A workspace's edits of the vertical's creative templates (the admin's template editor).

A field is stored only while it differs from the vertical's default: emptying it, or typing
the default back, resets it, so a later improvement of the default reaches every workspace
that did not change that field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction

from como.creative import CreativeError, compile_creative
from como.workspaces.models import Workspace

from ..models import CreativeTemplate
from .render import source_errors
from .specs import SPECS, CreativeSpec


def spec_or_error(kind: Any) -> CreativeSpec:
    """The creative ``kind`` names, or a ValidationError on ``kind``."""
    spec = SPECS.find(kind) if isinstance(kind, str) else None
    if spec is None:
        known = ", ".join(sorted(SPECS.keys()))
        raise ValidationError({"kind": f"Not a creative: choose one of {known}."})
    return spec


def compile_errors(spec: CreativeSpec, sources: Mapping[str, str]) -> dict[str, str]:
    """``{field: "Line 2: unexpected '}'"}`` for the sources that do not compile."""
    errors: dict[str, str] = {}
    for name, source in sources.items():
        try:
            compile_creative(source, html=spec.html)
        except CreativeError as error:
            errors[name] = str(error)
    return errors


def creative_template_save(
    *,
    workspace: Workspace,
    kind: str,
    fields: Mapping[str, Any],
    user: AbstractBaseUser | AnonymousUser | None = None,
) -> CreativeTemplate:
    """Save the workspace's sources of ``kind``'s fields (those given; the others keep what is
    stored). An empty source resets its field to the default. Every field's problem is
    reported at once, keyed by field; nothing is saved unless all compile."""
    spec = spec_or_error(kind)
    errors = source_errors(spec, fields)
    if errors:
        raise ValidationError(errors)
    defaults = spec.defaults()
    given = {name: str(source) for name, source in fields.items()}
    errors = compile_errors(spec, {n: s for n, s in given.items() if s.strip()})
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row, _ = CreativeTemplate.objects.select_for_update().get_or_create(
            workspace=workspace, kind=spec.key
        )
        stored = dict(row.fields) if isinstance(row.fields, dict) else {}
        for name, source in given.items():
            if not source.strip() or source == defaults[name]:
                stored.pop(name, None)
            else:
                stored[name] = source
        # A field the spec no longer has (renamed in a release) is not kept around.
        row.fields = {name: stored[name] for name in defaults if name in stored}
        row.updated_by = user if isinstance(user, AbstractBaseUser) else None
        row.save()
    return row

"""Writes of saved audiences: create, change, delete, each validating the rule first.

A sequence that runs on an audience keeps the rule its approver saw (a copy in its approval),
so changing or deleting an audience here never changes who an approved sequence reaches; its
next version, proposed again, reads the audience as it is then.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from pydantic import ValidationError as PydanticError

from como.workspaces.models import Workspace

from .models import SavedAudience
from .rules import Rule, rule_of


def rule_validate(data: Any) -> Rule:
    """The rule, or Django's ValidationError with pydantic's messages by field path."""
    try:
        return rule_of(data)
    except PydanticError as error:
        errors: dict[str, list[str]] = {}
        for item in error.errors():
            where = ".".join(["rule", *(str(part) for part in item["loc"])])
            errors.setdefault(where, []).append(item["msg"])
        raise ValidationError(errors) from None


def audience_name_check(workspace_id: int, name: str, instance: SavedAudience | None) -> None:
    """ValidationError on ``name`` when another audience of the workspace has it."""
    taken = SavedAudience.objects.filter(workspace_id=workspace_id, name=name)
    if instance is not None:
        taken = taken.exclude(pk=instance.pk)
    if taken.exists():
        raise ValidationError({"name": ["An audience with this name exists in the workspace."]})


@transaction.atomic
def audience_create(
    *, workspace: Workspace, name: str, rule: Any, description: str = ""
) -> SavedAudience:
    valid = rule_validate(rule)
    audience_name_check(workspace.pk, name, None)
    return SavedAudience.objects.create(
        workspace=workspace,
        name=name,
        description=description,
        rule=valid.model_dump(mode="json", exclude_defaults=True),
    )


@transaction.atomic
def audience_update(*, audience: SavedAudience, **changes: Any) -> SavedAudience:
    """Change the name, description or rule; the others stay. Locks the audience's row."""
    locked = SavedAudience.objects.select_for_update().get(pk=audience.pk)
    if "rule" in changes:
        locked.rule = rule_validate(changes["rule"]).model_dump(mode="json", exclude_defaults=True)
    if "name" in changes:
        audience_name_check(locked.workspace_id, changes["name"], locked)
        locked.name = changes["name"]
    if "description" in changes:
        locked.description = changes["description"]
    locked.save()
    return locked


def audience_delete(*, audience: SavedAudience) -> None:
    audience.delete()

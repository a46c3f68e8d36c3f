"""Writes of scoring models: the lazily created default version, new versions, activation.
(Contacts' stored score state is written by :mod:`como.scoring.score_state`.)

Versions are immutable; a change is always a new version. Two writers of one workspace are
serialised on the workspace row (``SELECT … FOR UPDATE``), so version numbers never collide and
the "exactly one active" invariant holds under concurrency: the partial unique constraint
forbids two active versions, and these services never leave a workspace with none. A version
that replaces the active one re-scores the workspace in the background (:mod:`.rescoring`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from como import verticals
from como.workspaces.models import Workspace
from como.workspaces.users import User

from .models import ScoringModel, definition_errors

DEFAULT_NOTE = "Default model of the {vertical} vertical."


def _lock_workspace(workspace: Workspace) -> None:
    Workspace.objects.select_for_update().filter(pk=workspace.pk).values_list("pk").get()


@transaction.atomic
def scoring_model_active(*, workspace: Workspace) -> ScoringModel:
    """The workspace's active version; version 1 from its vertical's default model if it has
    none yet."""
    active = _active(workspace)
    if active is not None:
        return active
    # Racing first readers: the loser waits here and then finds the winner's version.
    _lock_workspace(workspace)
    active = _active(workspace)
    if active is not None:
        return active
    profile = verticals.get(workspace.vertical)
    return scoring_model_create_version(
        workspace=workspace,
        definition=dict(profile.default_scoring_model),
        note=DEFAULT_NOTE.format(vertical=profile.name),
    )


def _active(workspace: Workspace) -> ScoringModel | None:
    # At most one row (the partial unique constraint), so no ORDER BY: ``first()`` would add
    # the model's ordering, and compiling it (Django hashes every selected column) costs more
    # than the query itself on the ingest path, which asks once per batch.
    return next(
        iter(ScoringModel.objects.filter(workspace=workspace, is_active=True).order_by()[:1]), None
    )


@transaction.atomic
def scoring_model_create_version(
    *,
    workspace: Workspace,
    definition: Mapping[str, Any],
    created_by: User | None = None,
    note: str = "",
    activate: bool = True,
) -> ScoringModel:
    """Validate ``definition`` and store it as the workspace's next version.

    Raises ValidationError keyed by ``definition`` with one ``path: message`` line per problem.
    The first version of a workspace is always activated (there must be an active one)."""
    data: Any = _plain(definition) if isinstance(definition, Mapping) else definition
    errors = definition_errors(data)
    if errors:
        raise ValidationError({"definition": errors})
    _lock_workspace(workspace)
    # The workspace lock serialises writers; locking the versions too keeps a concurrent
    # scoring_model_activate (which locks them) out of the way.
    versions = ScoringModel.objects.select_for_update().filter(workspace=workspace)
    current = versions.aggregate(latest=Max("version"))["latest"] or 0
    has_active = versions.filter(is_active=True).exists()
    activate = activate or not has_active
    # Only a version replacing an active one has scores to redo: the first one (the lazy
    # default included) finds no contact scored by another.
    replaces_active = activate and has_active
    if replaces_active:
        versions.filter(is_active=True).update(is_active=False)
    model = ScoringModel(
        workspace=workspace,
        version=current + 1,
        definition=data,
        is_active=activate,
        note=note,
        created_by=created_by if created_by is not None and created_by.pk else None,
    )
    model.clean_fields(exclude=["workspace", "created_by", "definition"])
    model.save()
    if replaces_active:
        _rescore_in_background(model)
    return model


@transaction.atomic
def scoring_model_activate(*, model: ScoringModel) -> ScoringModel:
    """Make ``model`` its workspace's active version (an older one, say, to roll back)."""
    _lock_workspace(model.workspace)
    versions = ScoringModel.objects.select_for_update().filter(workspace_id=model.workspace_id)
    replaced = versions.filter(is_active=True).exclude(pk=model.pk).update(is_active=False)
    versions.filter(pk=model.pk).update(is_active=True)
    model.is_active = True
    if replaced:  # activating the active version again changes no score
        _rescore_in_background(model)
    return model


def _rescore_in_background(model: ScoringModel) -> None:
    # Imported here: rescoring builds on score_state, which imports this module.
    from .rescoring import rescore_run_start

    rescore_run_start(model=model)


def _plain(definition: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON-ready copy (the vertical's model is a read-only mapping of nested data)."""
    return dict(json.loads(json.dumps(definition, default=_mapping_default)))


def _mapping_default(value: Any) -> Any:
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not JSON data")

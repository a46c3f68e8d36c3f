"""Writes of playbooks: the one way a playbook is saved, so its agent schedules follow it.

The admin, the API and the demo change a playbook through :func:`playbook_update`; it validates
the settings (:mod:`como.agents.playbook_settings`; ``agents`` as :mod:`como.agents.schedules`
describes), stores those the workspace chose, and re-syncs the workspace's agent schedules in
the same transaction. A setting given in ``inherit`` goes back to following the vertical.

Every save that changes what the playbook resolves to records a :class:`PlaybookVersion` in the
same transaction (:mod:`como.agents.playbook_versions`), who and why included. The scoring rules
are the workspace's scoring model: :func:`playbook_scoring_update` saves them as a new scoring
model version (activated, the workspace re-scored in the background) and links it to the
playbook version.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from como.registry import Hooks
from como.scoring.models import ScoringModel
from como.scoring.rules import ScoringModelError, parse_model
from como.scoring.services import scoring_model_active, scoring_model_create_version
from como.workspaces.users import User

from .models import Playbook, PlaybookVersion
from .playbook_settings import (
    SETTINGS,
    PlaybookSettings,
    settings_errors,
    vertical_defaults,
)
from .playbook_versions import playbook_version_record, resolved_settings
from .schedules import agent_schedule_sync

#: ``handler(playbook, by)``: a playbook was saved, in the saver's transaction (after its
#: agent schedules were synced): how a higher app follows a setting it owns (the sequences
#: create and switch the default programs of ``sequences_enabled``). A handler's
#: ValidationError undoes the save. ``PLAYBOOK_SAVED.override()`` is the test-only reset.
PlaybookSaved = Callable[[Playbook, "User | None"], None]
PLAYBOOK_SAVED: Hooks[PlaybookSaved] = Hooks()


def playbook_fields() -> frozenset[str]:
    """The playbook settings :func:`playbook_update` accepts."""
    return frozenset(SETTINGS)


@transaction.atomic
def playbook_update(
    *,
    playbook: Playbook,
    inherit: Iterable[str] = (),
    by: User | None = None,
    note: str = "",
    **fields: Any,
) -> Playbook:
    """Make ``fields`` the workspace's choices and let the settings in ``inherit`` follow its
    vertical again; validate, save, sync the workspace's agent schedules, and record the
    version (``by``, ``note``) when the settings in effect changed.

    Raises ValidationError keyed by setting (nothing is saved then), TypeError for a name that
    is not a playbook setting. Saving with no fields still syncs the schedules and calls the
    :data:`PLAYBOOK_SAVED` handlers (and validates choices assigned to the playbook's
    attributes before the call)."""
    before = _locked(playbook)
    inherit = set(inherit)
    unknown = (set(fields) | inherit) - playbook_fields()
    if unknown:
        raise TypeError(f"Not playbook settings: {', '.join(sorted(unknown))}.")
    current = playbook.overrides if isinstance(playbook.overrides, dict) else {}
    chosen = {name: value for name, value in current.items() if name not in inherit}
    chosen.update(fields)
    layered = {**vertical_defaults(playbook.workspace.vertical), **chosen}
    errors = settings_errors(layered, playbook.workspace.vertical)
    if errors:
        raise ValidationError(errors)
    # Stored in the schema's JSON form (decimals as text, times as HH:MM:SS), so the stored
    # value reads back exactly as validated.
    stored = PlaybookSettings.model_validate(layered).model_dump(mode="json")
    playbook.overrides = {name: stored[name] for name in SETTINGS if name in chosen}
    playbook.save()
    agent_schedule_sync(workspace=playbook.workspace)
    for handler in PLAYBOOK_SAVED.all():
        handler(playbook, by)
    playbook_version_record(playbook=playbook, before=before, by=by, note=note)
    return playbook


@transaction.atomic
def playbook_scoring_update(
    *, playbook: Playbook, definition: dict[str, Any], by: User | None = None, note: str = ""
) -> PlaybookVersion | None:
    """Make ``definition`` the workspace's scoring rules: a new scoring model version, active
    at once (the workspace is re-scored in the background), and the playbook version that
    links it. None when the rules are the active ones already (nothing is written).

    Raises ValidationError keyed by ``definition`` (``path: message`` lines)."""
    before = _locked(playbook)
    active = scoring_model_active(workspace=playbook.workspace).definition
    if _same_rules(definition, active):
        return None
    model: ScoringModel = scoring_model_create_version(
        workspace=playbook.workspace,
        definition=definition,
        created_by=by,
        note=note or "Edited in the playbook.",
    )
    return playbook_version_record(
        playbook=playbook, before=before, by=by, note=note, scoring_model=model
    )


def _same_rules(proposed: Any, active: Any) -> bool:
    """Whether two definitions say the same (a default written out, 15 as 15.0)."""
    try:
        return bool(parse_model(proposed) == parse_model(active))
    except ScoringModelError:
        return False


def _locked(playbook: Playbook) -> dict[str, Any]:
    """Serialise the workspace's playbook saves (version numbers follow one another) and
    return how the playbook resolves before this one."""
    Playbook.objects.select_for_update().filter(pk=playbook.pk).values_list("pk").get()
    return resolved_settings(playbook)

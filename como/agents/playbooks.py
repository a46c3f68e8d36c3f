"""Writes of playbooks: the one way a playbook is saved, so its agent schedules follow it.

The admin, the API and the demo change a playbook through :func:`playbook_update`; it validates
the settings (:mod:`como.agents.playbook_settings`; ``agents`` as :mod:`como.agents.schedules`
describes), stores those the workspace chose, and re-syncs the workspace's agent schedules in
the same transaction. A setting given in ``inherit`` goes back to following the vertical.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Playbook
from .playbook_settings import (
    SETTINGS,
    PlaybookSettings,
    settings_errors,
    vertical_defaults,
)
from .schedules import agent_schedule_sync


def playbook_fields() -> frozenset[str]:
    """The playbook settings :func:`playbook_update` accepts."""
    return frozenset(SETTINGS)


@transaction.atomic
def playbook_update(*, playbook: Playbook, inherit: Iterable[str] = (), **fields: Any) -> Playbook:
    """Make ``fields`` the workspace's choices and let the settings in ``inherit`` follow its
    vertical again; validate, save, and sync the workspace's agent schedules.

    Raises ValidationError keyed by setting (nothing is saved then), TypeError for a name that
    is not a playbook setting. Saving with no fields still syncs the schedules (and validates
    choices assigned to the playbook's attributes before the call)."""
    inherit = set(inherit)
    unknown = (set(fields) | inherit) - playbook_fields()
    if unknown:
        raise TypeError(f"Not playbook settings: {', '.join(sorted(unknown))}.")
    current = playbook.overrides if isinstance(playbook.overrides, dict) else {}
    chosen = {name: value for name, value in current.items() if name not in inherit}
    chosen.update(fields)
    layered = {**vertical_defaults(playbook.workspace.vertical), **chosen}
    errors = settings_errors(layered)
    if errors:
        raise ValidationError(errors)
    # Stored in the schema's JSON form (decimals as text, times as HH:MM:SS), so the stored
    # value reads back exactly as validated.
    stored = PlaybookSettings.model_validate(layered).model_dump(mode="json")
    playbook.overrides = {name: stored[name] for name in SETTINGS if name in chosen}
    playbook.save()
    agent_schedule_sync(workspace=playbook.workspace)
    return playbook

"""Writes of playbooks: the one way a playbook is saved, so its agent schedules follow it.

The admin, the API and the demo change a playbook through :func:`playbook_update`; it validates
the fields (``agents`` as :mod:`como.agents.schedules` describes), saves them and re-syncs the
workspace's agent schedules in the same transaction.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Playbook
from .schedules import agent_schedule_sync, agents_settings_errors

#: Fields no caller sets: the key, the owner, the timestamp.
_FIXED = frozenset({"id", "workspace", "updated_at"})


def playbook_fields() -> frozenset[str]:
    """The playbook fields :func:`playbook_update` accepts."""
    return frozenset(field.name for field in Playbook._meta.concrete_fields) - _FIXED


@transaction.atomic
def playbook_update(*, playbook: Playbook, **fields: Any) -> Playbook:
    """Set ``fields`` on ``playbook``, validate, save, and sync the workspace's agent schedules.

    Raises ValidationError keyed by field (nothing is saved then), TypeError for a field that
    is not a playbook setting. Saving with no fields still syncs the schedules."""
    unknown = set(fields) - playbook_fields()
    if unknown:
        raise TypeError(f"Not playbook settings: {', '.join(sorted(unknown))}.")
    for name, value in fields.items():
        setattr(playbook, name, value)
    errors: dict[str, list[str]] = {}
    try:
        playbook.full_clean(exclude=["workspace"], validate_unique=False)
    except ValidationError as error:
        errors.update({key: list(messages) for key, messages in error.message_dict.items()})
    agents_errors = agents_settings_errors(playbook.agents)
    if agents_errors:
        errors.setdefault("agents", []).extend(agents_errors)
    if errors:
        raise ValidationError(errors)
    playbook.save()
    agent_schedule_sync(workspace=playbook.workspace)
    return playbook

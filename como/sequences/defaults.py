"""Default programs: sequences a vertical ships, switched on and off in the playbook.

A vertical registers each :class:`DefaultProgram` from its ``AppConfig.ready()`` list with
:func:`register_default`; :data:`DEFAULTS` is a :class:`como.registry.Registry` by key
(``DEFAULTS.override()`` is the test-only reset). The playbook's ``sequences_enabled`` lists the
keys switched on, checked against the defaults of the workspace's vertical
(:func:`enabled_errors`, a ``VERTICAL_CHECKS`` entry of the playbook).

Every playbook save runs :func:`defaults_sync` (a ``PLAYBOOK_SAVED`` handler, in the saver's
transaction):

- **on** — the workspace's sequence for the key (``Sequence.default_key``) is created from the
  default if there is none, and its first version proposed for approval (one
  ``sequence_version_approve`` action, proposed by whoever saved the playbook, so someone else
  approves it); a sequence that was switched off is enabled again (its approved version, if
  any, enrols again; nothing new needs approval).
- **off** — nobody enters any more (``enabled`` is false, its beat row removed) and its active
  members are ended with the reason ``switched_off``: switching a program off means no more of
  its messages, not "finish the ones under way".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from como.agents.models import Playbook
from como.registry import Registry
from como.workspaces.users import User

from .enrollment import audience_schedule_sync
from .models import MemberState, ReEntry, Sequence, SequenceMember, SequenceVersion, VersionState
from .versions import program_validate, sequence_create, sequence_version_propose

SWITCHED_OFF = "switched_off"


@dataclass(frozen=True)
class DefaultProgram:
    key: str
    vertical: str
    name: str
    #: The program as JSON (:class:`como.sequences.steps.Program`), validated at registration.
    program: Mapping[str, Any]
    re_entry: str = ReEntry.AFTER_EXIT
    description: str = ""


DEFAULTS: Registry[DefaultProgram] = Registry("default program")


def register_default(default: DefaultProgram) -> DefaultProgram:
    """Register ``default`` (its program must validate: a broken default fails at start-up,
    not at a dealer's playbook save)."""
    program_validate(dict(default.program))
    return DEFAULTS.register(default.key, default)


def defaults_for(vertical: str) -> list[DefaultProgram]:
    return [default for default in DEFAULTS.all() if default.vertical == vertical]


def enabled_errors(vertical: str, settings: Mapping[str, Any]) -> dict[str, list[str]]:
    """The playbook check: every key in ``sequences_enabled`` is a default program of the
    workspace's vertical."""
    enabled = settings.get("sequences_enabled") or []
    known = {default.key for default in defaults_for(vertical)}
    unknown = [key for key in enabled if key not in known]
    if not unknown:
        return {}
    offered = ", ".join(sorted(known)) or "none"
    return {
        "sequences_enabled": [
            f"{key!r} is not a program of this workspace's vertical (it offers: {offered})."
            for key in unknown
        ]
    }


def defaults_sync(playbook: Playbook, by: User | None) -> None:
    """Follow the playbook's ``sequences_enabled`` (see the module docstring). Expects to run
    in the playbook save's transaction, which holds the playbook row's lock (saves of one
    workspace's playbook are serialised); locks the workspace's default sequences it changes."""
    workspace = playbook.workspace
    enabled = set(playbook.sequences_enabled or [])
    existing = {
        sequence.default_key: sequence
        for sequence in Sequence.objects.select_for_update().filter(
            workspace=workspace, default_key__gt=""
        )
    }
    for default in defaults_for(workspace.vertical):
        sequence = existing.get(default.key)
        if default.key in enabled:
            if sequence is None:
                _create(default, playbook, by)
            elif not sequence.enabled:
                _switch(sequence, on=True)
        elif sequence is not None and sequence.enabled:
            _switch(sequence, on=False)


def _create(default: DefaultProgram, playbook: Playbook, by: User | None) -> SequenceVersion:
    workspace = playbook.workspace
    if Sequence.objects.filter(workspace=workspace, key=default.key).exists():
        raise ValidationError(
            {
                "sequences_enabled": [
                    f"A sequence with the key {default.key!r} exists already; rename it to "
                    "switch this program on."
                ]
            }
        )
    version = sequence_create(
        workspace=workspace,
        key=default.key,
        name=default.name,
        program=dict(default.program),
        re_entry=default.re_entry,
    )
    Sequence.objects.filter(pk=version.sequence_id).update(default_key=default.key)
    sequence_version_propose(version=version, proposer=by or workspace.agent_user)
    return version


def _switch(sequence: Sequence, *, on: bool) -> None:
    sequence.enabled = on
    sequence.save(update_fields=["enabled"])
    if not on:
        SequenceMember.objects.filter(sequence=sequence, state=MemberState.ACTIVE).update(
            state=MemberState.EXITED,
            exit_reason=SWITCHED_OFF,
            ended_at=timezone.now(),
            next_due_at=None,
        )
    approved = (
        SequenceVersion.objects.filter(sequence=sequence, state=VersionState.APPROVED)
        .select_related("workspace")
        .first()
    )
    if approved is not None:
        audience_schedule_sync(approved)

"""The lint API's co-op programs (registered in :mod:`como.compliance.programs`): a program
of the workspace by key, or the active programs covering a vehicle's make on a channel."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from como.workspaces.models import Workspace

from .models import CoopProgram
from .rules import program_rules
from .selectors import coop_rules_for


def lint_coop(
    workspace: Workspace, key: str | None, vehicle: Mapping[str, Any] | None, channel: str
) -> dict[str, Any] | None:
    if key is not None:
        program = CoopProgram.objects.filter(workspace=workspace, key=key).first()
        return program_rules(program) if program is not None else None
    make = str((vehicle or {}).get("make") or "")
    return coop_rules_for(workspace, make=make, channel=channel, today=timezone.localdate())

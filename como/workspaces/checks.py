"""System checks: a workspace must run a vertical that registered itself."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.db import DatabaseError

from como import verticals


@checks.register("como")
def check_workspace_verticals(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from .models import Workspace

    try:
        used = list(Workspace.objects.order_by().values_list("vertical", flat=True).distinct())
    except DatabaseError:
        # Before `migrate` there is no table (and no workspace to be wrong about).
        return []
    return [
        checks.Error(
            f"Workspaces use the vertical {slug!r}, which is not registered.",
            hint=(
                "Add its package to COMO_VERTICALS "
                f"(registered: {', '.join(verticals.slugs()) or 'none'})"
                " or move those workspaces to a registered vertical."
            ),
            id="como.E001",
        )
        for slug in used
        if not verticals.is_registered(slug)
    ]

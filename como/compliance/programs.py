"""Where the lint API finds the OEM co-op programs a draft answers to: one lookup per vertical.

``POST /api/v1/compliance/check`` accepts ``coop_program``: a program key of the caller's
workspace, or a program inline. Without one, a draft about a vehicle is still checked against
the workspace's programs covering that vehicle's make (a co-op program's rules apply when a
creative names the program or features a covered make). como never imports a vertical, so the
lookup is registered here by the vertical that owns co-op programs, keyed by its slug, from its
``AppConfig.ready()``: a function ``(workspace, key, vehicle, channel) -> plain dict | None``
that returns, for a ``key``, that program's rules (``Draft.coop``) or None when the workspace
has no such program, and for ``key=None`` ``{"programs": [...]}`` of the active programs
covering ``vehicle``'s make on ``channel``, or None. It must look in that workspace only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from como.registry import Registry
from como.workspaces.models import Workspace

CoopSource = Callable[[Workspace, str | None, Mapping[str, Any] | None, str], dict[str, Any] | None]

#: By vertical slug (``Workspace.vertical``).
COOP_SOURCES: Registry[CoopSource] = Registry("co-op program source")


def register_coop_source(vertical: str, source: CoopSource) -> CoopSource:
    return COOP_SOURCES.register(vertical, source)


def coop_of(
    workspace: Workspace, *, key: str | None, vehicle: Mapping[str, Any] | None, channel: str
) -> dict[str, Any] | None:
    """The co-op rules for a draft (see the module's docstring); None when the workspace's
    vertical has no co-op programs, or none applies."""
    source = COOP_SOURCES.find(workspace.vertical)
    return source(workspace, key, vehicle, channel) if source is not None else None

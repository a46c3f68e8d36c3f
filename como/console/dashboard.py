"""The dashboard: the admin's home page for a member, and its figures for the API.

Its panels are registered here (the console's own; a vertical registers its own from its
``ready()``), each a context over ``como.console.selectors`` and a small template. The page
shows the member's current workspace (``?workspace=<slug>``, else the first they may view by
name) over a period of ``?days=`` 7, 30 or 90; htmx re-renders the panels alone when either
changes (the same URL, answered with the panels only).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone

from como.workspaces.models import Workspace
from como.workspaces.principal import Principal, principal_for_request
from como.workspaces.roles import Permission

from . import selectors
from .panels import DEFAULT_DAYS, PERIODS, Panel, panels_for, register_panel, render_panels


def viewable_workspaces(principal: Principal) -> Any:
    workspaces = Workspace.objects.visible_to(principal)
    if not principal.is_superuser:
        workspaces = workspaces.filter(pk__in=sorted(principal.workspaces_with(Permission.VIEW)))
    return workspaces.order_by("name", "pk")


def period(raw: str | None) -> int | None:
    """``days`` from a query string: one of PERIODS, or None for anything else."""
    try:
        days = int(raw) if raw is not None else DEFAULT_DAYS
    except ValueError:
        return None
    return days if days in PERIODS else None


def figures(*, principal: Principal, workspace: Workspace, days: int) -> dict[str, Any]:
    """Every dashboard panel's figures for ``workspace``, by panel key (what the API serves)."""
    return {
        panel.key: dict(panel.context(principal=principal, workspace=workspace, days=days))
        for panel in panels_for("dashboard", workspace.vertical)
    }


def chosen_workspace(request: HttpRequest) -> tuple[list[Workspace], Workspace | None]:
    """The workspaces the member may view, and the one ``?workspace=<slug>`` names (else the
    first by name); a slug they may not view is a 404."""
    workspaces = list(viewable_workspaces(principal_for_request(request)))
    slug = request.GET.get("workspace")
    workspace = next((w for w in workspaces if w.slug == slug), None) if slug else None
    if slug and workspace is None:
        raise Http404("No such workspace you may view.")
    return workspaces, workspace or (workspaces[0] if workspaces else None)


def dashboard_callback(request: HttpRequest, context: dict[str, Any]) -> dict[str, Any]:
    """unfold's ``DASHBOARD_CALLBACK``: the index page's panels, or only them for htmx."""
    principal = principal_for_request(request)
    workspaces, workspace = chosen_workspace(request)
    days = period(request.GET.get("days")) or DEFAULT_DAYS
    context.update(
        console_base="console/partial.html"
        if getattr(request, "htmx", False)
        else "admin/base_site.html",
        workspaces=workspaces,
        workspace=workspace,
        days=days,
        periods=PERIODS,
        panels=render_panels(
            panels_for("dashboard", workspace.vertical),
            request,
            principal=principal,
            workspace=workspace,
            days=days,
        )
        if workspace is not None
        else [],
    )
    return context


# --- the console's own panels ------------------------------------------------------------------


def _approvals(*, workspace: Workspace, **_: Any) -> dict[str, Any]:
    figures = selectors.approvals_waiting(workspace=workspace, now=timezone.now())
    age = figures["oldest_age_seconds"]
    return {**figures, "oldest_age": _age(age) if age is not None else ""}


def _age(seconds: int) -> str:
    """How long the oldest action has waited, as an approver reads it."""
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return "under a minute"


def _mqls(*, workspace: Workspace, **_: Any) -> dict[str, Any]:
    return selectors.mqls(workspace=workspace, now=timezone.now())


def _handoff_sla(*, workspace: Workspace, days: int, **_: Any) -> dict[str, Any]:
    return selectors.handoff_sla(workspace=workspace, days=days, now=timezone.now())


def _channels(*, workspace: Workspace, days: int, **_: Any) -> dict[str, Any]:
    return selectors.channels(workspace=workspace, days=days, now=timezone.now())


def _funnel(*, workspace: Workspace, **_: Any) -> dict[str, Any]:
    return selectors.funnel(workspace=workspace)


def _compliance(*, workspace: Workspace, days: int, **_: Any) -> dict[str, Any]:
    return selectors.compliance_blocks(workspace=workspace, days=days, now=timezone.now())


def _panel(key: str, title: str, order: int, context: Any) -> Panel:
    return Panel(key, "dashboard", title, order, f"console/panels/{key}.html", context)


PANELS = (
    _panel("approvals", "Waiting approvals", 10, _approvals),
    _panel("mqls", "MQLs", 20, _mqls),
    _panel("handoff_sla", "Handoff SLA", 30, _handoff_sla),
    _panel("channels", "Channels", 40, _channels),
    _panel("funnel", "Lifecycle funnel", 50, _funnel),
    _panel("compliance_blocks", "Compliance blocks", 60, _compliance),
)


def register_panels() -> None:
    for panel in PANELS:
        register_panel(panel)

"""The console's panels: small registered pieces that a page renders in order.

The dashboard and a campaign's page are not templates that name what they show: each is the list
of panels registered for it, so a capability that brings a figure (an app of como, a vertical)
adds a panel in its ``AppConfig.ready()`` and edits no page. The shape is paperless-ngx's parser
registry: a plain value describing the piece, found by key, chosen by what it declares.

The contract of a :class:`Panel`:

- ``key``: unique across pages (``"approvals"``, ``"automotive.inventory_ads"``); registering an
  equal panel again does nothing, another under a taken key raises ``AlreadyRegistered``
  (``como.registry``).
- ``page``: where it shows, one of :data:`PAGES` (``"dashboard"``, ``"campaign"``).
- ``title`` and ``order``: the heading, and the position on the page (ascending, then by key).
- ``template``: a Django template rendered with what ``context`` returns plus ``panel`` and
  ``days``.
- ``verticals``: the workspace verticals it applies to (``None``: every workspace).
- ``context(*, principal, workspace, obj=None, days=DEFAULT_DAYS) -> dict``: the panel's figures,
  computed by selectors (the same ones the API serves, never a second implementation), for the
  member's current workspace; ``obj`` is the page's subject (the campaign), ``None`` on the
  dashboard; ``days`` the period, one of :data:`PERIODS`. It reads only rows of ``workspace``,
  which the page has already checked ``principal`` may view. What it returns is plain JSON
  data (numbers, strings, lists, dicts): the API serves the dashboard's panels' contexts as
  they are.

Registration happens at start-up (``register_panel`` from ``ready()``); a test registers a panel
of its own with ``PANELS.override(...)``, which restores the registry afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from como.registry import Registry

#: The pages that render panels.
PAGES = ("dashboard", "campaign")
#: The periods a page offers, in days; the first page view shows DEFAULT_DAYS.
PERIODS = (7, 30, 90)
DEFAULT_DAYS = 30

PanelContext = Callable[..., Mapping[str, Any]]


@dataclass(frozen=True)
class Panel:
    key: str
    page: str
    title: str
    order: int
    template: str
    context: PanelContext
    verticals: frozenset[str] | None = None

    def __post_init__(self) -> None:
        if self.page not in PAGES:
            raise ValueError(f"A panel's page is one of {PAGES}, not {self.page!r}.")


PANELS: Registry[Panel] = Registry("console panel")


def register_panel(panel: Panel) -> Panel:
    return PANELS.register(panel.key, panel)


def panels_for(page: str, vertical: str | None = None) -> list[Panel]:
    """The panels of ``page`` in the order they show (for a workspace of ``vertical``)."""
    return sorted(
        (
            panel
            for panel in PANELS.all()
            if panel.page == page
            and (vertical is None or panel.verticals is None or vertical in panel.verticals)
        ),
        key=lambda panel: (panel.order, panel.key),
    )


@dataclass(frozen=True)
class RenderedPanel:
    panel: Panel
    html: SafeString


def render_panels(
    panels: Iterable[Panel],
    request: HttpRequest,
    *,
    principal: Any,
    workspace: Any,
    obj: Any = None,
    days: int = DEFAULT_DAYS,
) -> list[RenderedPanel]:
    """``panels`` (a page's: ``panels_for(page)``), each rendered with its own context."""
    rendered = []
    for panel in panels:
        context = dict(panel.context(principal=principal, workspace=workspace, obj=obj, days=days))
        html = render_to_string(
            panel.template, {**context, "panel": panel, "days": days}, request=request
        )
        rendered.append(RenderedPanel(panel, SafeString(html)))
    return rendered

"""The panel registry: pages render the panels registered for them, in order, each with its
own context; a panel names a known page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory

from como.console.panels import PANELS, Panel, panels_for, register_panel, render_panels
from como.registry import AlreadyRegistered


def _context(**figures: Any) -> Any:
    def context(*, principal: Any, workspace: Any, obj: Any = None, days: int = 30) -> Any:
        return {**figures, "seen": (principal, workspace, obj, days)}

    return context


def _panel(key: str, page: str = "dashboard", order: int = 10, **figures: Any) -> Panel:
    return Panel(key, page, key.title(), order, "console/tests/figure.html", _context(**figures))


def test_a_page_lists_its_own_panels_by_order_then_key() -> None:
    late, early, tie, other = (
        _panel("late", order=30),
        _panel("early", order=5),
        _panel("alpha", order=30),
        _panel("elsewhere", page="campaign", order=1),
    )
    with PANELS.override({p.key: p for p in (late, early, tie, other)}):
        keys = [p.key for p in panels_for("dashboard") if p in (late, early, tie, other)]
        assert keys == ["early", "alpha", "late"]
        assert other in panels_for("campaign")
        assert other not in panels_for("dashboard")
    assert "late" not in PANELS


def test_a_panel_names_a_known_page_and_a_key_is_taken_once() -> None:
    with pytest.raises(ValueError, match="page"):
        _panel("x", page="home")
    first = _panel("once")
    with PANELS.override():
        register_panel(first)
        register_panel(first)  # a second ready(): nothing happens
        with pytest.raises(AlreadyRegistered):
            register_panel(_panel("once", order=99))


def test_each_panel_is_rendered_with_its_context_the_page_subject_and_the_period(
    tmp_path: Any, settings: Any
) -> None:
    (tmp_path / "console" / "tests").mkdir(parents=True)
    (tmp_path / "console" / "tests" / "figure.html").write_text(
        "{{ panel.title }}={{ value }} over {{ days }}: {{ seen.2 }}"
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    request = RequestFactory().get("/admin/")
    solo = {"a": _panel("a", page="campaign", order=2, value=7)}
    solo["b"] = _panel("b", page="campaign", order=1, value=8)
    with PANELS.override(solo):
        mine = [p for p in panels_for("campaign") if p.key in solo]
        rendered = render_panels(mine, request, principal="p", workspace="w", obj="spring", days=7)
    assert [r.html for r in rendered] == ["B=8 over 7: spring", "A=7 over 7: spring"]

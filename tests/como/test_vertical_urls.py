"""como mounts each installed vertical's ``urls.py`` under /api/v1/ without naming it."""

from __future__ import annotations

from django.test import override_settings
from django.urls import resolve

from como import verticals


def test_the_installed_verticals_with_a_urls_module_are_found() -> None:
    # automotive brings its inventory's routes, b2b its accounts' and intent's.
    assert verticals.url_modules() == ["verticals.automotive.urls", "verticals.b2b.urls"]
    assert resolve("/api/v1/vehicles").url_name == "vehicle-list"
    assert resolve("/api/v1/intent/signals").func.__name__ == "IntentSignalViewSet"


@override_settings(COMO_VERTICALS=["verticals.b2b"])
def test_a_vertical_left_out_of_the_settings_brings_no_routes() -> None:
    assert verticals.url_modules() == ["verticals.b2b.urls"]

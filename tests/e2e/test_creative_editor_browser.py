"""The creative template editor in real headless Chromium: a marketer edits a headline and the
preview beside the editor follows (the rendered text and its findings) without a reload, then
saves it (issue 13, item 1)."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.urls import reverse

from tests.e2e.test_admin_browser import CHROMIUM, _log_in, page  # noqa: F401  (fixture)
from tests.factories import MembershipFactory, UserFactory
from tests.verticals.automotive.ads.editor_support import (
    civic,
    dealer_rooftop,
    dealer_workspace,
    placed,
)
from verticals.automotive.ads.models import CreativeTemplate

pytestmark = [
    pytest.mark.browser,
    # As tests/e2e/test_admin_browser.py: CI must not go green without Chromium.
    pytest.mark.skipif(
        CHROMIUM is None and not os.environ.get("CI"),
        reason="Chromium is not installed (make browser)",
    ),
]

LONG = "{{ vehicle.name }} {{ vehicle.trim }} at {{ rooftop.name }}, see it today"


@pytest.mark.django_db(transaction=True)
def test_editing_a_headline_updates_the_preview_and_its_findings(
    live_server: Any,
    page: Any,  # noqa: F811
) -> None:
    workspace = dealer_workspace()
    placed(workspace)
    vehicle = civic(dealer_rooftop(workspace))
    user = UserFactory.create(username="maria", password="a-long-demo-passphrase")
    MembershipFactory.create(workspace=workspace, user=user, role="marketer")
    editor = reverse(
        "admin:vertical_automotive_creativetemplate_editor",
        args=[workspace.pk, "meta_vehicle_ad"],
    )

    _log_in(page, live_server, "maria", "a-long-demo-passphrase")
    page.goto(f"{live_server.url}{editor}")
    headline = page.locator('#creative-preview dd[data-field="headline"]')
    assert headline.inner_text() == "2021 Honda Civic"
    rules = page.locator("#creative-preview tr.finding")
    assert rules.count() == 0
    page.evaluate("window.__still_the_same_page = true")

    page.fill("#id_headline", LONG)
    page.wait_for_function(
        "document.querySelector('#creative-preview dd[data-field=\"headline\"]')"
        ".innerText.includes('see it today')"
    )

    assert headline.inner_text() == "2021 Honda Civic EX at Lakeside Honda, see it today"
    assert rules.count() == 1
    assert "headline: 51 characters; Meta recommends at most 40" in rules.nth(0).inner_text()
    assert page.evaluate("window.__still_the_same_page") is True  # no reload

    # A broken template: the preview shows the blocking render finding, naming the line.
    page.fill("#id_headline", "{{ vehicle.name }\n")
    page.wait_for_selector('#creative-preview tr.finding[data-rule="creative.render"]')
    assert "headline: Line 1: unexpected '}'" in page.inner_text("#creative-preview")

    page.fill("#id_headline", LONG)
    page.click("input[type=submit][value=Save]")
    page.wait_for_url(f"{live_server.url}{editor}?vehicle={vehicle.pk}")
    assert "Meta dynamic vehicle ad: saved for Lakeside Auto Group." in page.content()
    assert CreativeTemplate.objects.get(workspace=workspace).fields == {"headline": LONG}

"""The admin as a person uses it: real headless Chromium against a live server."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connections

from como.workspaces.models import Workspace
from tests.factories import ContactFactory, MembershipFactory, UserFactory

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.browser,
    # On a developer's machine without Chromium the test skips; CI must not go green without it.
    pytest.mark.skipif(
        CHROMIUM is None and not os.environ.get("CI"),
        reason="Chromium is not installed (make browser)",
    ),
]


@pytest.fixture
def page() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between page actions are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            yield browser.new_page()
        finally:
            browser.close()
            # The ORM calls made while Playwright ran opened a connection of their own (its
            # greenlet is another context); left open, it blocks dropping the test database.
            connections.close_all()
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.mark.django_db(transaction=True)
def test_member_logs_in_and_sees_only_their_workspace(
    live_server: Any, page: Any, workspace: Workspace, other_workspace: Workspace
) -> None:
    user = UserFactory.create(username="maria", password="a-long-demo-passphrase")
    MembershipFactory.create(workspace=workspace, user=user, role="marketer")
    ContactFactory.create(workspace=workspace, email="ana@acme-buyer.com")
    ContactFactory.create(workspace=other_workspace, email="bob@rival-buyer.com")

    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", "maria")
    page.fill("#id_password", "a-long-demo-passphrase")
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    assert "Workspaces, people and their events" in page.content()

    page.goto(f"{live_server.url}/admin/workspaces/workspace/")
    table = page.inner_text("#result_list")
    assert workspace.name in table
    assert other_workspace.name not in table

    page.goto(f"{live_server.url}/admin/leads/contact/")
    contacts = page.inner_text("#result_list")
    assert "ana@acme-buyer.com" in contacts
    assert "bob@rival-buyer.com" not in contacts

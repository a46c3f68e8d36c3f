"""Enrolling and removing by hand as a person does it: real headless Chromium against a live
server, the contact picked by the admin's search (select2), the member removed with a click."""

from __future__ import annotations

import os
from typing import Any

import pytest

from como.sequences.models import SequenceMember
from como.workspaces.models import Workspace
from tests.como.sequences.support import approved_sequence, email, people, program
from tests.e2e.test_admin_browser import (  # noqa: F401  (page: the fixture)
    CHROMIUM,
    SCREENSHOTS,
    _log_in,
    page,
)
from tests.factories import MembershipFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.usefixtures("fast_passwords"),
    # As tests/e2e/test_admin_browser.py: CI must not go green without Chromium.
    pytest.mark.skipif(
        CHROMIUM is None and not os.environ.get("CI"),
        reason="Chromium is not installed (make browser)",
    ),
]


@pytest.mark.django_db(transaction=True)
def test_a_marketer_enrols_a_contact_found_by_search_and_removes_them(
    live_server: Any,
    page: Any,  # noqa: F811
    workspace: Workspace,
) -> None:
    ana, _ben = people(workspace, 2)
    sequence, _ = approved_sequence(
        workspace, program(email("hello"), {"id": "w", "type": "wait", "minutes": 60})
    )
    user = UserFactory.create(username="maria", password="a-long-demo-passphrase")
    MembershipFactory.create(workspace=workspace, user=user, role="marketer")
    _log_in(page, live_server, "maria", "a-long-demo-passphrase")

    page.goto(f"{live_server.url}/admin/sequences/sequence/{sequence.pk}/change/")
    assert page.locator("#sequence-funnel").is_visible()
    page.click("#sequence-enrol-link")
    page.click("#sequence-enrol .select2-selection")
    page.fill(".select2-search__field", ana.email)
    page.locator(".select2-results__option", has_text=ana.first_name).first.click()
    page.click("#sequence-enrol [type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/sequences/sequence/{sequence.pk}/change/")
    member = SequenceMember.objects.get(contact=ana)
    row = page.locator(f"tr[data-member='{member.pk}']")
    assert row.is_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "sequence-by-hand.png"), full_page=True)

    row.locator("button.sequence-remove").click()
    page.wait_for_url(f"{live_server.url}/admin/sequences/sequence/{sequence.pk}/change/")
    assert page.locator(f"tr[data-member='{member.pk}']").count() == 0
    member.refresh_from_db()
    assert (member.state, member.exit_reason) == ("exited", "removed")

"""The approval inbox in real headless Chromium: an approver who proposed nothing clears three
actions with the keyboard alone (one approved, one rejected with a reason, two approved in bulk
with one shared note), and the database holds exactly those decisions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from como.agents.models import ActionApproval, ActionStatus, ActionTransition, AgentAction
from tests.como.agents.inbox_support import PASSWORD, PHRASE, world

from .test_admin_browser import _log_in, page  # noqa: F401  (the Chromium page fixture)
from .test_admin_browser import pytestmark as browser_marks

pytestmark = [*browser_marks, pytest.mark.usefixtures("fast_passwords")]

SCREENSHOT = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots" / "inbox.png"
SHARED_NOTE = "Claim substantiated; photos checked."
REASON = "Wrong ad group for used cars."


def _pane_of(tab: Any, action: AgentAction) -> None:
    tab.wait_for_selector(f"#inbox-pane .pane[data-id='{action.pk}']")


def _gone(tab: Any, action: AgentAction) -> None:
    tab.wait_for_selector(f"#row-{action.pk}", state="detached")


@pytest.mark.django_db(transaction=True)
def test_an_approver_clears_the_inbox_with_the_keyboard(live_server: Any, page: Any) -> None:  # noqa: F811
    w = world()
    # The line order: oldest first (the text, the email, then the launches by id: the Google
    # launch was proposed before the Meta one).
    assert min([w.launch, w.search_launch], key=lambda a: a.pk) == w.search_launch

    _log_in(page, live_server, "ann", PASSWORD)
    page.goto(f"{live_server.url}/admin/agents/inboxaction/")
    assert page.inner_text("#inbox-waiting") == "4"
    _pane_of(page, w.sms)
    assert "Ana Diaz (•••• 0123)" in page.inner_text(f"#row-{w.sms.pk}")
    assert "Reply STOP" in page.inner_text("#inbox-pane .sms-bubble")

    # a: the text has no warning, so it is approved at once.
    page.keyboard.press("a")
    _gone(page, w.sms)
    _pane_of(page, w.email)
    assert page.inner_text("#inbox-pane mark.finding-warn") == PHRASE
    frame = page.frame_locator("#inbox-pane iframe.email-frame")
    assert "Unsubscribe" in frame.locator("body").inner_text()

    # j, r: reject the Google launch with a reason typed into the form.
    page.keyboard.press("j")
    _pane_of(page, w.search_launch)
    assert page.locator("#inbox-pane .search-mock").count() == 2
    page.keyboard.press("r")
    page.wait_for_selector("#inbox-form:not([hidden])")
    page.keyboard.press("Enter")  # no reason yet: refused in the form
    assert "needs a reason" in page.inner_text("#inbox-form-error")
    page.keyboard.type(REASON)
    page.keyboard.press("Enter")
    _gone(page, w.search_launch)

    # x on the Meta launch, k back to the email, x, a: one shared note for both.
    _pane_of(page, w.launch)
    assert page.locator("#inbox-pane .ad-mock").count() == 2
    page.keyboard.press("x")
    page.keyboard.press("k")
    _pane_of(page, w.email)
    page.keyboard.press("x")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    page.keyboard.press("a")
    page.wait_for_selector("#inbox-form:not([hidden])")
    assert "Shared note for approving 2 selected actions (required" in page.inner_text(
        "#inbox-form-label"
    )
    page.keyboard.type(SHARED_NOTE)
    page.keyboard.press("Enter")
    _gone(page, w.email)
    _gone(page, w.launch)
    assert page.inner_text("#inbox-waiting") == "0"

    statuses = dict(AgentAction.objects.filter(workspace=w.dealer).values_list("pk", "status"))
    assert statuses == {
        w.sms.pk: ActionStatus.APPROVED,
        w.email.pk: ActionStatus.APPROVED,
        w.search_launch.pk: ActionStatus.REJECTED,
        w.launch.pk: ActionStatus.APPROVED,
    }
    notes = dict(ActionApproval.objects.filter(user=w.approver).values_list("action_id", "note"))
    assert notes == {w.sms.pk: "", w.email.pk: SHARED_NOTE, w.launch.pk: SHARED_NOTE}
    rejected = ActionTransition.objects.get(action=w.search_launch, to_status="rejected")
    assert (rejected.actor_id, rejected.note) == (w.approver.pk, REASON)
    assert SCREENSHOT.stat().st_size > 10_000


@pytest.mark.django_db(transaction=True)
def test_an_action_page_opened_on_its_own_decides_too(live_server: Any, page: Any) -> None:  # noqa: F811
    """The detail pane opened from a link (not from the inbox) has working buttons: a
    rejection asks for its reason, then is recorded; the page then shows the decision."""
    w = world()
    _log_in(page, live_server, "ann", PASSWORD)
    page.goto(f"{live_server.url}/admin/agents/inboxaction/{w.search_launch.pk}/change/")
    page.click(".pane-decide button[data-verb=reject]")
    page.wait_for_function(
        "document.getElementById('pane-alone-outcome').textContent.includes('needs a reason')"
    )
    w.search_launch.refresh_from_db()
    assert w.search_launch.status == ActionStatus.PROPOSED
    page.fill("#pane-alone-text", REASON)
    with page.expect_navigation():
        page.click(".pane-decide button[data-verb=reject]")
    w.search_launch.refresh_from_db()
    assert w.search_launch.status == ActionStatus.REJECTED
    assert page.locator(".pane-decide button").count() == 0  # decided: nothing left to press
    # The text was approved from its own page, with no note needed.
    page.goto(f"{live_server.url}/admin/agents/inboxaction/{w.sms.pk}/change/")
    with page.expect_navigation():
        page.click(".pane-decide button[data-verb=approve]")
    w.sms.refresh_from_db()
    assert w.sms.status in {ActionStatus.APPROVED, ActionStatus.EXECUTING, ActionStatus.SUCCEEDED}

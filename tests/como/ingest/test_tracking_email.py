"""Tracked email requests: the RFC 8058 one-click unsubscribe (and nothing sent afterwards),
signed click redirects that become scored events, the open pixel, GPC, erased contacts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from como.channels.email import Purpose, email_adapter, email_compose, token_read
from como.channels.errors import ChannelRejected
from como.channels.models import Message
from como.consent.models import ConsentRecord
from como.consent.selectors import suppressed_channels
from como.ingest import tracking
from como.ingest.tracking import PIXEL
from como.leads.models import Contact, Event
from como.workspaces.models import Workspace
from tests.como.channels.email_support import (
    POSTAL,
    PUBLIC,
    Inbox,
    consenting_contact,
    email_action,
    smtp_server,
    use_smtp,
)
from tests.factories import WorkspaceFactory

pytestmark = pytest.mark.django_db
ONE_CLICK = "application/x-www-form-urlencoded"


@pytest.fixture
def smtp(settings: Any) -> Iterator[Inbox]:
    with smtp_server() as (inbox, port):
        use_smtp(settings, port)
        yield inbox


@pytest.fixture
def shop() -> Workspace:
    # b2b's default scoring model counts email_clicked (3 points, at most 3 per 30 days).
    return WorkspaceFactory.create(
        slug="shop", name="Acme Shop", vertical="b2b", postal_address=POSTAL
    )


@pytest.fixture
def ana(shop: Workspace) -> Contact:
    return consenting_contact(shop, "ana@buyer.example")


def _path(url: str) -> str:
    assert url.startswith(PUBLIC), url
    return url.removeprefix(PUBLIC)


def _sent(smtp: Inbox, shop: Workspace, contact: Contact, pk: int) -> dict[str, str]:
    """Send one email for real; the tracking paths found in what the server received."""
    email_adapter.execute(email_action(pk, shop, contact), str(pk))
    received = smtp.received()[-1]
    html = received.get_body(preferencelist=("html",))
    assert html is not None
    body = html.get_content()
    clicks = re.findall(rf'href="({PUBLIC}/t/c/[^"]+)"', body)
    pixel = re.search(rf'src="({PUBLIC}/t/o/[^"]+)"', body)
    assert pixel is not None
    return {
        "unsubscribe": _path(received["List-Unsubscribe"].strip().strip("<>")),
        "click": _path(clicks[0]),
        "pixel": _path(pixel.group(1)),
    }


def _email_suppressed(contact: Contact) -> bool:
    found = suppressed_channels(
        workspace_id=contact.workspace_id, addresses={contact.pk: [contact.email]}
    )[contact.pk]
    return "email" in found


def test_one_click_unsubscribes_at_once_and_nothing_reaches_the_address_afterwards(
    client: Client, smtp: Inbox, shop: Workspace, ana: Contact
) -> None:
    paths = _sent(smtp, shop, ana, 1)
    assert len(smtp.received()) == 1

    # RFC 8058 §3.1: a POST of exactly this body, from the mail provider (no cookies, no CSRF).
    csrf_client = Client(enforce_csrf_checks=True)
    response = csrf_client.post(
        paths["unsubscribe"], data="List-Unsubscribe=One-Click", content_type=ONE_CLICK
    )
    assert response.status_code == 200
    revocation = ConsentRecord.objects.get(contact=ana, action="revoke")
    assert (revocation.channel, revocation.source) == ("email", "one_click")
    assert _email_suppressed(ana)
    assert Message.objects.get(idempotency_key="1").unsubscribed_at is not None

    # A second email to that address: the preflight blocks it, and execute sends nothing.
    second = email_action(2, shop, ana)
    report = email_adapter.preflight(second, at=timezone.now())
    assert report.blocking, report.findings
    with pytest.raises(ChannelRejected):
        email_adapter.execute(second, "2")
    assert len(smtp.received()) == 1

    # The provider retrying the POST changes nothing more.
    again = csrf_client.post(
        paths["unsubscribe"], data="List-Unsubscribe=One-Click", content_type=ONE_CLICK
    )
    assert again.status_code == 200
    assert ConsentRecord.objects.filter(contact=ana, action="revoke").count() == 1


def test_the_unsubscribe_page_confirms_before_it_acts(
    client: Client, shop: Workspace, ana: Contact, settings: Any
) -> None:
    settings.COMO_PUBLIC_URL = PUBLIC
    path = _path(email_compose(email_action(3, shop, ana), "3").list_unsubscribe.strip("<>"))
    page = client.get(path)
    assert page.status_code == 200
    assert b'<form method="post">' in page.content
    assert b"ana@buyer.example" in page.content
    assert not ConsentRecord.objects.filter(contact=ana, action="revoke").exists()

    done = client.post(path, data={"confirm": "1"})
    assert done.status_code == 200
    assert b"You are unsubscribed" in done.content
    assert ConsentRecord.objects.get(contact=ana, action="revoke").source == "unsubscribe_link"
    assert _email_suppressed(ana)


def test_a_tampered_unsubscribe_token_is_404(
    client: Client, shop: Workspace, ana: Contact, settings: Any
) -> None:
    settings.COMO_PUBLIC_URL = PUBLIC
    path = _path(email_compose(email_action(4, shop, ana), "4").list_unsubscribe.strip("<>"))
    response = client.post(path + "x", data="List-Unsubscribe=One-Click", content_type=ONE_CLICK)
    assert response.status_code == 404
    assert not ConsentRecord.objects.filter(contact=ana, action="revoke").exists()


def test_a_click_redirects_records_the_event_and_moves_the_score(
    client: Client, smtp: Inbox, shop: Workspace, ana: Contact
) -> None:
    paths = _sent(smtp, shop, ana, 5)
    token = paths["click"].removeprefix("/t/c/")
    target = token_read(Purpose.CLICK, token).url
    assert target == "https://shop.example.com/spring?a=1&b=2"

    # Tampered: another target, or a changed byte. Never a redirect, nothing recorded.
    forged = token.replace(token[3], "A" if token[3] != "A" else "B", 1)
    assert client.get(f"/t/c/{forged}").status_code == 404
    assert client.get("/t/c/https%3A%2F%2Fevil.example").status_code == 404
    assert not Event.objects.filter(contact=ana).exists()
    ana.refresh_from_db()
    assert ana.score.score_intent == 0

    response = client.get(paths["click"])
    assert response.status_code == 302
    assert response["Location"] == target
    message = Message.objects.get(idempotency_key="5")
    assert message.clicked_at is not None
    (event,) = Event.objects.filter(contact=ana)
    assert event.type == "email_clicked"
    assert event.source == "email"
    assert event.properties == {"message": "5", "campaign_id": 77, "url": target}
    ana.refresh_from_db()
    assert ana.score.score_intent == pytest.approx(3.0)

    # The same link again is the same event: no double count.
    assert client.get(paths["click"]).status_code == 302
    assert Event.objects.filter(contact=ana).count() == 1


def test_the_pixel_records_the_first_open_once(
    client: Client, smtp: Inbox, shop: Workspace, ana: Contact
) -> None:
    paths = _sent(smtp, shop, ana, 6)
    first = client.get(paths["pixel"])
    assert first.status_code == 200
    assert first["Content-Type"] == "image/gif"
    assert first.content == PIXEL
    opened = Message.objects.get(idempotency_key="6").opened_at
    assert opened is not None
    assert client.get(paths["pixel"]).content == PIXEL
    assert Message.objects.get(idempotency_key="6").opened_at == opened
    (event,) = Event.objects.filter(contact=ana)
    assert (event.type, event.event_id) == ("email_opened", "email:6:opened")


def test_a_bad_pixel_token_still_gets_the_gif_and_records_nothing(client: Client) -> None:
    response = client.get("/t/o/WzEsIjEiLDEsbnVsbF0:forged.gif")
    assert response.status_code == 200
    assert response.content == PIXEL
    assert not Event.objects.exists()


def test_gpc_on_a_tracked_request_opts_the_contact_out_of_ads(
    client: Client, smtp: Inbox, shop: Workspace, ana: Contact
) -> None:
    paths = _sent(smtp, shop, ana, 7)
    client.get(paths["pixel"], headers={"Sec-GPC": "1"})
    client.get(paths["click"], headers={"Sec-GPC": "1"})
    (gpc,) = ConsentRecord.objects.filter(contact=ana, action="revoke")
    assert (gpc.channel, gpc.source) == ("ads", "gpc")
    assert not _email_suppressed(ana)  # an ads opt-out, not an unsubscribe


def test_an_erased_contact_makes_the_links_harmless(
    client: Client, smtp: Inbox, shop: Workspace, ana: Contact
) -> None:
    paths = _sent(smtp, shop, ana, 8)
    ana.delete()
    assert client.get(paths["pixel"]).content == PIXEL
    click = client.get(paths["click"])
    assert click.status_code == 302
    unsubscribe = client.post(
        paths["unsubscribe"], data="List-Unsubscribe=One-Click", content_type=ONE_CLICK
    )
    assert unsubscribe.status_code == 404
    assert not Event.objects.exists()
    # Nobody was re-created from the address in the token's message.
    assert not Contact.objects.filter(workspace=shop).exists()


def test_another_workspaces_token_cannot_reach_this_workspaces_contact(
    client: Client, smtp: Inbox, shop: Workspace, ana: Contact
) -> None:
    rival = WorkspaceFactory.create(slug="rival-shop", postal_address=POSTAL)
    bob = consenting_contact(rival, "bob@rival.example")
    paths = _sent(smtp, rival, bob, 9)
    client.post(paths["unsubscribe"], data="List-Unsubscribe=One-Click", content_type=ONE_CLICK)
    assert _email_suppressed(bob)
    assert not _email_suppressed(ana)
    assert not ConsentRecord.objects.filter(contact=ana, action="revoke").exists()


def _broken_ingest(**_: Any) -> None:
    raise RuntimeError("ingest is down")


def test_an_open_or_click_whose_event_fails_is_kept_for_the_next_request(
    client: Client, smtp: Inbox, shop: Workspace, ana: Contact, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = _sent(smtp, shop, ana, 10)
    with monkeypatch.context() as broken:
        broken.setattr(tracking, "events_ingest", _broken_ingest)
        with pytest.raises(RuntimeError, match="ingest is down"):
            client.get(paths["pixel"])
        with pytest.raises(RuntimeError, match="ingest is down"):
            client.get(paths["click"])
    message = Message.objects.get(idempotency_key="10")
    # Neither stamp outlived its failed event, so the next request is still "first".
    assert (message.opened_at, message.clicked_at) == (None, None)
    assert not Event.objects.filter(contact=ana).exists()

    assert client.get(paths["pixel"]).content == PIXEL
    assert client.get(paths["click"]).status_code == 302
    message.refresh_from_db()
    assert message.opened_at is not None
    assert message.clicked_at is not None
    assert sorted(Event.objects.filter(contact=ana).values_list("type", flat=True)) == [
        "email_clicked",
        "email_opened",
    ]


def _reads_of(queries: CaptureQueriesContext, table: str) -> int:
    return sum(1 for q in queries.captured_queries if f'FROM "{table}"' in q["sql"])


def test_the_unsubscribe_page_reads_the_contact_and_its_workspace_once(
    client: Client, shop: Workspace, ana: Contact, settings: Any
) -> None:
    settings.COMO_PUBLIC_URL = PUBLIC
    path = _path(email_compose(email_action(11, shop, ana), "11").list_unsubscribe.strip("<>"))
    with CaptureQueriesContext(connection) as page:
        assert b"Acme Shop" in client.get(path).content
    assert _reads_of(page, "leads_contact") == 1
    assert _reads_of(page, "workspaces_workspace") == 0  # joined to the contact's read

    with CaptureQueriesContext(connection) as done:
        response = client.post(path, data={"confirm": "1"})
    assert b"Acme Shop" in response.content
    locks = [
        q["sql"]
        for q in done.captured_queries
        if q["sql"].endswith('FOR UPDATE OF "leads_contact"')
    ]
    assert len(locks) == 1
    assert _reads_of(done, "workspaces_workspace") == 0
    assert ConsentRecord.objects.filter(contact=ana, action="revoke").count() == 1

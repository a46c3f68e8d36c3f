"""The email adapter against a real SMTP server (aiosmtpd): what is sent, once, and what the
preflight reads."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.utils import timezone

from como.channels.base import adapter_for_kind, adapter_get
from como.channels.email import (
    ONE_CLICK,
    Purpose,
    TokenInvalid,
    email_adapter,
    email_compose,
    token_read,
)
from como.channels.errors import ChannelRejected, TransientError
from como.channels.models import ChannelAccount, Message, MessagePurpose, MessageStatus
from como.consent.models import SuppressionReason
from como.consent.services import suppress
from como.workspaces.models import Workspace
from tests.factories import ContactFactory, WorkspaceFactory

from .email_support import (
    POSTAL,
    PUBLIC,
    Inbox,
    consenting_contact,
    email_action,
    free_port,
    smtp_server,
    use_smtp,
)

pytestmark = pytest.mark.django_db
AT = datetime(2026, 3, 3, 18, 0, tzinfo=UTC)


@pytest.fixture
def smtp(settings: Any) -> Iterator[Inbox]:
    with smtp_server() as (inbox, port):
        use_smtp(settings, port)
        yield inbox


@pytest.fixture
def shop() -> Workspace:
    return WorkspaceFactory.create(
        slug="shop", name="Acme Shop", vertical="b2b", postal_address=POSTAL
    )


def _content(part: Any) -> str:
    """A received part's text with the wire's CRLF line ends made \\n again."""
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def _token(url: str, prefix: str) -> str:
    assert url.startswith(f"{PUBLIC}{prefix}"), url
    return url.removeprefix(f"{PUBLIC}{prefix}")


def test_the_adapter_is_registered_for_email_send() -> None:
    assert adapter_get("email") is email_adapter
    assert adapter_for_kind("email_send") is email_adapter


def test_an_email_through_smtp_has_the_one_click_headers_footer_pixel_and_tracked_links(
    smtp: Inbox, shop: Workspace
) -> None:
    contact = consenting_contact(shop, "ana@buyer.example")
    action = email_action(
        41,
        shop,
        contact,
        html='<html><body><p>Hi {{ contact.first_name }}</p><a href="https://shop.example.com/'
        'spring?a=1&amp;b=2">Shop</a> <a href="mailto:help@shop.example">Mail us</a>'
        "</body></html>",
    )
    assert email_adapter.preflight(action, at=AT).blocking == []

    result = email_adapter.execute(action, "41")

    (received,) = smtp.received()
    assert smtp.envelopes == [["ana@buyer.example"]]
    assert received["Subject"] == "Spring offers for Ana"
    assert received["From"] == "como <como@localhost>"
    assert received["Message-ID"] == f"<como.email.{shop.pk}.41@localhost>"
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = re.fullmatch(r"<(https://[^>]+)>", received["List-Unsubscribe"].strip())
    assert unsubscribe is not None
    tracked = token_read(Purpose.UNSUBSCRIBE, _token(unsubscribe.group(1), "/t/u/"))
    assert (tracked.workspace_id, tracked.key, tracked.contact_id, tracked.campaign_id) == (
        shop.pk,
        "41",
        contact.pk,
        77,
    )

    text_body = _content(received.get_body(preferencelist=("plain",)))
    html_body = _content(received.get_body(preferencelist=("html",)))
    # The footer: sender, postal address, the unsubscribe link (direct, not tracked).
    assert text_body.endswith(f"-- \nAcme Shop\n{POSTAL}\nUnsubscribe: {unsubscribe.group(1)}\n")
    assert POSTAL in html_body
    assert f'href="{unsubscribe.group(1)}">Unsubscribe' in html_body
    # Plain-text links go through signed redirects to exactly their targets.
    text_links = re.findall(rf"{PUBLIC}/t/c/([\w\-.:]*[\w\-])", text_body)
    assert [token_read(Purpose.CLICK, t).url for t in text_links] == [
        "https://shop.example.com/spring?a=1&b=2",
        "https://blog.example.com/post",
    ]
    assert "https://shop.example.com" not in text_body
    # HTML: the http(s) link rewritten (its &amp; decoded before signing), mailto kept, pixel.
    html_links = re.findall(rf'href="{PUBLIC}/t/c/([^"]+)"', html_body)
    assert [token_read(Purpose.CLICK, t).url for t in html_links] == [
        "https://shop.example.com/spring?a=1&b=2"
    ]
    assert 'href="mailto:help@shop.example"' in html_body
    pixel = re.search(rf'<img src="{PUBLIC}/t/o/([^"]+)\.gif"', html_body)
    assert pixel is not None
    assert token_read(Purpose.OPEN, pixel.group(1)).key == "41"
    assert html_body.index("<img") < html_body.index("</body>")

    message = Message.objects.get(workspace=shop, idempotency_key="41")
    assert message.purpose == MessagePurpose.MARKETING
    assert message.status == MessageStatus.SENT
    assert (message.action_id, message.campaign_id, message.contact_id) == (41, 77, contact.pk)
    assert message.provider_id == received["Message-ID"]
    assert message.sent_at is not None
    assert result == {
        "message": message.pk,
        "message_id": received["Message-ID"],
        "to": "ana@buyer.example",
        "sent_at": message.sent_at.isoformat(),
    }


def test_a_second_execute_with_the_same_key_sends_nothing(smtp: Inbox, shop: Workspace) -> None:
    contact = consenting_contact(shop, "ana@buyer.example")
    action = email_action(42, shop, contact)
    first = email_adapter.execute(action, "42")
    second = email_adapter.execute(action, "42")
    assert second == first
    assert len(smtp.received()) == 1
    assert Message.objects.filter(workspace=shop).count() == 1


def test_a_generated_html_part_escapes_the_text_and_links_it(smtp: Inbox, shop: Workspace) -> None:
    contact = consenting_contact(shop, "ana@buyer.example", first_name="<b>Ana</b>")
    email_adapter.execute(email_action(43, shop, contact), "43")
    html = smtp.received()[0].get_body(preferencelist=("html",))
    assert html is not None
    body = html.get_content()
    assert "Hi &lt;b&gt;Ana&lt;/b&gt;," in body
    assert len(re.findall(rf'<a href="{PUBLIC}/t/c/', body)) == 2


def test_the_from_address_is_the_channel_accounts_sender(smtp: Inbox, shop: Workspace) -> None:
    ChannelAccount.objects.create(workspace=shop, channel="email", sender="news@shop.example")
    contact = consenting_contact(shop, "ana@buyer.example")
    email_adapter.execute(email_action(44, shop, contact), "44")
    received = smtp.received()[0]
    assert received["From"] == "Acme Shop <news@shop.example>"
    assert received["Message-ID"] == f"<como.email.{shop.pk}.44@shop.example>"


def test_preflight_reads_exactly_what_execute_sends(smtp: Inbox, shop: Workspace) -> None:
    contact = consenting_contact(shop, "ana@buyer.example")
    action = email_action(45, shop, contact)
    composed = email_compose(action, "45")
    email_adapter.execute(action, "45")
    assert _content(smtp.received()[0].get_body(preferencelist=("plain",))) == composed.text
    assert composed.headers["List-Unsubscribe-Post"] == ONE_CLICK
    assert Message.objects.get(idempotency_key="45").body == composed.text


def test_the_body_may_print_the_unsubscribe_link_itself(shop: Workspace) -> None:
    contact = consenting_contact(shop, "ana@buyer.example")
    action = email_action(46, shop, contact, body="Hi.\n\nLeave the list: {{ unsubscribe_url }}\n")

    composed = email_compose(action, "46")

    link = composed.list_unsubscribe.strip("<>")
    # Direct, not through the click redirect, and the footer still carries it.
    assert composed.text.startswith(f"Hi.\n\nLeave the list: {link}\n")
    assert composed.text.count(link) == 2
    assert "/t/c/" not in composed.text


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"contact_id": 999_999}, "contact_id", "No contact 999999 in this workspace."),
        ({"subject": "{{ contact.nope }"}, "subject", "Line 1: unexpected '}'"),
        ({"body": "Hi {{ contact.first_nme }}"}, "body", "Line 1: 'dict object' has no"),
        ({"body": "  "}, "body", "Must be non-empty text."),
        ({"campaign_id": "77"}, "campaign_id", "Must be a campaign's id or null."),
    ],
)
def test_a_bad_payload_is_a_blocking_finding_not_an_exception(
    shop: Workspace, payload: dict[str, Any], field: str, message: str
) -> None:
    contact = consenting_contact(shop, "ana@buyer.example")
    report = email_adapter.preflight(email_action(46, shop, contact, **payload), at=AT)
    (finding,) = report.findings
    assert finding.rule == "email.payload"
    assert finding.severity == "block"
    assert finding.evidence["errors"][field].startswith(message)


def test_a_contact_of_another_workspace_is_not_found(shop: Workspace) -> None:
    foreign = ContactFactory.create(workspace=WorkspaceFactory.create(), email="x@rival.example")
    report = email_adapter.preflight(email_action(47, shop, foreign), at=AT)
    assert [f.rule for f in report.blocking] == ["email.payload"]
    assert f"No contact {foreign.pk} in this workspace." in report.blocking[0].message


def test_a_suppressed_address_is_blocked_and_execute_refuses_it(
    smtp: Inbox, shop: Workspace
) -> None:
    contact = consenting_contact(shop, "ana@buyer.example")
    suppress(
        workspace_id=shop.pk,
        addresses=["ANA@buyer.example"],
        channel="email",
        reason=SuppressionReason.BOUNCED,
    )
    action = email_action(48, shop, contact)
    assert email_adapter.preflight(action, at=AT).blocking != []
    with pytest.raises(ChannelRejected, match="suppressed"):
        email_adapter.execute(action, "48")
    assert smtp.received() == []
    assert not Message.objects.filter(workspace=shop).exists()


def test_a_5xx_refusal_is_rejected_and_a_4xx_is_transient(smtp: Inbox, shop: Workspace) -> None:
    contact = consenting_contact(shop, "ana@buyer.example")
    smtp.refuse = "550 5.1.1 no such user"
    with pytest.raises(ChannelRejected):
        email_adapter.execute(email_action(49, shop, contact), "49")
    assert Message.objects.get(idempotency_key="49").status == MessageStatus.FAILED
    smtp.refuse = "451 4.3.0 try again later"
    with pytest.raises(TransientError):
        email_adapter.execute(email_action(50, shop, contact), "50")
    # The retry after the server recovers sends it, once.
    smtp.refuse = ""
    email_adapter.execute(email_action(50, shop, contact), "50")
    assert len(smtp.received()) == 1
    assert Message.objects.get(idempotency_key="50").sent_at is not None


def test_no_mail_server_is_transient(settings: Any, shop: Workspace) -> None:
    use_smtp(settings, free_port())  # nothing listens there
    contact = consenting_contact(shop, "ana@buyer.example")
    with pytest.raises(TransientError, match="unreachable"):
        email_adapter.execute(email_action(51, shop, contact), "51")
    assert Message.objects.get(idempotency_key="51").sent_at is None


def test_sync_metrics_counts_the_days_sends_per_campaign(smtp: Inbox, shop: Workspace) -> None:
    contact = consenting_contact(shop, "ana@buyer.example")
    email_adapter.execute(email_action(52, shop, contact), "52")
    email_adapter.execute(email_action(53, shop, contact, campaign_id=None), "53")
    rows = email_adapter.sync_metrics(workspace_id=shop.pk, day=timezone.now().date())
    sent = {row.campaign_id: row.counts["sent"] for row in rows}
    assert sent == {77: 1, None: 1}
    assert email_adapter.sync_metrics(workspace_id=shop.pk, day=date(2020, 1, 1)) == []


def test_tokens_are_bound_to_their_purpose_and_reject_tampering(
    settings: Any, shop: Workspace
) -> None:
    settings.COMO_PUBLIC_URL = PUBLIC
    contact = consenting_contact(shop, "ana@buyer.example")
    composed = email_compose(email_action(54, shop, contact), "54")
    token = _token(composed.list_unsubscribe.strip("<>"), "/t/u/")
    assert token_read(Purpose.UNSUBSCRIBE, token).contact_id == contact.pk
    with pytest.raises(TokenInvalid):
        token_read(Purpose.OPEN, token)
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    with pytest.raises(TokenInvalid):
        token_read(Purpose.UNSUBSCRIBE, flipped)
    with pytest.raises(TokenInvalid):
        token_read(Purpose.CLICK, "not-a-token")

"""What the email tests share: a real SMTP server (aiosmtpd) on a free local port, an action as
the adapter reads it, a consenting contact, and Standard Webhooks deliveries."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from django.test import Client

from como.channels.signatures import standard_signature
from como.consent.services import consent_grant
from como.leads.models import Contact
from como.workspaces.models import Workspace
from tests.factories import ContactFactory

PUBLIC = "https://mail.como.example"
POSTAL = "Acme Inc., 1 Main St, Springfield, IL 62701"
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
ONE_CLICK_BODY = "List-Unsubscribe=One-Click"


@dataclass
class Inbox:
    """An aiosmtpd handler keeping every message it accepts; ``refuse`` answers RCPT with a
    given reply instead (``"550 5.1.1 no such user"``)."""

    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[list[str]] = field(default_factory=list)
    refuse: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.messages.append(parsed)
            self.envelopes.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"

    def received(self) -> list[EmailMessage]:
        with self.lock:
            return list(self.messages)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def use_smtp(settings: Any, port: int) -> None:
    """Send through real SMTP (pytest-django's default is the in-memory backend)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.COMO_PUBLIC_URL = PUBLIC


@dataclass
class Action:
    """What an adapter reads of an agent action (agents live above channels)."""

    pk: int
    workspace: Workspace
    payload: dict[str, Any]
    kind: str = "email_send"
    channel: str = "email"
    target_type: str = "contact"
    target_id: str = ""
    workspace_id: int = field(init=False)

    def __post_init__(self) -> None:
        self.workspace_id = self.workspace.pk


def consenting_contact(workspace: Workspace, email_address: str, **fields: Any) -> Contact:
    fields.setdefault("first_name", "Ana")
    contact = ContactFactory.create(workspace=workspace, email=email_address, region="IL", **fields)
    consent_grant(
        contact=contact,
        channel="email",
        basis="express",
        source="web_form",
        jurisdiction="US",
        wording="Email me offers.",
        at=datetime(2026, 1, 5, tzinfo=UTC),
    )
    return contact


def email_action(pk: int, workspace: Workspace, contact: Contact, **payload: Any) -> Action:
    data: dict[str, Any] = {
        "contact_id": contact.pk,
        "subject": "Spring offers for {{ contact.first_name }}",
        "body": "Hi {{ contact.first_name }},\n\nSee https://shop.example.com/spring?a=1&b=2 "
        "and our blog at https://blog.example.com/post.\n",
        "campaign_id": 77,
    }
    data.update(payload)
    return Action(pk=pk, workspace=workspace, payload=data)


def webhook_post(
    client: Client,
    url: str,
    event: dict[str, Any],
    *,
    webhook_id: str = "msg_1",
    timestamp: int | None = None,
    secret: str = SECRET,
    body: bytes | None = None,
    signature: str | None = None,
) -> Any:
    """POST ``event`` signed over its body (or over ``body`` given separately: a mutation)."""
    signed = json.dumps(event).encode()
    stamp = int(time.time()) if timestamp is None else timestamp
    headers = {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": signature
        or standard_signature(secret, webhook_id=webhook_id, timestamp=stamp, body=signed),
    }
    return client.post(
        url,
        data=body if body is not None else signed,
        content_type="application/json",
        headers=headers,
    )

"""The email channel: marketing email through Django's email backend (SMTP by default).

An ``email_send`` action's payload is ``{"contact_id", "subject", "body", "html"?,
"campaign_id"?}``; subject, body and html are Jinja creative rendered in the sandbox with
:func:`~como.channels.personalization.message_context`. What goes out, built once by
:func:`email_compose` for both the preflight and the send, so the compliance report reads
exactly the message that is sent:

- From: the workspace's email channel account's sender, else ``DEFAULT_FROM_EMAIL``;
  Message-ID from the idempotency key (:func:`.smtp.message_id`);
- a footer with the workspace's name, postal address and unsubscribe link (CAN-SPAM), in the
  text and in the HTML part (a template may print the link itself too: ``{{ unsubscribe_url }}``);
- ``List-Unsubscribe: <https://…/t/u/<token>>`` and ``List-Unsubscribe-Post:
  List-Unsubscribe=One-Click`` (RFC 8058);
- an HTML part (the payload's, or one made from the text) with an open pixel; every http(s)
  link in both parts goes through a signed click redirect (:mod:`.tracking`).

The execute step re-checks the suppression list right before sending, whatever the compliance
engine runs: an unsubscribed, bounced or erased address gets nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import formataddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from como.compliance.drafts import Draft, Sender
from como.compliance.engine import run_checks
from como.compliance.findings import Finding, Report, Severity
from como.compliance.selectors import recipients_for
from como.consent.selectors import suppressed_channels
from como.creative import CreativeError, render_creative
from como.leads.models import Contact
from como.workspaces.models import Workspace

from ..base import ActionLike, MetricRow, register_adapter
from ..errors import ChannelRejected, PayloadInvalid, TransientError
from ..models import Direction, Message, MessagePurpose, MessageStatus
from ..personalization import UNSUBSCRIBE_KEY, message_context, payload_context
from ..selectors import marketing_sent, message_for_key, message_metrics
from ..services import message_record, message_send_failed, message_sent
from ..transports import channel_account
from . import render as email_render
from .smtp import message_id, smtp_send
from .tracking import Tracked, click_url, open_url, unsubscribe_url

CHANNEL = "email"
KIND = "email_send"
ONE_CLICK = "List-Unsubscribe=One-Click"
#: The variable a body or HTML template prints the recipient's unsubscribe link with.
UNSUBSCRIBE_PLACEHOLDER = UNSUBSCRIBE_KEY
_SUBJECT_MAX = Message._meta.get_field("subject").max_length or 998


@dataclass(frozen=True, slots=True)
class ComposedEmail:
    """One message exactly as it would be sent."""

    workspace: Workspace
    contact: Contact
    key: str
    campaign_id: int | None
    from_email: str
    to: str
    subject: str
    text: str
    html: str
    message_id: str
    list_unsubscribe: str

    @property
    def headers(self) -> dict[str, str]:
        return {
            "Message-ID": self.message_id,
            "List-Unsubscribe": self.list_unsubscribe,
            "List-Unsubscribe-Post": ONE_CLICK,
        }


def _payload(payload: Any) -> tuple[int, str, str, str | None, int | None]:
    errors: dict[str, str] = {}
    if not isinstance(payload, Mapping):
        raise PayloadInvalid({"payload": "Must be an object."})
    contact_id = payload.get("contact_id")
    if not isinstance(contact_id, int) or isinstance(contact_id, bool):
        errors["contact_id"] = "Must be a contact's id."
    for name in ("subject", "body"):
        value = payload.get(name)
        if not isinstance(value, str) or not value.strip():
            errors[name] = "Must be non-empty text."
    markup = payload.get("html")
    if markup is not None and not isinstance(markup, str):
        errors["html"] = "Must be text (an HTML template) or absent."
    campaign_id = payload.get("campaign_id")
    if campaign_id is not None and (
        not isinstance(campaign_id, int) or isinstance(campaign_id, bool)
    ):
        errors["campaign_id"] = "Must be a campaign's id or null."
    if errors or not isinstance(contact_id, int):
        raise PayloadInvalid(errors)
    return contact_id, payload["subject"], payload["body"], markup or None, campaign_id


def _render(field: str, source: str, context: dict[str, Any], *, html: bool = False) -> str:
    try:
        return render_creative(source, context, html=html)
    except CreativeError as error:
        raise PayloadInvalid({field: str(error)}) from None


def _from_email(workspace: Workspace) -> str:
    account = channel_account(workspace.pk, CHANNEL)
    sender = account.sender.strip() if account is not None else ""
    if not sender:
        return str(settings.DEFAULT_FROM_EMAIL)
    return sender if "<" in sender else formataddr((workspace.name, sender))


def email_compose(action: ActionLike, key: str) -> ComposedEmail:
    """Render the action's email for its contact; :class:`PayloadInvalid` says what is wrong."""
    contact_id, subject_source, body_source, html_source, campaign_id = _payload(action.payload)
    workspace = action.workspace
    contact = Contact.objects.filter(workspace_id=action.workspace_id, pk=contact_id).first()
    if contact is None:
        raise PayloadInvalid({"contact_id": f"No contact {contact_id} in this workspace."})
    if not contact.email:
        raise PayloadInvalid({"contact_id": f"Contact {contact_id} has no email address."})
    tracked = Tracked(workspace.pk, key, contact.pk, campaign_id)
    unsubscribe = unsubscribe_url(tracked)
    # The body may place the unsubscribe link itself ({{ unsubscribe_url }}); the footer
    # carries it in any case.
    context = {
        **message_context(
            contact=contact, workspace=workspace, extra=payload_context(action.payload)
        ),
        UNSUBSCRIBE_PLACEHOLDER: unsubscribe,
    }
    subject = " ".join(_render("subject", subject_source, context).split())[:_SUBJECT_MAX]
    text = _render("body", body_source, context)
    markup = (
        _render("html", html_source, context, html=True)
        if html_source
        else email_render.text_to_html(text)
    )

    def track(url: str) -> str:
        # The unsubscribe link stays direct, like the footer's.
        return url if url == unsubscribe else click_url(tracked, url)

    footer = {
        "sender_name": workspace.name,
        "postal_address": workspace.postal_address,
        "unsubscribe_url": unsubscribe,
    }
    text = email_render.rewrite_text_links(text, track) + email_render.text_footer(**footer)
    markup = email_render.append_to_body(
        email_render.rewrite_html_links(markup, track),
        email_render.html_footer(**footer, pixel_url=open_url(tracked)),
    )
    from_email = _from_email(workspace)
    return ComposedEmail(
        workspace=workspace,
        contact=contact,
        key=key,
        campaign_id=campaign_id,
        from_email=from_email,
        to=contact.email,
        subject=subject,
        text=text,
        html=markup,
        message_id=message_id(f"email.{workspace.pk}.{key}", from_email=from_email),
        list_unsubscribe=f"<{unsubscribe}>",
    )


def email_draft(email: ComposedEmail, *, kind: str, at: datetime) -> Draft:
    workspace = email.workspace
    sent = marketing_sent(
        workspace_id=workspace.pk, channel=CHANNEL, contact_ids=[email.contact.pk]
    )
    (recipient,) = recipients_for(
        workspace_id=workspace.pk, contacts=[email.contact], at=at, messages_sent=sent
    )
    return Draft(
        channel=CHANNEL,
        kind=kind,
        sender=Sender.of(workspace),
        at=at,
        fields={
            "subject": email.subject,
            "body": email.text,
            "from": email.from_email,
            "list_unsubscribe": email.list_unsubscribe,
            "list_unsubscribe_post": ONE_CLICK,
        },
        recipient=recipient,
        vertical=workspace.vertical,
    )


def _suppressed(email: ComposedEmail) -> bool:
    """On the suppression list for email, checked right before sending. The preflight's
    ``suppression`` check blocks this already; this is the last line of defence."""
    channels = suppressed_channels(
        workspace_id=email.workspace.pk, addresses={email.contact.pk: [email.to]}
    )[email.contact.pk]
    return "*" in channels or CHANNEL in channels


def _result(message: Message) -> dict[str, Any]:
    return {
        "message": message.pk,
        "message_id": message.provider_id,
        "to": message.to,
        "sent_at": message.sent_at.isoformat() if message.sent_at else None,
    }


class EmailAdapter:
    key = CHANNEL
    kinds = frozenset({KIND})

    def preflight(self, action: ActionLike, *, at: datetime) -> Report:
        try:
            email = email_compose(action, str(action.pk))
        except PayloadInvalid as error:
            finding = Finding(
                rule="email.payload",
                severity=Severity.BLOCK,
                message=str(error),
                fix="Correct the action's payload or template.",
                evidence={"errors": error.errors},
            )
            return Report.of([finding], ["email.payload"])
        return run_checks(email_draft(email, kind=action.kind, at=at))

    def execute(self, action: ActionLike, idempotency_key: str) -> Mapping[str, Any]:
        workspace_id = action.workspace_id
        existing = message_for_key(workspace_id, idempotency_key)
        if existing is not None and existing.sent_at is not None:
            return _result(existing)  # sent before: the same answer, nothing sent again
        email = email_compose(action, idempotency_key)
        if _suppressed(email):
            raise ChannelRejected(f"{email.to} is suppressed for email; nothing was sent.")
        # The row exists before the send, so an open or a click arriving at once finds it.
        message = message_record(
            workspace_id=workspace_id,
            idempotency_key=idempotency_key,
            channel=CHANNEL,
            direction=Direction.OUTBOUND,
            purpose=MessagePurpose.MARKETING,
            contact=email.contact,
            action_id=action.pk if isinstance(action.pk, int) else None,
            campaign_id=email.campaign_id,
            to=email.to,
            sender=email.from_email,
            subject=email.subject,
            body=email.text,
            provider_id=email.message_id,
            status=MessageStatus.SENT,
        )
        if message.sent_at is not None:
            return _result(message)
        outgoing = EmailMultiAlternatives(
            subject=email.subject,
            body=email.text,
            from_email=email.from_email,
            to=[email.to],
            headers=email.headers,
        )
        outgoing.attach_alternative(email.html, "text/html")
        try:
            smtp_send(outgoing)
        except TransientError as error:
            message_send_failed(message=message, error=error, final=False)
            raise
        except ChannelRejected as error:
            message_send_failed(message=message, error=error, final=True)
            raise
        message_sent(message=message)
        return _result(message)

    def sync_metrics(self, *, workspace_id: int, day: date) -> list[MetricRow]:
        return message_metrics(workspace_id=workspace_id, channel=CHANNEL, day=day)


email_adapter = register_adapter(EmailAdapter())

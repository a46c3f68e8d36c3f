"""The SMS channel: marketing texts through a Twilio-shaped API, under TCPA.

Payload of an ``sms_send`` action: ``{"contact_id": int, "body": str, "campaign_id": int|null}``
where ``body`` is Jinja creative (:func:`como.creative.render_creative`). The text is composed
by one function, :func:`sms_compose`, for both the preflight report and the send, so what the
checks approved is byte for byte what goes out. A contact's first marketing text names the
sender and says how to opt out (TCPA, CTIA): the adapter adds what the creative lacks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError

from como.compliance.drafts import Draft, Sender
from como.compliance.engine import run_checks
from como.compliance.findings import Finding, Report, Severity
from como.compliance.selectors import recipients_for
from como.creative import CreativeError, render_creative
from como.leads.models import Contact
from como.leads.normalize import normalize_phone

from ..base import ActionLike, MetricRow, register_adapter
from ..errors import PayloadInvalid
from ..models import Message, MessagePurpose
from ..personalization import message_context, payload_context
from ..selectors import marketing_sent, message_for_key, message_metrics
from ..transports import channel_account
from .twilio import CHANNEL, MAX_BODY, sms_deliver

KIND = "sms_send"
OPT_OUT_HINT = "Reply STOP to opt out."
PAYLOAD_RULE = "sms.payload"
#: The keyword in capitals, as a word: "stop by our showroom" tells nobody how to opt out.
_STOP_WORD = re.compile(r"\bSTOP\b")


@dataclass(frozen=True, slots=True)
class ComposedSms:
    contact: Contact
    #: E.164.
    to: str
    #: The exact text that goes out.
    body: str
    campaign_id: int | None
    #: Marketing texts this contact has had on this channel before this one.
    marketing_sent: int


def first_message_text(text: str, *, sender_name: str) -> str:
    """The text with the sender's name in front and the opt-out hint at the end, each only
    when it is not there already (TCPA/CTIA: the first message identifies both)."""
    text = text.strip()
    if sender_name and sender_name.casefold() not in text.casefold():
        text = f"{sender_name}: {text}"
    if _STOP_WORD.search(text) is None:
        text = f"{text} {OPT_OUT_HINT}"
    return text


def _payload_int(payload: Mapping[str, Any], name: str, *, required: bool) -> int | None:
    value = payload.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise PayloadInvalid(
            {name: "must be an integer" if required else "must be an integer or null"}
        )
    return value


def sms_compose(action: ActionLike) -> ComposedSms:
    """The text for this action as it would go out now; ``PayloadInvalid`` names what is
    wrong (a missing contact, no phone number, a template error, a text that is too long)."""
    payload = action.payload if isinstance(action.payload, Mapping) else {}
    contact_id = _payload_int(payload, "contact_id", required=True) or 0
    campaign_id = _payload_int(payload, "campaign_id", required=False)
    source = payload.get("body")
    if not isinstance(source, str) or not source.strip():
        raise PayloadInvalid({"body": "must be a non-empty text"})
    contact = Contact.objects.filter(workspace_id=action.workspace_id, pk=contact_id).first()
    if contact is None:
        raise PayloadInvalid({"contact_id": f"no contact {contact_id} in this workspace"})
    if not contact.phone:
        raise PayloadInvalid({"contact_id": f"contact {contact_id} has no phone number"})
    try:
        to = normalize_phone(contact.phone)
    except ValidationError as error:
        raise PayloadInvalid({"contact_id": "; ".join(error.messages)}) from None
    workspace = action.workspace
    try:
        context = message_context(
            contact=contact, workspace=workspace, extra=payload_context(payload)
        )
        text = render_creative(source, context)
    except CreativeError as error:
        raise PayloadInvalid({"body": str(error)}) from None
    sent = marketing_sent(workspace_id=workspace.pk, channel=CHANNEL, contact_ids=[contact.pk])
    before = sent.get(contact.pk, 0)
    text = text.strip()
    if before == 0:
        text = first_message_text(text, sender_name=workspace.name)
    if not text:
        raise PayloadInvalid({"body": "renders to an empty text"})
    if len(text) > MAX_BODY:
        raise PayloadInvalid(
            {"body": f"{len(text)} characters; a text can have at most {MAX_BODY}"}
        )
    return ComposedSms(
        contact=contact, to=to, body=text, campaign_id=campaign_id, marketing_sent=before
    )


def _result(message: Message) -> dict[str, Any]:
    return {
        "message_id": message.pk,
        "sid": message.provider_id,
        "to": message.to,
        "status": message.status,
    }


class SmsAdapter:
    key = CHANNEL
    kinds = frozenset({KIND})

    def preflight(self, action: ActionLike, *, at: datetime) -> Report:
        try:
            composed = sms_compose(action)
        except PayloadInvalid as error:
            return Report.of(
                [
                    Finding(
                        rule=PAYLOAD_RULE,
                        severity=Severity.BLOCK,
                        message=str(error),
                        evidence=dict(error.errors),
                        fix="Fix the action's contact or creative.",
                    )
                ],
                checked=[PAYLOAD_RULE],
            )
        workspace = action.workspace
        (recipient,) = recipients_for(
            workspace_id=workspace.pk,
            contacts=[composed.contact],
            at=at,
            messages_sent={composed.contact.pk: composed.marketing_sent},
        )
        draft = Draft(
            channel=CHANNEL,
            kind=action.kind,
            sender=Sender.of(workspace),
            at=at,
            fields={"body": composed.body},
            recipient=recipient,
            vertical=workspace.vertical,
        )
        report = run_checks(draft)
        return Report.of(report.findings, (PAYLOAD_RULE, *report.checked))

    def execute(self, action: ActionLike, idempotency_key: str) -> Mapping[str, Any]:
        # sms_deliver checks the key too; checking first keeps a retry of a text already sent
        # from composing it again, which could fail now (contact erased, number removed) and
        # mark a sent action failed.
        done = message_for_key(action.workspace_id, idempotency_key)
        if done is not None:
            return _result(done)
        composed = sms_compose(action)
        message = sms_deliver(
            workspace_id=action.workspace_id,
            account=channel_account(action.workspace_id, CHANNEL),
            to=composed.to,
            body=composed.body,
            idempotency_key=idempotency_key,
            purpose=MessagePurpose.MARKETING,
            contact_id=composed.contact.pk,
            action_id=int(action.pk) if action.pk is not None else None,
            campaign_id=composed.campaign_id,
        )
        return _result(message)

    def sync_metrics(self, *, workspace_id: int, day: date) -> list[MetricRow]:
        return message_metrics(workspace_id=workspace_id, channel=CHANNEL, day=day)


sms_adapter = register_adapter(SmsAdapter())

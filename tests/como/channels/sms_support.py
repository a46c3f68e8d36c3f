"""What the SMS tests share: an action as the adapter reads it, a consenting contact, a signed
Twilio webhook post, and the time the tests send at (noon in Chicago, inside quiet hours)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from django.test import Client

from como.channels.models import ChannelAccount
from como.channels.sms import twilio_signature
from como.consent.services import consent_grant
from como.leads.models import Contact
from como.workspaces.models import Workspace
from tests.factories import ContactFactory

#: 12:00 in Chicago (+1 312 numbers), a Tuesday: inside every quiet-hours window.
AT = datetime(2026, 3, 3, 18, 0, tzinfo=UTC)
PUBLIC = "https://como.example.com"
TOKEN = "twilio-auth-token-for-the-sms-tests"
ACCOUNT_SID = "AC" + "1" * 32
FROM_NUMBER = "+13125550100"
PHONE = "+13125550123"
WORDING = "Yes, text me offers from Workspace acme at this number. Consent is not required."


@dataclass
class Action:
    """What an adapter reads of an agent action (agents live above channels)."""

    pk: int
    workspace: Workspace
    payload: dict[str, Any]
    kind: str = "sms_send"
    channel: str = "sms"
    target_type: str = "contact"
    target_id: str = ""
    workspace_id: int = field(init=False)

    def __post_init__(self) -> None:
        self.workspace_id = self.workspace.pk


def consenting_contact(workspace: Workspace, phone: str = PHONE, **fields: Any) -> Contact:
    fields.setdefault("first_name", "Ana")
    contact = ContactFactory.create(workspace=workspace, phone=phone, region="IL", **fields)
    consent_grant(
        contact=contact,
        channel="sms",
        basis="express_written",
        source="web_form",
        jurisdiction="US",
        wording=WORDING,
        ip="203.0.113.7",
        at=datetime(2026, 1, 5, tzinfo=UTC),
    )
    return contact


def sms_account(workspace: Workspace, **fields: Any) -> ChannelAccount:
    values: dict[str, Any] = {
        "channel": "sms",
        "account_id": ACCOUNT_SID,
        "sender": FROM_NUMBER,
        "credentials": {"auth_token": TOKEN},
    }
    values.update(fields)
    return ChannelAccount.objects.create(workspace=workspace, **values)


def hook_url(account: ChannelAccount, kind: str) -> str:
    return f"/hooks/sms/{account.pk}/{kind}"


def twilio_post(
    client: Client,
    account: ChannelAccount,
    kind: str,
    params: dict[str, str],
    *,
    signature: str | None = None,
    token: str = TOKEN,
    sent_params: dict[str, str] | None = None,
) -> Any:
    """POST as Twilio does: form-encoded, signed over the public URL and ``params``.
    ``sent_params`` posts other parameters under that signature (a mutated body)."""
    path = hook_url(account, kind)
    if signature is None:
        signature = twilio_signature(token, PUBLIC + path, {k: [v] for k, v in params.items()})
    return client.post(
        path,
        data=urlencode(sent_params if sent_params is not None else params),
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": signature} if signature else {},
    )


def inbound_params(body: str, sid: str, *, phone: str = PHONE) -> dict[str, str]:
    return {
        "AccountSid": ACCOUNT_SID,
        "ApiVersion": "2010-04-01",
        "Body": body,
        "From": phone,
        "FromCountry": "US",
        "MessageSid": sid,
        "NumMedia": "0",
        "NumSegments": "1",
        "SmsMessageSid": sid,
        "SmsSid": sid,
        "SmsStatus": "received",
        "To": FROM_NUMBER,
    }

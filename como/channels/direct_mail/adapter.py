"""Direct mail: a print vendor's order file, one personalised letter per contact.

Payload of ``direct_mail_send``: ``{"contact_ids": [...], "template": Jinja2 text,
"campaign_id"?: como's, "context"?: extra template data for every letter (a sequence's
source)}``. The template is rendered per contact by
:func:`como.creative.render_creative` with :func:`~como.channels.personalization.message_context`.

The file is CSV (RFC 4180, UTF-8, CRLF) with the columns of :data:`COLUMNS`. Postal lines come
from the contact's ``attributes`` (``address_line1``, ``address_line2``, ``city``), the region,
postal code and country from its fields. A vendor opens these files in a spreadsheet, so every
cell that would start a formula is defused (OWASP "CSV Injection", see
:mod:`como.csvsafe`, which every CSV como writes goes through).

Left out, and counted in the result: people suppressed everywhere (erased, or opted out of
all marketing), and contacts without a complete postal address. The "transport" POSTs the file
to the vendor's URL (the channel account's ``base_url``) with the action's key as
``Idempotency-Key``. An account set to HTTP without a ``base_url`` has nowhere to send: the
preflight blocks on it and the send is refused, rather than retried against no vendor.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils import timezone

from como import csvsafe
from como.compliance.drafts import Recipient
from como.compliance.findings import Finding, Report, Severity
from como.compliance.selectors import recipients_for
from como.creative import CreativeError, render_creative
from como.leads.models import Contact
from como.workspaces.models import Workspace

from ..ads import common
from ..base import ActionLike, MetricRow, register_adapter
from ..errors import ChannelRejected, PayloadInvalid
from ..models import ChannelAccount, TransportKind
from ..personalization import message_context, payload_context
from ..transports import OutboundRequest, SandboxTransport, transport_for

KEY = "direct_mail"
SEND = "direct_mail_send"
#: Where the sandbox pretends to send when no vendor is configured (never reached over HTTP).
SANDBOX_VENDOR_URL = "https://print-vendor.invalid/orders"
ACCOUNT_RULE = "direct_mail.account"
CITATION = "OWASP: CSV Injection"
MESSAGE_MAX = 4_000
COLUMNS = (
    "contact_id",
    "name",
    "address_line1",
    "address_line2",
    "city",
    "region",
    "postal_code",
    "country",
    "message",
)


@dataclass(frozen=True, slots=True)
class Mailing:
    contacts: list[Contact]
    recipients: list[Recipient]
    suppressed: int
    without_address: int


def _address(contact: Contact) -> dict[str, str]:
    attributes = contact.attributes if isinstance(contact.attributes, dict) else {}
    return {
        "address_line1": str(attributes.get("address_line1") or ""),
        "address_line2": str(attributes.get("address_line2") or ""),
        "city": str(attributes.get("city") or ""),
        "region": contact.region,
        "postal_code": contact.postal_code,
        "country": contact.country,
    }


def address_complete(attributes: Any, postal_code: str, country: str) -> bool:
    """Whether a contact with these attributes, postal code and country can be mailed (the
    sequences skip a direct-mail step for one who cannot, as a decision with its why)."""
    lines = attributes if isinstance(attributes, Mapping) else {}
    return all((lines.get("address_line1"), lines.get("city"), postal_code, country))


def _mailable(contact: Contact) -> bool:
    return address_complete(contact.attributes, contact.postal_code, contact.country)


def mailing_for(payload: Mapping[str, Any], *, workspace_id: int, at: datetime) -> Mailing:
    limits = common.Limits()
    template = payload.get("template")
    if not isinstance(template, str) or not template.strip():
        limits.add("template", "Give the letter's text (a template).")
    raw = payload.get("contact_ids")
    ids: list[int] = []
    if not isinstance(raw, list) or not raw:
        limits.add("contact_ids", "Give a list of contact ids.")
        raw = []
    for index, value in enumerate(raw):
        if isinstance(value, int) and not isinstance(value, bool):
            ids.append(value)
        else:
            limits.add(f"contact_ids[{index}]", "Must be a contact id.")
    found = {c.pk: c for c in Contact.objects.filter(workspace_id=workspace_id, pk__in=ids)}
    for index, value in enumerate(raw):
        if isinstance(value, int) and value not in found:
            limits.add(f"contact_ids[{index}]", "No such contact in this workspace.")
    limits.raise_if_any()
    ordered = [found[pk] for pk in dict.fromkeys(ids)]
    everyone = recipients_for(workspace_id=workspace_id, contacts=ordered, at=at)
    kept = [(c, r) for c, r in zip(ordered, everyone, strict=True) if "*" not in r.suppressed]
    mailable = [(c, r) for c, r in kept if _mailable(c)]
    return Mailing(
        contacts=[c for c, _ in mailable],
        recipients=[r for _, r in mailable],
        suppressed=len(everyone) - len(kept),
        without_address=len(kept) - len(mailable),
    )


def render_letter(
    template: str, contact: Contact, workspace: Workspace, extra: Mapping[str, Any] | None = None
) -> str:
    context = message_context(contact=contact, workspace=workspace, extra=extra)
    try:
        return render_creative(template, context, max_output=MESSAGE_MAX)
    except CreativeError as error:
        raise PayloadInvalid({"template": str(error)}) from None


def build_csv(
    template: str,
    contacts: Sequence[Contact],
    workspace: Workspace,
    extra: Mapping[str, Any] | None = None,
) -> str:
    buffer = io.StringIO()
    writer = csvsafe.writer(buffer)
    writer.writerow(COLUMNS)
    for contact in contacts:
        name = " ".join(part for part in (contact.first_name, contact.last_name) if part)
        address = _address(contact)
        row = {
            "contact_id": contact.pk,
            "name": name,
            **address,
            "message": render_letter(template, contact, workspace, extra),
        }
        writer.writerow(row[column] for column in COLUMNS)
    return buffer.getvalue()


def no_vendor(account: ChannelAccount | None) -> bool:
    """Set to send over HTTP, but with no vendor URL to send to."""
    return (
        account is not None
        and account.transport == TransportKind.HTTP
        and not (account.base_url or "").strip()
    )


def _no_vendor_finding() -> Finding:
    return Finding(
        rule=ACCOUNT_RULE,
        severity=Severity.BLOCK,
        message="The direct mail account sends over HTTP but has no vendor URL (base_url).",
        fix="Set the print vendor's order URL on the direct mail channel account, or switch "
        "it to the sandbox.",
    )


def _simulate(request: OutboundRequest) -> tuple[int, Mapping[str, Any]]:
    pieces = max(request.body.count("\r\n") - 1, 0) if request.body else 0
    return 201, {"id": f"order_{common.simulated_id(request.idempotency_key)}", "pieces": pieces}


class DirectMailAdapter(common.CitingAdapter):
    key = KEY
    citation = CITATION
    kinds = frozenset({SEND})

    def preflight(self, action: ActionLike, *, at: datetime) -> Report:
        invalid: PayloadInvalid | None = None
        payload = action.payload if isinstance(action.payload, Mapping) else {}
        fields: dict[str, str] = {}
        audience: list[Recipient] = []
        try:
            mailing = mailing_for(
                common.payload_of(action), workspace_id=action.workspace_id, at=at
            )
            audience = mailing.recipients
            if mailing.contacts:
                # The first letter as it will be printed: what the checks read.
                fields["body"] = render_letter(
                    str(payload["template"]),
                    mailing.contacts[0],
                    action.workspace,
                    payload_context(payload),
                )
        except PayloadInvalid as error:
            invalid = error
        account = common.account_for(action, KEY)
        extra = [_no_vendor_finding()] if no_vendor(account) else []
        return self.report(
            action, at=at, fields=fields, invalid=invalid, extra=extra, audience=audience
        )

    def execute(self, action: ActionLike, idempotency_key: str) -> Mapping[str, Any]:
        payload = common.payload_of(action)
        if action.kind != SEND:
            raise PayloadInvalid({"kind": f"{KEY} does not handle {action.kind!r}."})
        account = common.account_for(action, KEY)
        if no_vendor(account):
            raise ChannelRejected(f"{KEY}: the account sends over HTTP but has no base_url.")
        transport = transport_for(account, _simulate)
        mailing = mailing_for(payload, workspace_id=action.workspace_id, at=timezone.now())
        result: dict[str, Any] = {
            "pieces": len(mailing.contacts),
            "excluded_suppressed": mailing.suppressed,
            "excluded_without_address": mailing.without_address,
            "idempotency_key": idempotency_key,
        }
        if not mailing.contacts:
            # Nothing to send; say where it would have gone.
            sandbox = isinstance(transport, SandboxTransport)
            return {**result, "external_id": "", "sandbox": sandbox}
        body = build_csv(
            str(payload["template"]), mailing.contacts, action.workspace, payload_context(payload)
        )
        headers = {
            "Content-Type": "text/csv; charset=utf-8",
            "Idempotency-Key": idempotency_key,
        }
        token = common.credential(account, "api_key")
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = OutboundRequest(
            workspace_id=action.workspace_id,
            channel=KEY,
            idempotency_key=idempotency_key,
            method="POST",
            url=common.base_url(account, SANDBOX_VENDOR_URL),
            headers=headers,
            body=body,
        )
        response = transport.send(request)
        answer = common.answer_of(response)
        return {**result, "external_id": str(answer.get("id", "")), "sandbox": response.sandbox}

    def sync_metrics(self, *, workspace_id: int, day: date) -> list[MetricRow]:
        # Print vendors report nothing back per day; pieces sent are in each action's result.
        return []


adapter = register_adapter(DirectMailAdapter())

"""What each channel tells the lint API (``como.compliance.as_sent``): what it adds to a message
before sending it, and its platform's limits on the copy alone.

Registered from :class:`~como.channels.apps.ChannelsConfig`'s ``ready()``. The limits are the
adapters' own (``PlatformLimits.copy_findings``, Twilio's body length), so the lint and the
send agree; the placement and account checks (ad account, ad set, Page, ad group) stay with the
send, where there is a placement.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from como.compliance.as_sent import ChannelLint, LintFields, register_channel_lint
from como.compliance.drafts import Draft
from como.compliance.findings import Finding, Severity

from .ads import linkedin, platform_limits, search, social
from .email import ONE_CLICK, UNSUBSCRIBE_PLACEHOLDER
from .email import render as email_render
from .public import public_url
from .sms.twilio import MAX_BODY

#: ``{{ unsubscribe_url }}`` as a template writes it, spaces or not.
_PLACEHOLDER = re.compile(r"\{\{\s*" + UNSUBSCRIBE_PLACEHOLDER + r"\s*\}\}")
#: Stands for the recipient's signed link (the lint has no recipient to sign one for).
LINT_UNSUBSCRIBE_PATH = "/t/u/lint"
_NO_COPY = ("audience_upload", "catalog_update", "_pause")
SMS_CITATION = "Twilio Messaging API: the body is at most 1,600 characters"


def _lines(value: str | Sequence[str] | None) -> list[str] | None:
    """A list of texts given as a list, or one per line."""
    if value is None:
        return None
    if isinstance(value, str):
        return [line.rstrip("\r") for line in value.split("\n") if line.strip()]
    return list(value)


def _text(fields: LintFields, *names: str) -> str | None:
    for name in names:
        value = fields.get(name)
        if value is not None:
            return value if isinstance(value, str) else "\n".join(value)
    return None


def _present(**values: Any) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


def search_payload(fields: LintFields) -> dict[str, Any]:
    """A responsive search ad's create payload from the lint's fields."""
    return _present(
        headlines=_lines(fields.get("headlines")),
        descriptions=_lines(fields.get("descriptions")),
        final_urls=_lines(fields.get("final_urls", fields.get("final_url"))),
        path1=_text(fields, "path1"),
        path2=_text(fields, "path2"),
    )


def social_payload(fields: LintFields) -> dict[str, Any]:
    """A Meta link ad's create payload from the lint's fields."""
    return _present(
        primary_text=_text(fields, "primary_text", "body"),
        headline=_text(fields, "headline"),
        description=_text(fields, "description"),
        link=_text(fields, "link", "final_url"),
        call_to_action=_text(fields, "call_to_action"),
    )


def linkedin_payload(fields: LintFields) -> dict[str, Any]:
    """A LinkedIn Sponsored Content create payload from the lint's fields."""
    return _present(
        commentary=_text(fields, "commentary", "primary_text", "body"),
        headline=_text(fields, "headline"),
        description=_text(fields, "description"),
        landing_page=_text(fields, "landing_page", "final_url"),
    )


def has_copy(kind: str) -> bool:
    """An ad's creation or update carries copy; an audience upload, a catalog update or a
    pause does not."""
    return not kind.endswith(_NO_COPY)


def _copy_findings(channel: str, payload: dict[str, Any]) -> list[Finding]:
    limits = platform_limits(channel)
    return limits.copy_findings(payload) if limits is not None else []


def search_limits(fields: LintFields, kind: str) -> list[Finding]:
    return _copy_findings(search.KEY, search_payload(fields)) if has_copy(kind) else []


def social_limits(fields: LintFields, kind: str) -> list[Finding]:
    return _copy_findings(social.KEY, social_payload(fields)) if has_copy(kind) else []


def linkedin_limits(fields: LintFields, kind: str) -> list[Finding]:
    return _copy_findings(linkedin.KEY, linkedin_payload(fields)) if has_copy(kind) else []


def sms_limits(fields: LintFields, kind: str) -> list[Finding]:
    body = _text(fields, "body") or ""
    if len(body) <= MAX_BODY:
        return []
    return [
        Finding(
            rule="sms.payload",
            severity=Severity.BLOCK,
            message=f"body: {len(body)} characters; a text can have at most {MAX_BODY}.",
            citation=SMS_CITATION,
            fix="Shorten the text.",
            evidence={"field": "body", "length": len(body)},
        )
    ]


def email_prepare(draft: Draft) -> Draft:
    """The email as the channel sends it: the placeholder filled, the one-click
    List-Unsubscribe headers set and the footer (sender, postal address, unsubscribe link)
    appended, as :func:`~como.channels.email.email_compose` does."""
    unsubscribe = public_url(LINT_UNSUBSCRIBE_PATH)
    fields = dict(draft.fields)
    for name in ("body", "html"):
        if name in fields:
            fields[name] = _PLACEHOLDER.sub(unsubscribe, fields[name])
    fields["body"] = fields.get("body", "") + email_render.text_footer(
        sender_name=draft.sender.name,
        postal_address=draft.sender.postal_address,
        unsubscribe_url=unsubscribe,
    )
    fields["list_unsubscribe"] = f"<{unsubscribe}>"
    fields["list_unsubscribe_post"] = ONE_CLICK
    return replace(draft, fields=fields)


def register() -> None:
    for lint in (
        ChannelLint(search.KEY, limits=search_limits),
        ChannelLint(social.KEY, limits=social_limits),
        ChannelLint(linkedin.KEY, limits=linkedin_limits),
        ChannelLint("sms", limits=sms_limits),
        ChannelLint("email", prepare=email_prepare),
    ):
        register_channel_lint(lint)

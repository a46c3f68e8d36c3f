"""What the rep reads: the handoff email (subject and body are templates), its preview, labels.

The templates are ``agents/handoff/email_subject.txt`` and ``email_body.txt`` (a project may
override them): plain text, rendered with autoescaping off whatever the template says, every
figure formatted here so the text does not depend on the template engine's localisation. The
same subject titles the in-app notification.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.template import Context
from django.template.loader import get_template
from django.urls import reverse

from como.leads.models import Contact
from como.workspaces.users import User

from ..mail import Email, send_email
from ..models import Handoff

SUBJECT_TEMPLATE = "agents/handoff/email_subject.txt"
BODY_TEMPLATE = "agents/handoff/email_body.txt"


def contact_label(contact: Contact) -> str:
    name = f"{contact.first_name} {contact.last_name}".strip()
    if name and contact.email:
        return f"{name} <{contact.email}>"
    return name or contact.email or contact.external_id or f"contact {contact.pk}"


def user_label(user: User) -> str:
    full = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return full or user.get_username()


def handoff_subject(contact: Contact, escalated_from: str = "") -> str:
    """ "New MQL for you: …" (or "Escalated MQL …"), at most 200 characters."""
    context = {"contact": contact_label(contact), "escalated_from": escalated_from}
    return _text(SUBJECT_TEMPLATE, context).rstrip("\n")[:200]


def handoff_email(
    contact: Contact,
    payload: Mapping[str, Any],
    rep: User | None,
    sla_minutes: int,
    link: str,
    key: str,
    escalated_from: str = "",
) -> Email:
    """The email handing ``contact`` to ``rep``: who, why (the score explained), what they did
    lately, and the handoff's page when there is one (``link``)."""
    score = payload.get("score") or {}
    context = {
        "rep": user_label(rep) if rep is not None else "",
        "escalated_from": escalated_from,
        "sla_minutes": str(sla_minutes),
        "contact": contact_label(contact),
        "phone": contact.phone,
        "title": contact.title,
        "account": (contact.account.name or contact.account.domain) if contact.account else "",
        **{name: str(score.get(name)) for name in ("score", "threshold", "fit", "intent")},
        "why": [
            f"{item['rule']} ({item['kind']}): {item['points']:+}"
            for item in score.get("breakdown", [])
        ],
        "activity": [
            f"{item['occurred_at']}  {item['type']}  {_props(item.get('properties') or {})}"
            for item in payload.get("timeline", [])
        ],
        "link": link,
    }
    return Email(
        to=(rep.email if rep is not None else "") or "",
        subject=handoff_subject(contact, escalated_from),
        body=_text(BODY_TEMPLATE, context).rstrip("\n"),
        key=key,
    )


def _text(name: str, context: dict[str, Any]) -> str:
    """A plain-text template rendered: nothing is HTML-escaped, this is not HTML."""
    return get_template(name).template.render(Context(context, autoescape=False))  # type: ignore[attr-defined]


def _props(properties: Mapping[str, Any]) -> str:
    return " ".join(f"{key}={value}" for key, value in list(properties.items())[:4])


def preview(
    contact: Contact, payload: Mapping[str, Any], rep: User | None, sla_minutes: int
) -> str:
    """The first email as the approver sees it in the proposal (no link yet)."""
    email = handoff_email(contact, payload, rep, sla_minutes, link="", key="preview")
    to = email.to or "(no rep)"
    return f"To: {to}\nSubject: {email.subject}\n\n{email.body}"


def handoff_link(handoff: Handoff) -> str:
    path = reverse("admin:agents_handoff_change", args=[handoff.pk])
    return f"{settings.COMO_BASE_URL.rstrip('/')}{path}"


def handoff_email_send(email: Email) -> str:
    """Send a handoff email; returns its Message-ID. TransientError and EmailRejected propagate:
    the caller decides what each means for its step."""
    return send_email(email)

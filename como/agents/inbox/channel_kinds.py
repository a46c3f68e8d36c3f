"""The presenters of the channels' action kinds and of the agents' own (como.agents.subjects).

Channels sit a floor below agents, so they cannot register here; their payloads are read as
each adapter's docstring documents them, and the texts and emails are composed by the adapter's
own ``*_compose``, so the inbox shows byte for byte what the preflight judged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal
from urllib.parse import urlsplit

from como.channels.errors import PayloadInvalid

from ..models import AgentAction
from ..subjects import (
    Creative,
    Presenter,
    Subject,
    SubjectsOf,
    contacts_for,
    ids_of,
    int_of,
    mask_email,
    mask_phone,
    payload_of,
    person_of,
    register_presenter,
)

PLATFORMS = {"paid_social": "Meta", "paid_search": "Google Ads", "linkedin": "LinkedIn"}


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _texts(value: Any) -> list[str]:
    return [v.strip() for v in value if isinstance(v, str)] if isinstance(value, list) else []


# --- people: a text, an email, the MQL handoff -------------------------------------------------


def _people(via: Literal["email", "phone"]) -> SubjectsOf:
    def subjects(actions: Sequence[AgentAction]) -> list[Subject]:
        contacts = contacts_for(actions)
        found: list[Subject] = []
        for action in actions:
            contact = contacts.get(
                (action.workspace_id, int_of(payload_of(action).get("contact_id")) or 0)
            )
            if contact is None:
                found.append(Subject(other="no such contact"))
                continue
            account = contact.account.name if contact.account_id else ""
            found.append(Subject(person=person_of(contact, via=via), account=account))
        return found

    return subjects


# Built once, here: a registry entry registered again must be the very same function.
sms_subjects = _people("phone")
email_subjects = _people("email")


def sms_creatives(action: AgentAction) -> list[Creative]:
    from como.channels.sms import sms_compose

    try:
        composed = sms_compose(action)
    except PayloadInvalid as error:
        return [Creative("sms", "SMS (cannot be composed)", {"to": "", "body": str(error)})]
    return [
        Creative(
            "sms",
            f"SMS to {person_of(composed.contact, via='name')}",
            {"to": mask_phone(composed.to), "body": composed.body},
        )
    ]


def email_creatives(action: AgentAction) -> list[Creative]:
    from como.channels.email import email_compose

    try:
        composed = email_compose(action, str(action.pk))
    except PayloadInvalid as error:
        return [Creative("letter", "Email (cannot be composed)", {"to": "", "body": str(error)})]
    return [
        Creative(
            "email",
            f"Email to {person_of(composed.contact, via='name')}",
            {
                "from": composed.from_email,
                "to": mask_email(composed.to),
                "subject": composed.subject,
                "html": inert_email(composed.html),
            },
        )
    ]


_HREF = re.compile(r"""(\shref\s*=\s*)(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)
_IMG_1PX = re.compile(r"<img\b[^>]*\bwidth=\"1\"[^>]*\bheight=\"1\"[^>]*>", re.IGNORECASE)


def inert_email(html: str) -> str:
    """The email as sent, made harmless to look at: its links go nowhere (a click in the
    preview must not count as the recipient's click, let alone unsubscribe them) and the
    open pixel is left out (looking is not the recipient's open). The page shows it in an
    iframe sandboxed without scripts, forms or navigation of the top window."""
    without_pixel = _IMG_1PX.sub("", html)
    return _HREF.sub(lambda m: f"{m.group(1)}{m.group(2)}#{m.group(2)}", without_pixel)


def letter_creatives(action: AgentAction) -> list[Creative]:
    payload = payload_of(action)
    count = len(ids_of(payload.get("contact_ids")))
    return [
        Creative(
            "letter",
            f"Letter to {count:,} {'person' if count == 1 else 'people'} (template)",
            {"to": "", "body": _text(payload.get("template"))},
        )
    ]


def handoff_subjects(actions: Sequence[AgentAction]) -> list[Subject]:
    subjects = email_subjects(actions)
    return [
        Subject(
            person=subject.person,
            account=subject.account,
            other=f"territory {territory}" if (territory := _territory(action)) else "",
        )
        for action, subject in zip(actions, subjects, strict=True)
    ]


def _territory(action: AgentAction) -> str:
    route = payload_of(action).get("route")
    return _text(route.get("territory")) if isinstance(route, Mapping) else ""


# --- audiences and mailings --------------------------------------------------------------------


def audience_subjects(actions: Sequence[AgentAction]) -> list[Subject]:
    found = []
    for action in actions:
        payload = payload_of(action)
        audience = _text(str(payload.get("audience_id") or ""))
        found.append(
            Subject(
                audience=len(ids_of(payload.get("contact_ids"))),
                other=f"audience {audience}" if audience else "",
            )
        )
    return found


def catalog_subjects(actions: Sequence[AgentAction]) -> list[Subject]:
    found = []
    for action in actions:
        payload = payload_of(action)
        items = payload.get("items")
        count = len(items) if isinstance(items, list) else 0
        found.append(
            Subject(other=f"catalog {payload.get('catalog_id') or '?'}: {count:,} item(s)")
        )
    return found


# --- ads -----------------------------------------------------------------------------------------


def _named(what: str, *keys: str) -> SubjectsOf:
    """Subjects naming the payload's first present key (an ad set, an ad group, an ad)."""

    def subjects(actions: Sequence[AgentAction]) -> list[Subject]:
        found = []
        for action in actions:
            payload = payload_of(action)
            value = next((payload[k] for k in keys if payload.get(k) not in (None, "")), "")
            headline = _text(payload.get("headline")) or next(
                iter(_texts(payload.get("headlines"))), ""
            )
            parts = [f"{what} {value}" if value != "" else ""]
            if headline:
                parts.append(f"“{headline}”")
            found.append(Subject(other=" ".join(p for p in parts if p)))
        return found

    return subjects


social_ad_subjects = _named("ad set", "adset_id")
social_pause_subjects = _named("Meta ad", "ad_id")
search_ad_subjects = _named("ad group", "ad_group")
search_pause_subjects = _named("Google ad", "ad_group_ad", "ad_id")
linkedin_ad_subjects = _named("campaign", "campaign")
linkedin_pause_subjects = _named("LinkedIn creative", "creative")


def social_ad(payload: Mapping[str, Any], *, platform: str = "Meta") -> dict[str, Any]:
    """A Meta (or LinkedIn) ad's mock-up fields from its create payload."""
    return {
        "platform": platform,
        "headline": _text(payload.get("headline")),
        "primary_text": _text(payload.get("primary_text") or payload.get("commentary")),
        "description": _text(payload.get("description")),
        "image_url": _text(payload.get("image_url")),
        "link": _text(payload.get("link") or payload.get("landing_page")),
        "call_to_action": _text(payload.get("call_to_action")).replace("_", " ").title(),
    }


def search_ad(payload: Mapping[str, Any]) -> dict[str, Any]:
    urls = _texts(payload.get("final_urls"))
    return {
        "headlines": _texts(payload.get("headlines")),
        "descriptions": _texts(payload.get("descriptions")),
        "url": urls[0] if urls else "",
        "path": "/".join(
            p for p in (_text(payload.get("path1")), _text(payload.get("path2"))) if p
        ),
    }


def display_url(url: str) -> str:
    """How an ad shows its link: the host, without the scheme."""
    return urlsplit(url).netloc or url


def social_creatives(action: AgentAction) -> list[Creative]:
    return [Creative("ad", "Meta ad", social_ad(payload_of(action)))]


def linkedin_creatives(action: AgentAction) -> list[Creative]:
    return [Creative("ad", "LinkedIn ad", social_ad(payload_of(action), platform="LinkedIn"))]


def search_creatives(action: AgentAction) -> list[Creative]:
    return [Creative("search_ad", "Google responsive search ad", search_ad(payload_of(action)))]


# --- the agents' own kinds ---------------------------------------------------------------------


def webhook_subjects(actions: Sequence[AgentAction]) -> list[Subject]:
    return [
        Subject(other=f"POST to {urlsplit(_text(payload_of(a).get('url'))).netloc or '?'}")
        for a in actions
    ]


def refit_subjects(actions: Sequence[AgentAction]) -> list[Subject]:
    found = []
    for action in actions:
        based_on = payload_of(action).get("based_on_version")
        found.append(
            Subject(
                other="a new scoring-model version"
                + (f" after version {based_on}" if based_on not in (None, "") else "")
            )
        )
    return found


def register() -> None:
    from como.channels import ads, direct_mail, email, sms

    from ..handoff.agent import KIND as HANDOFF
    from ..refit import KIND as REFIT

    register_presenter(sms.KIND, Presenter(sms_subjects, sms_creatives))
    register_presenter(email.KIND, Presenter(email_subjects, email_creatives))
    register_presenter(direct_mail.adapter.SEND, Presenter(audience_subjects, letter_creatives))
    register_presenter(ads.social.CREATE, Presenter(social_ad_subjects, social_creatives))
    register_presenter(ads.social.PAUSE, Presenter(social_pause_subjects))
    register_presenter(ads.social.AUDIENCE, Presenter(audience_subjects))
    register_presenter(ads.social.AUDIENCE_REMOVE, Presenter(audience_subjects))
    register_presenter(ads.social.CATALOG, Presenter(catalog_subjects))
    register_presenter(ads.search.CREATE, Presenter(search_ad_subjects, search_creatives))
    register_presenter(ads.search.PAUSE, Presenter(search_pause_subjects))
    register_presenter(ads.linkedin.CREATE, Presenter(linkedin_ad_subjects, linkedin_creatives))
    register_presenter(ads.linkedin.PAUSE, Presenter(linkedin_pause_subjects))
    register_presenter(HANDOFF, Presenter(handoff_subjects))
    register_presenter("webhook", Presenter(webhook_subjects))
    register_presenter(REFIT, Presenter(refit_subjects))

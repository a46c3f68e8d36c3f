"""Tracked requests from email recipients, mounted at ``/t/``: the open pixel, click redirects
and the unsubscribe link (with RFC 8058 one-click).

Each URL carries a signed token (:mod:`como.channels.email.tracking`) naming the workspace,
the message's idempotency key, the contact and the campaign. Opens and clicks become events
through :func:`como.ingest.services.events_ingest`, so they are stored and scored like any
other behaviour (the verticals' ``email_opened`` and ``email_clicked`` types; both default
scoring models count ``email_clicked``). That is why these views live in ingest, the top floor.

What counts, and why:

- **open** (``GET /t/o/<token>.gif``): the first open of a message sets ``opened_at`` and is
  one ``email_opened`` event (id ``email:<key>:opened``). Later fetches of the pixel are mail
  clients re-rendering or proxies prefetching, not renewed interest. The pixel is always
  answered, even for a bad token (which records nothing), so a broken link never shows as a
  broken image.
- **click** (``GET /t/c/<token>``): a 302 to the signed target; the first click of a message
  sets ``clicked_at``; each distinct link clicked is one ``email_clicked`` event (id
  ``email:<key>:click:<hash of the url>``): a second click on the same link is a double-click
  or a scanner, another link is more interest. A tampered token is a 404, never a redirect.
- **unsubscribe** (``GET /t/u/<token>``): a confirmation page; ``POST`` revokes email consent
  and suppresses the address at once (source ``one_click`` for the RFC 8058 body
  ``List-Unsubscribe=One-Click``, ``unsubscribe_link`` for the page's button). CSRF-exempt:
  one-click POSTs come from mail providers. A repeat changes nothing more.
- **GPC**: any tracked request with ``Sec-GPC: 1`` opts the contact out of ad audiences
  (:func:`como.consent.services.gpc_opt_out`, idempotent).

A contact erased (or a message gone) meanwhile: nothing is recorded, the pixel is still served,
a click still goes where it was signed to go, the unsubscribe page is a 404.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from typing import Any

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, re_path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from como.channels.email import Purpose, TokenInvalid, Tracked, token_read
from como.channels.models import Message
from como.channels.services import message_stamp
from como.consent.models import SuppressionReason
from como.consent.selectors import contact_consent_now, contact_suppressed_channels
from como.consent.services import consent_revoke, gpc_opt_out, request_has_gpc
from como.leads.models import Contact

from .services import events_ingest

CHANNEL = "email"
SOURCE = "email"
ONE_CLICK_FIELD, ONE_CLICK_VALUE = "List-Unsubscribe", "One-Click"
#: A transparent 1x1 GIF (43 bytes).
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
_URL_PROPERTY_MAX = 2_000


class _Caller:
    """Who made a tracked request, for the consent ledger."""

    def __init__(self, request: HttpRequest) -> None:
        self.ip: str | None = request.META.get("REMOTE_ADDR") or None
        self.user_agent: str = request.headers.get("User-Agent", "")
        self.gpc = request_has_gpc(request.headers)


def _message(tracked: Tracked) -> Message | None:
    """The message the token names, if it and its contact still exist."""
    return (
        Message.objects.filter(
            workspace_id=tracked.workspace_id,
            channel=CHANNEL,
            idempotency_key=tracked.key,
            contact_id=tracked.contact_id,
        )
        .select_related("contact", "workspace")
        .first()
    )


def _event_id(key: str, suffix: str) -> str:
    base = f"email:{key}"
    if len(base) > 80:  # event ids hold 128 characters; idempotency keys up to 200
        base = "email:" + hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"{base}:{suffix}"


def _ingest(message: Message, *, type: str, event_id: str, at: datetime, **extra: Any) -> None:
    contact = message.contact
    if contact is None:
        return
    ref = {"email": contact.email} if contact.email else {"external_id": contact.external_id}
    if not any(ref.values()):
        return  # nobody to attach it to without creating someone
    properties: dict[str, Any] = {"message": message.idempotency_key, **extra}
    if message.campaign_id is not None:
        properties["campaign_id"] = message.campaign_id
    events_ingest(
        workspace=message.workspace,
        events=[
            {
                "id": event_id,
                "type": type,
                "occurred_at": at.isoformat(),
                "contact": ref,
                "properties": properties,
            }
        ],
        source=SOURCE,
        received_at=at,
    )


def message_reported(message: Message, event_type: str, at: datetime) -> None:
    """A provider's report on a message as the contact's event (a hard bounce scores)."""
    _ingest(
        message, type=event_type, event_id=_event_id(message.idempotency_key, event_type), at=at
    )


def _honour_gpc(contact: Contact | None, caller: _Caller, at: datetime) -> None:
    if caller.gpc and contact is not None:
        gpc_opt_out(contact=contact, ip=caller.ip, user_agent=caller.user_agent, at=at)


# --- what each tracked request does ------------------------------------------------------------


def tracked_open(tracked: Tracked, *, caller: _Caller, at: datetime) -> bool:
    """Record an open; True when it was the message's first (and became an event)."""
    message = _message(tracked)
    if message is None:
        return False
    # One transaction: were the event lost after opened_at is set, no later fetch of the pixel
    # would be "first" again and the open would never become an event.
    with transaction.atomic():
        first = message_stamp(message=message, stamp="opened_at", at=at)
        if first:
            _ingest(message, type="email_opened", event_id=_event_id(tracked.key, "opened"), at=at)
    _honour_gpc(message.contact, caller, at)
    return first


def tracked_click(tracked: Tracked, *, caller: _Caller, at: datetime) -> None:
    message = _message(tracked)
    if message is None:
        return
    url_hash = hashlib.sha256(tracked.url.encode()).hexdigest()[:16]
    # Together or not at all, like the open: the message's click and its event.
    with transaction.atomic():
        message_stamp(message=message, stamp="clicked_at", at=at)
        _ingest(
            message,
            type="email_clicked",
            event_id=_event_id(tracked.key, f"click:{url_hash}"),
            at=at,
            url=tracked.url[:_URL_PROPERTY_MAX],
        )
    _honour_gpc(message.contact, caller, at)


def _contact(tracked: Tracked, *, lock: bool = False) -> Contact | None:
    """The token's contact with its workspace (the page names the sender); ``lock`` takes the
    contact's row lock, inside the caller's transaction."""
    contacts = Contact.objects.filter(
        workspace_id=tracked.workspace_id, pk=tracked.contact_id
    ).select_related("workspace")
    if lock:
        contacts = contacts.select_for_update(of=("self",))
    return contacts.first()


@transaction.atomic
def tracked_unsubscribe(
    tracked: Tracked, *, one_click: bool, caller: _Caller, at: datetime
) -> Contact | None:
    """Revoke the contact's email consent and suppress the address, at once. The contact, or
    None when it is gone; a repeat (already revoked and suppressed) appends nothing."""
    # Locked, so two concurrent POSTs (a provider's one-click and the person's click) append
    # one revocation, not two.
    contact = _contact(tracked, lock=True)
    if contact is None:
        return None
    consent = contact_consent_now(contact=contact, at=at)[CHANNEL]
    already = consent.revoked and CHANNEL in contact_suppressed_channels(contact=contact)
    if not already:
        consent_revoke(
            contact=contact,
            channel=CHANNEL,
            source="one_click" if one_click else "unsubscribe_link",
            reason=SuppressionReason.UNSUBSCRIBED,
            ip=caller.ip,
            user_agent=caller.user_agent,
            at=at,
        )
    Message.objects.filter(
        workspace_id=tracked.workspace_id,
        channel=CHANNEL,
        idempotency_key=tracked.key,
        contact_id=contact.pk,
        unsubscribed_at__isnull=True,
    ).update(unsubscribed_at=at)
    _honour_gpc(contact, caller, at)
    return contact


# --- views -------------------------------------------------------------------------------------


def _pixel() -> HttpResponse:
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store, max-age=0"
    return response


@require_GET
def open_pixel(request: HttpRequest, token: str) -> HttpResponse:
    try:
        tracked = token_read(Purpose.OPEN, token)
    except TokenInvalid:
        return _pixel()
    tracked_open(tracked, caller=_Caller(request), at=timezone.now())
    return _pixel()


@require_GET
def click(request: HttpRequest, token: str) -> HttpResponse:
    try:
        tracked = token_read(Purpose.CLICK, token)
    except TokenInvalid:
        raise Http404("Unknown link.") from None
    tracked_click(tracked, caller=_Caller(request), at=timezone.now())
    response = HttpResponseRedirect(tracked.url)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        tracked = token_read(Purpose.UNSUBSCRIBE, token)
    except TokenInvalid:
        raise Http404("Unknown link.") from None
    if request.method == "GET":
        contact = _contact(tracked)
        if contact is not None:
            _honour_gpc(contact, _Caller(request), timezone.now())
    else:
        one_click = request.POST.get(ONE_CLICK_FIELD) == ONE_CLICK_VALUE
        contact = tracked_unsubscribe(
            tracked, one_click=one_click, caller=_Caller(request), at=timezone.now()
        )
        if contact is not None and one_click:
            return HttpResponse("Unsubscribed.\n", content_type="text/plain; charset=utf-8")
    if contact is None:
        raise Http404("Unknown link.")
    context = {
        "sender": contact.workspace.name,
        "email": contact.email,
        "done": request.method == "POST",
    }
    response = render(request, "ingest/unsubscribe.html", context)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


_TOKEN = r"(?P<token>[A-Za-z0-9_\-.:]+)"  # noqa: S105 (a URL pattern)

urlpatterns = [
    re_path(rf"^o/{_TOKEN}\.gif$", open_pixel, name="tracking-open"),
    path("c/<str:token>", click, name="tracking-click"),
    path("u/<str:token>", unsubscribe, name="tracking-unsubscribe"),
]

"""Twilio's webhooks for a workspace's SMS account: inbound texts and delivery statuses.

``POST /hooks/sms/<account id>/inbound`` and ``…/status``. Each request must carry a valid
``X-Twilio-Signature`` (:mod:`.signature`) made with the account's auth
token; anything else is refused with 403 before a byte of it is acted on. Twilio's signature
has no timestamp, so "stale" cannot be told from the request: a replayed request is recognised by
its ``MessageSid`` instead and answered 200 with no second effect.

The answer is an empty TwiML ``<Response/>``: replies are sent through the Twilio-shaped send
(:func:`~.twilio.sms_deliver`), where they are logged and counted, not
through TwiML, which Twilio would send without a trace on our side.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    JsonResponse,
)
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from como import jsonsafe

from ..account_secrets import webhook_secret
from ..models import ChannelAccount
from .inbound import sms_inbound_receive, sms_status_receive
from .signature import twilio_signature_valid
from .twilio import CHANNEL, public_url

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Twilio-Signature"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def _verified_account(request: HttpRequest, account_id: int) -> ChannelAccount | None:
    """The account the request is signed for, or None (unknown account, no token, bad
    signature: one answer for all, so the endpoint tells a prober nothing)."""
    account = (
        ChannelAccount.objects.select_related("workspace")
        .filter(pk=account_id, channel=CHANNEL)
        .first()
    )
    if account is None:
        return None
    token = webhook_secret(account, logger)
    if token is None:
        return None
    if request.content_type != "application/x-www-form-urlencoded":
        return None  # Twilio's messaging webhooks are form posts; the signature covers those
    # Twilio signs the URL it was configured with: ours as the public knows it, or, when no
    # proxy sits in between, the URL the request arrived at.
    urls = {public_url(request.get_full_path()), request.build_absolute_uri()}
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not twilio_signature_valid(
        auth_token=token, urls=sorted(urls), params=dict(request.POST.lists()), signature=signature
    ):
        return None
    return account


def _twiml() -> HttpResponse:
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


def _receive(request: HttpRequest, account_id: int, receive: Callable[..., object]) -> HttpResponse:
    """Verify, screen and hand a delivery to ``receive``: 403 for a bad signature, 400 with
    the fields at fault for what the log cannot hold, TwiML's empty answer otherwise."""
    account = _verified_account(request, account_id)
    if account is None:
        return HttpResponseForbidden("invalid signature")
    params = request.POST.dict()
    if found := jsonsafe.problems(params):
        return JsonResponse(found, status=400)
    try:
        receive(account=account, params=params)
    except ValidationError as error:
        return JsonResponse(error.message_dict, status=400)
    except ValueError as error:
        return HttpResponseBadRequest(str(error))
    return _twiml()


@csrf_exempt
@require_POST
def inbound(request: HttpRequest, account_id: int) -> HttpResponse:
    return _receive(request, account_id, sms_inbound_receive)


@csrf_exempt
@require_POST
def status(request: HttpRequest, account_id: int) -> HttpResponse:
    return _receive(request, account_id, sms_status_receive)


urlpatterns = [
    path("<int:account_id>/inbound", inbound, name="channels-sms-inbound"),
    path("<int:account_id>/status", status, name="channels-sms-status"),
]

"""The signed webhook a provider pushes intent signals to:
``POST /api/v1/intent/webhooks/<id>/deliveries``, body ``{"signals": [...]}`` as the API's
(an item may leave ``provider`` out: it is the webhook's).

Signed in the Standard Webhooks scheme with como's one implementation
(:mod:`como.channels.signatures`: ``webhook-id``, ``webhook-timestamp`` within 5 minutes either
way, ``webhook-signature`` entries ``v1,<base64 HMAC-SHA256 of id.timestamp.body>``, any one
matching), under the webhook's secret or, during a rotation, its previous one. Secrets are
checked when saved (:meth:`~.models.IntentWebhook.clean`) and again here: a webhook without a
usable one refuses every delivery with 403 and logs which.

Applied once: the delivery's ``webhook-id`` is recorded as a
:class:`~como.channels.models.WebhookReceipt` (``intent:<webhook>:<webhook-id>``) in the
transaction that stores its signals, so a replay inside the tolerance (or the provider's retry)
answers ``{"status": "duplicate"}`` and changes nothing; outside it the timestamp refuses it. The
signals are idempotent by key besides. Receipts older than a day are purged on beat (a replay
that old fails the timestamp check first).
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from como import jsonsafe
from como.channels.models import WebhookReceipt
from como.channels.services import webhook_receipt_claim
from como.channels.signatures import (
    SecretUnusable,
    SignatureInvalid,
    standard_secret_validate,
    standard_verify,
)
from como.workspaces.api_base import WorkspaceScopedViewSet
from como.workspaces.column_limits import column_max_length
from como.workspaces.openapi import DETAIL

from .api import BATCH_RESPONSES, batch_answer, batch_items
from .models import IntentWebhook, SignalSource
from .serializers import BATCH_DOC
from .services import intent_signals_record

logger = logging.getLogger(__name__)

RECEIPT_SOURCE = "intent"
#: The receipt's key is ``<webhook id>:<webhook-id>``; an id that would not fit is refused.
MAX_WEBHOOK_ID = column_max_length(WebhookReceipt, "delivery_id") - 21


def _refuse(message: str, status: int) -> Response:
    return Response({"detail": message}, status=status)


def verified_id(hook: IntentWebhook, headers: Any, body: bytes) -> str:
    """The delivery's ``webhook-id`` when a secret of ``hook`` signed it; SignatureInvalid
    (its status: 400 malformed, 401 not authentic) or SecretUnusable otherwise."""
    secrets = hook.secrets()
    for secret in secrets:
        standard_secret_validate(secret)
    for number, secret in enumerate(secrets, start=1):
        try:
            return standard_verify(secret, headers=headers, body=body)
        except SignatureInvalid as error:
            # Only "no signature matches" depends on the key; anything else is the request's.
            if error.status != 401 or number == len(secrets) or "matches" not in str(error):
                raise
    raise SignatureInvalid("no webhook-signature matches")


class IntentWebhookViewSet(WorkspaceScopedViewSet):
    """Public by design: the signature is the authentication, and it names one workspace's
    webhook, so nothing is read through a caller's workspaces."""

    queryset = IntentWebhook.objects.all()
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    metadata_class = None  # no OPTIONS description: a delivery has no serializer to describe

    @extend_schema(
        summary="A provider's signed delivery of intent signals (Standard Webhooks)",
        description="Headers webhook-id, webhook-timestamp (Unix seconds, within 5 minutes) "
        "and webhook-signature (v1,<base64 HMAC-SHA256 of id.timestamp.body>). Answered as "
        'POST /intent/signals is, or {"status": "duplicate"} for a delivery applied before.',
        request={"application/json": BATCH_DOC},
        responses={
            **BATCH_RESPONSES,
            200: OpenApiResponse(
                {
                    "oneOf": [
                        {"$ref": "#/components/schemas/IntentSignalBatchResponse"},
                        {"type": "object", "properties": {"status": {"type": "string"}}},
                    ]
                },
                description="Nothing rejected, or a delivery applied before (duplicate).",
            ),
            401: OpenApiResponse(DETAIL.response, description="Not signed by this webhook."),
            403: OpenApiResponse(DETAIL.response, description="The webhook has no usable secret."),
            404: OpenApiResponse(DETAIL.response, description="No such webhook, or disabled."),
        },
    )
    def create(self, request: Request, pk: str) -> Response:
        hook = (
            IntentWebhook.objects.select_related("workspace")
            .filter(pk=int(pk), enabled=True)
            .first()
        )
        if hook is None:
            return _refuse("Not found.", 404)
        body = request.body
        try:
            webhook_id = verified_id(hook, request.headers, body)
        except SecretUnusable as error:
            logger.warning(
                "intent webhook %s (workspace %s) refused a delivery: %s",
                hook.pk,
                hook.workspace_id,
                error,
            )
            return _refuse("This webhook accepts no deliveries until its secret is set.", 403)
        except SignatureInvalid as error:
            return _refuse(str(error), error.status)
        if len(webhook_id) > MAX_WEBHOOK_ID:
            return _refuse(f"webhook-id is longer than {MAX_WEBHOOK_ID} characters.", 400)
        try:
            payload = jsonsafe.loads(body)
        except jsonsafe.JSONSyntaxError as error:
            return _refuse(f"The body is not JSON: {jsonsafe.printable(str(error))}", 400)
        try:
            items = batch_items(payload)
        except exceptions.ValidationError as error:
            return Response(error.detail, status=400)
        with transaction.atomic():
            if not webhook_receipt_claim(
                source=RECEIPT_SOURCE,
                delivery_id=f"{hook.pk}:{webhook_id}",
                workspace_id=hook.workspace_id,
            ):
                return Response({"status": "duplicate"})
            results = intent_signals_record(
                workspace=hook.workspace,
                items=items,
                source=SignalSource.WEBHOOK,
                provider=hook.provider,
            )
        return batch_answer(results)

"""The signed intent webhook: Standard Webhooks signatures, the 5-minute tolerance both ways,
replays applied once, rotation, and secrets refused when unusable. Deliveries are signed here
by hand (hmac over ``id.timestamp.body``), not by como's signer, so a fault in the scheme's
implementation cannot sign and verify its own mistake."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from como.channels.models import WebhookReceipt
from como.leads.services import account_create
from como.workspaces.models import Workspace
from verticals.b2b.intent.models import IntentSignal, IntentWebhook
from verticals.b2b.intent.tasks import intent_purge_receipts


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def sign(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{webhook_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


BODY = json.dumps(
    {
        "signals": [
            {"domain": "northwind.example", "topic": "ETL", "score": 74, "week": "2026-11-23"},
            {"domain": "northwind.example", "topic": "BI", "score": 40, "week": "2026-11-23"},
        ]
    }
).encode()


@pytest.fixture
def hook(workspace: Workspace) -> IntentWebhook:
    account_create(workspace=workspace, domain="northwind.example", name="Northwind")
    return IntentWebhook.objects.create(
        workspace=workspace, provider="bombora", secret=new_secret()
    )


def deliver(
    hook: IntentWebhook,
    body: bytes = BODY,
    *,
    webhook_id: str = "msg_1",
    timestamp: int | None = None,
    signature: str | None = None,
    signed_body: bytes | None = None,
    secret: str | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    stamp = int(time.time()) if timestamp is None else timestamp
    signature = signature or sign(
        secret or hook.secret, webhook_id, stamp, body if signed_body is None else signed_body
    )
    sent = {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": signature,
    }
    return Client().post(
        f"/api/v1/intent/webhooks/{hook.pk}/deliveries",
        data=body,
        content_type="application/json",
        headers=sent if headers is None else headers,
    )


def test_a_signed_delivery_is_applied(hook: IntentWebhook) -> None:
    response = deliver(hook)
    assert response.status_code == 200, response.content
    assert [r["status"] for r in response.json()["results"]] == ["created", "created"]
    rows = IntentSignal.objects.order_by("topic")
    assert [(r.provider, r.topic, r.score, r.source) for r in rows] == [
        ("bombora", "BI", 40, "webhook"),
        ("bombora", "ETL", 74, "webhook"),
    ]
    assert all(r.account is not None for r in rows)


def test_a_replay_is_applied_once(hook: IntentWebhook) -> None:
    assert deliver(hook).status_code == 200
    stamp = int(time.time())
    # The same delivery again (a captured request, or the provider's retry) changes nothing.
    IntentSignal.objects.update(score=1)
    replay = deliver(hook, timestamp=stamp)
    assert replay.status_code == 200
    assert replay.json() == {"status": "duplicate"}
    assert set(IntentSignal.objects.values_list("score", flat=True)) == {1}
    assert WebhookReceipt.objects.filter(source="intent").count() == 1


# A minute past the 5-minute tolerance either way: 301 s raced the clock on a loaded box
# (the stamp is whole seconds, the server's clock moved on while the request was built).
@pytest.mark.parametrize("skew", [-360, 360])
def test_a_stale_or_future_timestamp_is_refused(hook: IntentWebhook, skew: int) -> None:
    response = deliver(hook, timestamp=int(time.time()) + skew)
    assert response.status_code == 401
    assert "tolerance" in response.json()["detail"]
    assert not IntentSignal.objects.exists()


def test_a_bad_signature_or_a_mutated_body_is_refused(hook: IntentWebhook) -> None:
    assert deliver(hook, secret=new_secret()).status_code == 401
    mutated = BODY.replace(b"74", b"99")
    assert deliver(hook, mutated, signed_body=BODY).status_code == 401
    assert deliver(hook, webhook_id="msg_2", signature="v1,AAAA").status_code == 401
    assert not IntentSignal.objects.exists()
    assert not WebhookReceipt.objects.exists()


def test_missing_or_malformed_headers_are_a_400(hook: IntentWebhook) -> None:
    assert deliver(hook, headers={}).status_code == 400
    stamp_words = {"webhook-id": "m", "webhook-timestamp": "yesterday", "webhook-signature": "v1,x"}
    assert deliver(hook, headers=stamp_words).status_code == 400


def test_several_signatures_and_a_rotation_are_accepted(hook: IntentWebhook) -> None:
    stamp = int(time.time())
    both = f"v1,bm90IHRoaXM= {sign(hook.secret, 'msg_r', stamp, BODY)}"
    assert deliver(hook, webhook_id="msg_r", timestamp=stamp, signature=both).status_code == 200
    old = hook.secret
    hook.previous_secret, hook.secret = old, new_secret()
    hook.save()
    assert deliver(hook, webhook_id="msg_old", secret=old).status_code == 200
    assert deliver(hook, webhook_id="msg_new").status_code == 200
    hook.previous_secret = ""
    hook.save()
    assert deliver(hook, webhook_id="msg_old2", secret=old).status_code == 401


def test_items_answer_one_by_one_and_name_the_webhooks_provider(hook: IntentWebhook) -> None:
    body = json.dumps(
        {
            "signals": [
                {
                    "provider": "6sense",
                    "domain": "northwind.example",
                    "score": 80,
                    "week": "2026-11-23",
                },
                {"domain": "northwind.example", "score": 80, "week": "2026-11-23"},
            ]
        }
    ).encode()
    response = deliver(hook, body)
    assert response.status_code == 207
    first = response.json()["results"][0]
    assert first["errors"] == {"provider": ["This webhook takes bombora's signals only."]}


@pytest.mark.parametrize(
    "body", [b"not json", b'{"signals": "x"}', b"[]", b'{"signals": [{"score": NaN}]}']
)
def test_a_signed_body_that_is_no_batch_is_a_400(hook: IntentWebhook, body: bytes) -> None:
    response = deliver(hook, body)
    assert response.status_code == 400
    assert not IntentSignal.objects.exists()


def test_an_unusable_secret_refuses_every_delivery(hook: IntentWebhook) -> None:
    IntentWebhook.objects.filter(pk=hook.pk).update(secret="whsec_c2hvcnQ=")  # 5 bytes
    hook.refresh_from_db()
    response = deliver(hook, signature="v1,whatever")
    assert response.status_code == 403
    assert not IntentSignal.objects.exists()


def test_an_unknown_or_disabled_webhook_is_a_404(hook: IntentWebhook) -> None:
    hook.enabled = False
    hook.save()
    assert deliver(hook).status_code == 404


def test_secrets_are_validated_when_configured(workspace: Workspace) -> None:
    hook = IntentWebhook(workspace=workspace, provider="bombora", secret="hunter2")
    with pytest.raises(ValidationError) as refused:
        hook.full_clean()
    assert "whsec_" in str(refused.value.message_dict["secret"])
    hook.secret, hook.previous_secret = new_secret(), "whsec_c2hvcnQ="
    with pytest.raises(ValidationError) as refused:
        hook.full_clean()
    assert set(refused.value.message_dict) == {"previous_secret"}


def test_old_receipts_are_purged(hook: IntentWebhook) -> None:
    deliver(hook)
    assert intent_purge_receipts() == 0
    WebhookReceipt.objects.update(received_at="2020-01-01T00:00:00Z")
    assert intent_purge_receipts() == 1

"""Issue 10, defect 7: webhook secrets that anyone could sign with, or nobody could verify with,
are refused where they are typed, and a delivery to an account holding one is refused (403,
logged), never applied and never a 500."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client
from django.urls import reverse

from como.channels.models import ChannelAccount, WebhookReceipt
from como.channels.signatures import MIN_KEY_BYTES
from como.consent.models import Suppression
from como.workspaces.models import Workspace
from tests.como.channels.email_support import SECRET
from tests.como.channels.sms_support import PUBLIC, inbound_params, sms_account, twilio_post
from tests.factories import channel_account_form, member_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

UNUSABLE = {
    "empty key": "whsec_",
    "not base64": "not base64 !!",
    "prefixed, not base64": "whsec_not base64 !!",
    "no scheme": SECRET.removeprefix("whsec_"),
    "short key": "whsec_" + base64.b64encode(b"k" * (MIN_KEY_BYTES - 1)).decode(),
}


def _form(workspace: Workspace, channel: str = "email", **fields: Any) -> dict[str, Any]:
    # An email account by default, with no account id and no sender unless given.
    return channel_account_form(
        workspace, **{"channel": channel, "account_id": "", "sender": "", **fields}
    )


def _field_errors(response: Any) -> dict[str, list[str]]:
    form = response.context["adminform"].form
    return {name: list(errors) for name, errors in form.errors.items()}


@pytest.mark.parametrize("secret", UNUSABLE.values(), ids=UNUSABLE.keys())
def test_the_admin_refuses_an_unusable_email_secret_on_its_field(
    workspace: Workspace, secret: str
) -> None:
    client = member_client(workspace, "owner")
    response = client.post(
        reverse("admin:channels_channelaccount_add"), _form(workspace, new_webhook_secret=secret)
    )
    assert response.status_code == 200
    assert list(_field_errors(response)) == ["new_webhook_secret"]
    assert not ChannelAccount.objects.exists()


def test_the_admin_stores_a_usable_secret(workspace: Workspace) -> None:
    client = member_client(workspace, "owner")
    response = client.post(
        reverse("admin:channels_channelaccount_add"), _form(workspace, new_webhook_secret=SECRET)
    )
    assert response.status_code == 302, response.content.decode()
    assert ChannelAccount.objects.get().webhook_secret == SECRET


def test_the_admin_refuses_a_short_twilio_token(workspace: Workspace) -> None:
    client = member_client(workspace, "owner")
    response = client.post(
        reverse("admin:channels_channelaccount_add"),
        _form(workspace, "sms", new_credentials='{"auth_token": "12345"}'),
    )
    assert response.status_code == 200
    assert list(_field_errors(response)) == ["new_credentials"]
    assert not ChannelAccount.objects.exists()


def test_a_stored_unusable_secret_must_be_replaced_before_anything_else_is_saved(
    workspace: Workspace,
) -> None:
    account = ChannelAccount.objects.create(
        workspace=workspace, channel="email", webhook_secret="whsec_"
    )
    client = member_client(workspace, "owner")
    url = reverse("admin:channels_channelaccount_change", args=[account.pk])

    refused = client.post(url, _form(workspace, sender="news@acme.example"))
    assert refused.status_code == 200
    [message] = _field_errors(refused)["new_webhook_secret"]
    assert message.startswith("The stored value is unusable; type a new one.")

    fixed = client.post(
        url, _form(workspace, sender="news@acme.example", new_webhook_secret=SECRET)
    )
    assert fixed.status_code == 302
    account.refresh_from_db()
    assert (account.sender, account.webhook_secret) == ("news@acme.example", SECRET)


def test_the_model_validates_its_secrets(workspace: Workspace) -> None:
    account = ChannelAccount(
        workspace=workspace, channel="sms", webhook_secret="short", credentials={"auth_token": 7}
    )
    with pytest.raises(ValidationError) as refused:
        account.full_clean()
    assert set(refused.value.message_dict) == {"webhook_secret", "credentials"}


def _forged_post(client: Client, secret_key: bytes, event: dict[str, Any]) -> Any:
    """Signed as Standard Webhooks prescribes, with whatever key the forger guesses."""
    body = json.dumps(event).encode()
    stamp = int(time.time())
    digest = hmac.new(secret_key, f"msg_forged.{stamp}.".encode() + body, hashlib.sha256)
    return client.post(
        "/hooks/email/acme/events",
        data=body,
        content_type="application/json",
        headers={
            "webhook-id": "msg_forged",
            "webhook-timestamp": str(stamp),
            "webhook-signature": "v1," + base64.b64encode(digest.digest()).decode(),
        },
    )


@pytest.mark.parametrize("secret", UNUSABLE.values(), ids=UNUSABLE.keys())
def test_a_delivery_to_an_account_with_an_unusable_secret_is_refused_and_logged(
    client: Client, workspace: Workspace, secret: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Stored before validation existed (or written around it).
    account = ChannelAccount.objects.create(
        workspace=workspace, channel="email", webhook_secret=secret
    )
    event = {"type": "email.bounced", "data": {"email": "ana@acme.example"}}

    with caplog.at_level(logging.WARNING, logger="como.channels.email.webhook"):
        response = _forged_post(client, b"", event)  # the empty key anyone can use

    assert response.status_code == 403
    assert not Suppression.objects.exists()
    assert not WebhookReceipt.objects.exists()
    assert f"channel account {account.pk}" in caplog.text


def test_an_sms_delivery_signed_with_a_guessable_token_is_refused_and_logged(
    client: Client, workspace: Workspace, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.COMO_PUBLIC_URL = PUBLIC
    account = sms_account(workspace, credentials={"auth_token": "12345"})

    with caplog.at_level(logging.WARNING, logger="como.channels.sms.webhook"):
        response = twilio_post(
            client, account, "inbound", inbound_params("STOP", "SM1"), token="12345"
        )

    assert response.status_code == 403
    assert not WebhookReceipt.objects.exists()
    assert f"channel account {account.pk}" in caplog.text


def test_the_system_check_names_accounts_with_unusable_secrets(workspace: Workspace) -> None:
    good = ChannelAccount.objects.create(
        workspace=workspace, channel="email", webhook_secret=SECRET
    )
    bad = sms_account(workspace, credentials={"auth_token": "12345"})

    with pytest.raises(SystemCheckError) as flagged:
        call_command("check", "--fail-level", "WARNING")

    assert f"channels.ChannelAccount:{bad.pk}" in str(flagged.value)
    assert f"channels.ChannelAccount:{good.pk}" not in str(flagged.value)

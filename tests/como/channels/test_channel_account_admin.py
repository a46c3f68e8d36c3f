"""Channel accounts in the admin: secrets are written, never shown back."""

from __future__ import annotations

import pytest
from django.urls import reverse

from como.channels.models import ChannelAccount
from como.workspaces.models import Workspace
from tests.factories import channel_account_form, member_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

TOKEN = "7f3a9c1e5b" * 4
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
NEW_SECRET = "whsec_" + "bmV3" * 8


def test_secrets_are_stored_but_never_shown_and_kept_when_left_empty(
    workspace: Workspace,
) -> None:
    client = member_client(workspace, "owner")

    added = client.post(
        reverse("admin:channels_channelaccount_add"),
        channel_account_form(
            workspace, new_credentials=f'{{"auth_token": "{TOKEN}"}}', new_webhook_secret=SECRET
        ),
    )
    assert added.status_code == 302, added.content.decode()
    account = ChannelAccount.objects.get(workspace=workspace, channel="sms")
    assert (account.credentials, account.webhook_secret) == ({"auth_token": TOKEN}, SECRET)

    page = client.get(reverse("admin:channels_channelaccount_change", args=[account.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert TOKEN not in html
    assert SECRET not in html
    assert "auth_token" in html  # which credentials are set, not their values

    # Saving with the secret fields empty changes the rest and keeps the secrets.
    kept = client.post(
        reverse("admin:channels_channelaccount_change", args=[account.pk]),
        channel_account_form(workspace, sender="+13125550111"),
    )
    assert kept.status_code == 302, kept.content.decode()
    account.refresh_from_db()
    assert (account.sender, account.credentials, account.webhook_secret) == (
        "+13125550111",
        {"auth_token": TOKEN},
        SECRET,
    )

    # {} removes the credentials; a new secret replaces the old one.
    client.post(
        reverse("admin:channels_channelaccount_change", args=[account.pk]),
        channel_account_form(workspace, new_credentials="{}", new_webhook_secret=NEW_SECRET),
    )
    account.refresh_from_db()
    assert (account.credentials, account.webhook_secret) == ({}, NEW_SECRET)


def test_credentials_must_be_names_to_text(workspace: Workspace) -> None:
    client = member_client(workspace, "owner")

    response = client.post(
        reverse("admin:channels_channelaccount_add"),
        channel_account_form(workspace, new_credentials='["not", "an", "object"]'),
    )

    assert response.status_code == 200
    assert "Give an object of names to text values." in response.content.decode()
    assert not ChannelAccount.objects.filter(workspace=workspace).exists()

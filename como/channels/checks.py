"""System checks: channel accounts stored before secrets were validated, or around the rule."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.db import DatabaseError

from .account_secrets import signing_secret
from .signatures import SecretUnusable


@checks.register("como")
def check_channel_account_secrets(
    app_configs: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    from .models import ChannelAccount

    try:
        rows = list(ChannelAccount.objects.order_by("pk"))
    except DatabaseError:
        return []  # before `migrate` there is no table
    found: list[checks.CheckMessage] = []
    for account in rows:
        # An account holding no signing secret at all simply receives no webhooks.
        token = (account.credentials or {}).get("auth_token") if account.channel == "sms" else None
        if not account.webhook_secret and token is None:
            continue
        try:
            signing_secret(account)
        except SecretUnusable as error:
            found.append(
                checks.Warning(
                    f"Channel account {account.pk} ({account.channel}, workspace "
                    f"{account.workspace_id}) has an unusable webhook secret: {error}",
                    hint="Its webhook deliveries are refused with 403 until a usable secret "
                    "is set in the admin (Channels → Channel accounts).",
                    obj=f"channels.ChannelAccount:{account.pk}",
                    id="como.W101",
                )
            )
    return found

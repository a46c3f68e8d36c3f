"""The secrets a channel account verifies its provider's webhooks with: what may be stored, and
which one a delivery is checked against.

One rule for every path: the model's ``clean`` and the admin form validate with
:func:`account_secrets_validate`, and the webhooks take their key from :func:`signing_secret`,
which refuses (and the caller logs) a row stored before the rule or written around it, so an
unusable secret can never verify a delivery nor turn it into a 500.

- Email deliveries are Standard Webhooks: ``webhook_secret`` is ``whsec_`` and a key of at least
  24 bytes (:mod:`.signatures`).
- SMS deliveries are signed with the Twilio auth token (``credentials["auth_token"]``, else the
  ``webhook_secret``). Twilio's tokens are 32 hexadecimal characters (128 bits); anything
  shorter is not one and could be guessed, so tokens need :data:`MIN_TWILIO_TOKEN` characters.
- Other channels receive no webhooks yet; a secret typed for them must be Standard Webhooks,
  the scheme como's own inbound webhooks use.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError

from .signatures import SecretUnusable, standard_secret_validate

if TYPE_CHECKING:
    from .models import ChannelAccount

MIN_TWILIO_TOKEN = 32
SMS = "sms"


def twilio_token_validate(token: str) -> None:
    if len(token) < MIN_TWILIO_TOKEN or not token.isascii() or not token.isprintable():
        raise SecretUnusable(
            f"A Twilio auth token is {MIN_TWILIO_TOKEN} or more printable ASCII characters "
            "(the console shows 32 hexadecimal ones)."
        )
    if any(char.isspace() for char in token):
        raise SecretUnusable("A Twilio auth token has no spaces.")


def _webhook_secret_validate(channel: str, secret: str) -> None:
    if channel == SMS:
        twilio_token_validate(secret)
    else:
        standard_secret_validate(secret)


def account_secrets_validate(
    *, channel: str, webhook_secret: str, credentials: Mapping[str, Any] | None
) -> None:
    """Raise ValidationError keyed by the model's fields (``webhook_secret``, ``credentials``)
    when a secret set there could not verify a delivery. Empty means "no webhooks": allowed."""
    errors: dict[str, list[str]] = {}
    if webhook_secret:
        try:
            _webhook_secret_validate(channel, webhook_secret)
        except SecretUnusable as error:
            errors["webhook_secret"] = [str(error)]
    token = (credentials or {}).get("auth_token")
    if channel == SMS and token is not None:
        try:
            twilio_token_validate(token if isinstance(token, str) else "")
        except SecretUnusable as error:
            errors["credentials"] = [f"auth_token: {error}"]
    if errors:
        raise ValidationError(errors)


def signing_secret(account: ChannelAccount) -> str:
    """The secret ``account``'s deliveries are verified with; raise SecretUnusable when there is
    none that could be trusted (the delivery is then refused, never accepted)."""
    if account.channel == SMS:
        token = (account.credentials or {}).get("auth_token") or account.webhook_secret
        twilio_token_validate(token if isinstance(token, str) else "")
        return str(token)
    if not account.webhook_secret:
        raise SecretUnusable("No webhook secret is set.")
    _webhook_secret_validate(account.channel, account.webhook_secret)
    return account.webhook_secret


def webhook_secret(account: ChannelAccount, log: logging.Logger) -> str | None:
    """:func:`signing_secret` for a webhook view: None when it is unusable, with a warning in
    the webhook's ``log`` that names the account, so someone can set a usable one."""
    try:
        return signing_secret(account)
    except SecretUnusable as error:
        log.warning(
            "%s webhook refused for channel account %s (workspace %s): %s",
            account.channel,
            account.pk,
            account.workspace_id,
            error,
        )
        return None

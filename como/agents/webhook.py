"""The ``webhook`` executor: POST an action's payload as JSON to the URL it names.

The action's payload is ``{"url": "https://…", …}``; everything but ``url`` is the JSON body.
The request carries ``Idempotency-Key: <action id>``, so a receiver that honours the header
(Stripe-style, or the IETF httpapi draft) applies a second delivery of the same action once;
a delivery is repeated only when a worker died between sending and recording.

- 2xx: success; the result stores the status code and the response (JSON, or text), bounded.
- 5xx, 408, 409 (the same key still being processed), 425, 429 (the channels' transient
  statuses, :func:`como.channels.transports.transient_status`), timeouts and connection
  errors: :class:`~como.agents.execution.TransientError`, retried with backoff.
- Any other status (4xx, and 3xx: redirects are not followed): the action fails for good.

Only ``http`` and ``https`` URLs are accepted. The timeout is ``COMO_WEBHOOK_TIMEOUT`` seconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings

from como import jsonsafe

# The channels' transports sort statuses the same way (TRANSIENT_STATUSES) and bound what they
# keep of a response (RESPONSE_LIMIT characters, in the result and in an error message).
from como.channels.transports import RESPONSE_LIMIT, http_client, transient_status

from .execution import TransientError
from .models import AgentAction

KIND = "webhook"
DEFAULT_TIMEOUT = 10.0


class WebhookRejected(Exception):
    """The receiver answered with a status that retrying will not change."""


def webhook_url(payload: Mapping[str, Any]) -> str:
    """The payload's ``url``, if it is an absolute http(s) URL; ValueError otherwise."""
    url = payload.get("url")
    if not isinstance(url, str) or not url:
        raise ValueError("A webhook action needs a `url` in its payload.")
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"A webhook URL must be an absolute http(s) URL, not {url!r}.")
    return url


def _bounded(response: httpx.Response) -> Any:
    """The response body as JSON when it is JSON and short enough, else its text, truncated."""
    text = response.text
    if len(text) <= RESPONSE_LIMIT and "json" in response.headers.get("content-type", ""):
        try:
            parsed = jsonsafe.loads(text)
        except jsonsafe.JSONSyntaxError:
            pass
        else:
            # Kept in the action's result (jsonb): what it cannot hold is kept as text.
            if not jsonsafe.problems(parsed):
                return parsed
    return text[:RESPONSE_LIMIT].replace("\x00", "\\u0000")


def webhook_execute(action: AgentAction, idempotency_key: str) -> dict[str, Any]:
    """POST the payload (without ``url``) to ``url`` with the action's idempotency key."""
    payload = dict(action.payload or {})
    url = webhook_url(payload)
    body = {key: value for key, value in payload.items() if key != "url"}
    timeout = float(getattr(settings, "COMO_WEBHOOK_TIMEOUT", DEFAULT_TIMEOUT))
    try:
        response = http_client().post(
            url,
            json=body,
            headers={"Idempotency-Key": idempotency_key, "User-Agent": "como-webhook/1"},
            timeout=timeout,
        )
    except httpx.TransportError as error:  # timeouts, refused and reset connections
        raise TransientError(f"POST {url}: {type(error).__name__}: {error}") from error
    status = response.status_code
    if 200 <= status < 300:
        result: dict[str, Any] = {"status_code": status, "response": _bounded(response)}
        if response.headers.get("idempotent-replayed", "").lower() == "true":
            result["replayed"] = True
        return result
    excerpt = response.text[:500]
    if transient_status(status):
        raise TransientError(f"POST {url} answered {status}: {excerpt}")
    raise WebhookRejected(f"POST {url} answered {status}: {excerpt}")

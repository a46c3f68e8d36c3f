"""How an adapter's request leaves como: recorded by the sandbox, or sent over HTTP.

Adapters build an :class:`OutboundRequest` exactly as the platform documents it and hand it to
:func:`transport_for`. The sandbox (the default, and the only one reachable from a machine with
no route to the platforms) stores the request byte for byte in
:class:`~como.channels.models.SandboxRequest` and answers with the adapter's simulated response;
the HTTP transport sends it with httpx. Secret header values (Authorization, developer tokens)
are the one thing the sandbox records as a fingerprint instead. Both treat a repeated
idempotency key as the same request.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import httpx
from django.conf import settings
from django.utils import timezone
from psycopg import sql
from psycopg.types.json import Jsonb

from como import jsonsafe
from como.rawsql import raw_cursor

from .errors import ChannelRejected, TransientError
from .models import ChannelAccount, SandboxRequest, TransportKind

#: Besides 5xx: request timeout, conflict (the same key still in flight), too early, rate limit.
TRANSIENT_STATUSES = frozenset({408, 409, 425, 429})
RESPONSE_LIMIT = 4_000


@dataclass(frozen=True, slots=True)
class OutboundRequest:
    workspace_id: int
    channel: str
    idempotency_key: str
    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    #: Sent as is: the adapter encodes JSON, form or CSV itself, so the sandbox records the
    #: exact bytes.
    body: str = ""


@dataclass(frozen=True, slots=True)
class TransportResponse:
    status: int
    body: str
    headers: Mapping[str, str] = field(default_factory=dict)
    #: True when the sandbox answered (nothing left como).
    sandbox: bool = False

    def json(self) -> Any:
        """The body as JSON; JSONDecodeError when it is not, or holds what jsonb cannot
        (a platform's answer ends up in results and logs: NaN or NUL there would fail them)."""
        if not self.body:
            return None
        try:
            value = jsonsafe.loads(self.body)
        except jsonsafe.JSONSyntaxError as error:
            raise json.JSONDecodeError(str(error), self.body, 0) from None
        if found := jsonsafe.problems(value):
            raise json.JSONDecodeError("; ".join(jsonsafe.flat(found)), self.body, 0)
        return value


#: Given the request, what the platform would answer (status, JSON body).
Simulator = Callable[[OutboundRequest], tuple[int, Mapping[str, Any]]]


def transient_status(status: int) -> bool:
    """A non-2xx answer worth retrying: a 5xx or one of :data:`TRANSIENT_STATUSES`."""
    return status >= 500 or status in TRANSIENT_STATUSES


def raise_for_status(channel: str, status: int, body: str) -> None:
    """Sort a platform's non-2xx answer: worth retrying, or refused for good. Redirects are
    not followed, so a 3xx is a refusal too."""
    if transient_status(status):
        raise TransientError(f"{channel}: HTTP {status} {body[:RESPONSE_LIMIT]}")
    if status >= 300:
        raise ChannelRejected(f"{channel}: HTTP {status} {body[:RESPONSE_LIMIT]}")


#: Headers whose values are secrets. The sandbox records their scheme and a fingerprint, never
#: the secret: its requests are readable in the admin, and a workspace may keep real
#: credentials while it still runs in the sandbox.
SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "developer-token", "x-api-key", "api-key"}
)


def redacted(name: str, value: str) -> str:
    """``Bearer [redacted sha256:…]`` for a secret header (the fingerprint tells which
    credential it was, to whoever holds it); other headers as they are."""
    if name.lower() not in SECRET_HEADERS:
        return value
    scheme, _, secret = value.partition(" ")
    if not secret:
        scheme = ""
    fingerprint = hashlib.sha256(value.encode()).hexdigest()[:12]
    return f"{scheme} [redacted sha256:{fingerprint}]".lstrip()


class SandboxTransport:
    """Records each request once per ``(workspace, channel, idempotency key)`` and answers
    with the simulated response, or with the answer recorded the first time.

    Two statements in raw SQL (a look-up, then ``INSERT … ON CONFLICT DO NOTHING``), not the
    ORM's get-then-create in a savepoint: an action sending a thousand requests in one go
    paid four round trips and the ORM's compilation for each (issue 13's pause)."""

    def __init__(self, simulate: Simulator) -> None:
        self.simulate = simulate

    def send(self, request: OutboundRequest) -> TransportResponse:
        key = [request.workspace_id, request.channel, request.idempotency_key]
        with raw_cursor() as cursor:
            cursor.execute(_SANDBOX_ANSWER, key)
            row = cursor.fetchone()
            if row is None:  # simulated once per key: a repeat answers what was recorded
                status, answer = self.simulate(request)
                headers = {name: redacted(name, value) for name, value in request.headers.items()}
                cursor.execute(
                    _SANDBOX_RECORD,
                    [
                        *key,
                        request.method,
                        request.url,
                        Jsonb(headers),
                        request.body,
                        Jsonb({"status": status, "body": dict(answer)}),
                        timezone.now(),
                    ],
                )
                # None: another worker recorded the same key first; its answer stands.
                row = cursor.fetchone()
                if row is None:
                    cursor.execute(_SANDBOX_ANSWER, key)
                    row = cursor.fetchone()
        assert row is not None
        response = json.loads(row[0])
        status, body = int(response["status"]), json.dumps(response["body"])
        # A simulated refusal fails exactly as the platform's would over HTTP.
        raise_for_status(request.channel, status, body)
        return TransportResponse(status=status, body=body, sandbox=True)


_SANDBOX_TABLE = sql.Identifier(SandboxRequest._meta.db_table)
_SANDBOX_ANSWER = sql.SQL(
    "SELECT response::text FROM {} WHERE workspace_id = %s AND channel = %s "
    "AND idempotency_key = %s"
).format(_SANDBOX_TABLE)
_SANDBOX_RECORD = sql.SQL(
    "INSERT INTO {} (workspace_id, channel, idempotency_key, method, url, headers, body, "
    "response, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
    "ON CONFLICT (workspace_id, channel, idempotency_key) DO NOTHING RETURNING response::text"
).format(_SANDBOX_TABLE)


class HttpTransport:
    def __init__(self, timeout: float | None = None) -> None:
        self.timeout = timeout or settings.COMO_CHANNEL_HTTP_TIMEOUT

    def send(self, request: OutboundRequest) -> TransportResponse:
        try:
            answer = http_client().request(
                request.method,
                request.url,
                headers=dict(request.headers),
                content=request.body.encode() if request.body else None,
                timeout=self.timeout,
            )
        except httpx.HTTPError as error:  # timeouts, refused connections, broken responses
            raise TransientError(f"{request.channel}: {error!r}") from error
        body = answer.text
        raise_for_status(request.channel, answer.status_code, body)
        return TransportResponse(status=answer.status_code, body=body, headers=dict(answer.headers))


_clients: dict[int, httpx.Client] = {}
_clients_lock = threading.Lock()


def http_client() -> httpx.Client:
    """One connection pool per process (a Celery prefork child must not share its parent's)."""
    pid = os.getpid()
    client = _clients.get(pid)
    if client is None:
        with _clients_lock:
            client = _clients.get(pid)
            if client is None:
                client = httpx.Client(follow_redirects=False, trust_env=False)
                _clients.clear()
                _clients[pid] = client
    return client


#: What an adapter sends through.
Transport = SandboxTransport | HttpTransport


#: Within :func:`accounts_cached`, the accounts read so far, by (workspace, channel).
_account_cache: ContextVar[dict[tuple[int, str], ChannelAccount | None] | None] = ContextVar(
    "como_channel_accounts", default=None
)


def channel_account(workspace_id: int, channel: str) -> ChannelAccount | None:
    cache = _account_cache.get()
    if cache is None:
        return ChannelAccount.objects.filter(workspace_id=workspace_id, channel=channel).first()
    key = (workspace_id, channel)
    if key not in cache:
        cache[key] = ChannelAccount.objects.filter(
            workspace_id=workspace_id, channel=channel
        ).first()
    return cache[key]


@contextmanager
def accounts_cached() -> Iterator[None]:
    """Read each channel account once inside the block: for a caller sending many requests in
    one go (an action's per-vehicle calls). Outside it every send reads the account afresh,
    so a transport switched in the admin takes effect at the next action."""
    if _account_cache.get() is not None:  # an enclosing block's cache serves
        yield
        return
    token = _account_cache.set({})
    try:
        yield
    finally:
        _account_cache.reset(token)


def transport_for(account: ChannelAccount | None, simulate: Simulator) -> Transport:
    """HTTP only when the workspace configured the channel for it; the sandbox otherwise."""
    if account is not None and account.transport == TransportKind.HTTP:
        return HttpTransport()
    return SandboxTransport(simulate)

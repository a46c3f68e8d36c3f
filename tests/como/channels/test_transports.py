"""The HTTP transport against a real local server, through the SMS adapter: the exact request
Twilio documents goes out, the answers sort into success / retry / refusal, and the sandbox
records byte for byte what HTTP sends."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import pytest
from django.test import Client

from como.channels.errors import ChannelRejected, TransientError
from como.channels.models import ChannelAccount, Message, SandboxRequest
from como.channels.sms import sms_adapter
from como.channels.tasks import send_sms_reply
from como.channels.transports import HttpTransport, OutboundRequest, SandboxTransport
from como.consent.selectors import suppressed_channels
from como.workspaces.models import Workspace

from .sandbox_support import recorded_secret
from .sms_support import (
    ACCOUNT_SID,
    FROM_NUMBER,
    PHONE,
    PUBLIC,
    TOKEN,
    Action,
    consenting_contact,
    inbound_params,
    sms_account,
    twilio_post,
)

pytestmark = pytest.mark.django_db

SID = "SM" + "f" * 32


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    delay: float = 0.0


class ProviderServer:
    """A local HTTP server standing in for Twilio: records each request and answers from a
    script (201 with a message sid when the script is empty)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.answers: deque[Answer] = deque()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> ProviderServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def _serve(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                server.received.append(
                    Received(self.command, self.path, dict(self.headers.items()), raw)
                )
                answer = (
                    server.answers.popleft()
                    if server.answers
                    else Answer(201, {"sid": SID, "status": "queued"})
                )
                if answer.delay:
                    time.sleep(answer.delay)
                data = json.dumps(answer.body).encode()
                try:
                    self.send_response(answer.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_POST = do_PUT = do_GET = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def provider() -> Iterator[ProviderServer]:
    with ProviderServer() as server:
        yield server


@pytest.fixture(autouse=True)
def public_url(settings: Any) -> None:
    settings.COMO_PUBLIC_URL = PUBLIC


@pytest.fixture
def http_account(workspace: Workspace, provider: ProviderServer) -> ChannelAccount:
    return sms_account(workspace, transport="http", base_url=provider.url)


def _action(workspace: Workspace) -> Action:
    contact = consenting_contact(workspace)
    return Action(pk=11, workspace=workspace, payload={"contact_id": contact.pk, "body": "Hi"})


def test_201_sends_exactly_twilios_request_and_stores_the_sid(
    workspace: Workspace, provider: ProviderServer, http_account: ChannelAccount
) -> None:
    result = sms_adapter.execute(_action(workspace), "action-11")

    (request,) = provider.received
    assert request.method == "POST"
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.headers["Accept"] == "application/json"
    # Twilio's Messages API documents no request idempotency header: none is sent.
    assert "i-twilio-idempotency-token" not in {name.lower() for name in request.headers}
    scheme, credentials = request.headers["Authorization"].split(" ")
    assert (scheme, base64.b64decode(credentials).decode()) == ("Basic", f"{ACCOUNT_SID}:{TOKEN}")
    assert parse_qsl(request.body.decode()) == [
        ("To", PHONE),
        ("From", FROM_NUMBER),
        ("Body", f"{workspace.name}: Hi Reply STOP to opt out."),
        ("StatusCallback", f"{PUBLIC}/hooks/sms/{http_account.pk}/status"),
    ]
    message = Message.objects.get()
    assert (message.provider_id, message.status, message.purpose) == (SID, "sent", "marketing")
    assert result == {"message_id": message.pk, "sid": SID, "to": PHONE, "status": "sent"}
    assert SandboxRequest.objects.count() == 0  # it really went over HTTP

    # Executing the key again asks the provider nothing.
    assert sms_adapter.execute(_action(workspace), "action-11") == result
    assert len(provider.received) == 1


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (Answer(500, {"message": "internal"}), TransientError),
        (Answer(503, {"message": "unavailable"}), TransientError),
        (Answer(429, {"code": 20429, "message": "Too Many Requests"}), TransientError),
        (Answer(400, {"code": 21211, "message": "Invalid 'To' Phone Number"}), ChannelRejected),
        (Answer(401, {"code": 20003, "message": "Authenticate"}), ChannelRejected),
        (Answer(201, {"status": "queued"}), ChannelRejected),  # no sid: not a message
    ],
)
def test_failures_sort_into_retry_or_refusal_and_record_nothing(
    workspace: Workspace,
    provider: ProviderServer,
    http_account: ChannelAccount,
    answer: Answer,
    error: type[Exception],
) -> None:
    provider.answers.append(answer)
    with pytest.raises(error, match=f"HTTP {answer.status}"):
        sms_adapter.execute(_action(workspace), "k1")
    assert len(provider.received) == 1
    assert Message.objects.count() == 0


def test_a_retry_after_a_transient_failure_sends_the_same_request(
    workspace: Workspace, provider: ProviderServer, http_account: ChannelAccount
) -> None:
    provider.answers.append(Answer(503, {"message": "unavailable"}))
    action = _action(workspace)
    with pytest.raises(TransientError):
        sms_adapter.execute(action, "k1")
    sms_adapter.execute(action, "k1")
    first, second = provider.received
    assert (first.path, first.body) == (second.path, second.body)
    assert Message.objects.get().provider_id == SID


def test_a_timeout_is_transient(
    workspace: Workspace, provider: ProviderServer, http_account: ChannelAccount, settings: Any
) -> None:
    settings.COMO_CHANNEL_HTTP_TIMEOUT = 0.2
    provider.answers.append(Answer(201, {"sid": SID}, delay=1.0))
    with pytest.raises(TransientError, match="Timeout"):
        sms_adapter.execute(_action(workspace), "k1")
    assert Message.objects.count() == 0


def test_a_refused_connection_is_transient(workspace: Workspace) -> None:
    with ProviderServer() as gone:
        url = gone.url
    sms_account(workspace, transport="http", base_url=url)
    with pytest.raises(TransientError):
        sms_adapter.execute(_action(workspace), "k1")


def test_the_sandbox_records_exactly_what_http_sends(
    workspace: Workspace, provider: ProviderServer, http_account: ChannelAccount
) -> None:
    action = _action(workspace)
    http_account.transport = "sandbox"
    http_account.save()
    sms_adapter.execute(action, "k1")
    recorded = SandboxRequest.objects.get()

    # The same action and key, as if for the first time, over HTTP.
    Message.objects.all().delete()
    http_account.transport = "http"
    http_account.save()
    sms_adapter.execute(action, "k1")
    (sent,) = provider.received

    assert recorded.method == sent.method
    assert recorded.url == provider.url + sent.path
    assert recorded.body.encode() == sent.body
    # Every header the sandbox recorded went out with the same value (httpx adds its own
    # Host, Content-Length, User-Agent… on top); the credential only as its fingerprint.
    sent_as_recorded = {
        name: recorded_secret(value) if name == "Authorization" else value
        for name, value in ((name, sent.headers.get(name, "")) for name in recorded.headers)
    }
    assert sent_as_recorded == recorded.headers
    assert TOKEN not in json.dumps(recorded.headers)
    assert sent.headers["Authorization"].startswith("Basic ")


def test_http_transport_sends_the_request_as_given(provider: ProviderServer) -> None:
    request = OutboundRequest(
        workspace_id=1,
        channel="test",
        idempotency_key="k",
        method="PUT",
        url=provider.url + "/v1/things?x=1",
        headers={"Content-Type": "text/csv", "X-Custom": "a b"},
        body='name,price\n"=cmd",1\n',
    )
    response = HttpTransport().send(request)
    (sent,) = provider.received
    assert (sent.method, sent.path, sent.body) == ("PUT", "/v1/things?x=1", request.body.encode())
    assert (sent.headers["Content-Type"], sent.headers["X-Custom"]) == ("text/csv", "a b")
    assert (response.status, response.json(), response.sandbox) == (
        201,
        {"sid": SID, "status": "queued"},
        False,
    )


def test_http_transport_does_not_follow_redirects(provider: ProviderServer) -> None:
    provider.answers.append(Answer(302, {}))
    request = OutboundRequest(
        workspace_id=1, channel="test", idempotency_key="k", method="POST", url=provider.url
    )
    with pytest.raises(ChannelRejected, match="HTTP 302"):
        HttpTransport().send(request)
    assert len(provider.received) == 1


def test_the_sandbox_simulates_once_per_key(workspace: Workspace) -> None:
    calls: list[str] = []

    def simulate(request: OutboundRequest) -> tuple[int, dict[str, Any]]:
        calls.append(request.idempotency_key)
        return 201, {"n": len(calls)}

    request = OutboundRequest(
        workspace_id=workspace.pk,
        channel="test",
        idempotency_key="k",
        method="POST",
        url="https://example.com/",
        body="a=1",
    )
    first = SandboxTransport(simulate).send(request)
    second = SandboxTransport(simulate).send(request)
    assert calls == ["k"]
    assert first == second
    assert (first.status, first.json(), first.sandbox) == (201, {"n": 1}, True)
    assert SandboxRequest.objects.get().body == "a=1"


def test_a_stop_confirmation_the_provider_could_not_take_is_retried_once(
    client: Client,
    workspace: Workspace,
    provider: ProviderServer,
    http_account: ChannelAccount,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The provider is down when STOP arrives: the opt-out stands at once, the confirmation
    goes to a retrying task under the inbound message's key, and however often that task
    runs, one confirmation goes out."""
    consenting_contact(workspace)
    queued: list[dict[str, Any]] = []
    monkeypatch.setattr(
        send_sms_reply, "apply_async", lambda kwargs, countdown: queued.append(kwargs)
    )
    provider.answers.append(Answer(503, {"message": "unavailable"}))

    response = twilio_post(client, http_account, "inbound", inbound_params("STOP", "SMstop1"))

    assert response.status_code == 200
    assert suppressed_channels(workspace_id=workspace.pk, addresses={0: [PHONE]}) == {
        0: frozenset({"sms"})
    }
    assert not Message.objects.filter(purpose="confirmation").exists()
    assert [q["idempotency_key"] for q in queued] == ["sms-reply:SMstop1"]

    # The provider is back: the task sends it; a second run (a redelivery) sends nothing more.
    send_sms_reply.run(**queued[0])
    send_sms_reply.run(**queued[0])
    confirmations = Message.objects.filter(purpose="confirmation")
    assert [(m.to, m.provider_id) for m in confirmations] == [(PHONE, SID)]
    assert len(provider.received) == 2  # the refused attempt and the one that went through
    assert provider.received[0].body == provider.received[1].body

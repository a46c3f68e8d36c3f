"""The collect edge (como/ingest/edge.py) against real PostgreSQL and Redis: it answers what the
DRF view answers, commits before its 202, and hands every other case to Django.

Transactional tests: the group commit writes on its own thread's connection, which must see
the workspace and key rows committed.
"""

from __future__ import annotations

import io
import json
import secrets
import sys
import threading
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from django.core.wsgi import get_wsgi_application
from django.db import connection

from como.ingest.edge import CollectEdge
from como.ingest.groupcommit import writer
from como.ingest.models import AcceptedEvent
from como.workspaces.keycache import key_cache
from como.workspaces.models import Workspace
from como.workspaces.services import api_key_create, api_key_revoke, workspace_create

from .helpers import event

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/events/collect"
django_app = get_wsgi_application()
edge = CollectEdge(django_app)


class Answer:
    def __init__(self, app: Any, body: bytes, **environ: Any) -> None:
        self.status = ""
        self.headers: dict[str, str] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc: Any = None) -> None:
            self.status, self.headers = status, dict(headers)

        chunks: Iterable[bytes] = app(_environ(body, **environ), start_response)
        self.body = b"".join(chunks)
        close = getattr(chunks, "close", None)
        if close is not None:
            close()  # Django's request_finished: closes this thread's connection when due
        self.code = int(self.status.split()[0])

    def json(self) -> Any:
        return json.loads(self.body)


def _environ(body: bytes, **extra: Any) -> dict[str, Any]:
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": URL,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "REMOTE_ADDR": f"2001:db8::{secrets.randbelow(0xFFFF):x}",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
    }
    environ.update(extra)
    return environ


@pytest.fixture(autouse=True, scope="module")
def _release_connections() -> Iterator[None]:
    yield
    writer().release()  # else the test database cannot be dropped at the end


@pytest.fixture
def keyed() -> tuple[Workspace, str]:
    """A workspace and a key the edge will take (its last_used_at written: see ``warm``)."""
    key_cache._entries.clear()
    workspace = workspace_create(slug=f"edge-{uuid.uuid4().hex[:8]}", vertical="b2b", name="E")
    secret = api_key_create(workspace=workspace, name="edge").secret
    # A new key's first request goes to Django, which writes last_used_at (once a minute).
    warm = Answer(
        django_app, json.dumps(event("warm")).encode(), HTTP_AUTHORIZATION=f"Bearer {secret}"
    )
    assert warm.code == 202
    return workspace, secret


def post(app: Any, secret: str | None, body: Any, **extra: Any) -> Answer:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    if secret is not None:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return Answer(app, raw, **extra)


def test_the_edge_answers_a_valid_event_as_the_view_does_once_it_is_committed(
    keyed: tuple[Workspace, str],
) -> None:
    workspace, secret = keyed
    rows_before = writer().rows

    fast = post(edge, secret, event("e-1"))
    slow = post(django_app, secret, event("d-1"))

    assert writer().rows == rows_before + 1  # the edge wrote it: Django never saw it
    assert (fast.status, fast.json()) == ("202 Accepted", {"id": "e-1", "status": "accepted"})
    assert fast.headers == slow.headers  # the same middleware headers, the same length
    # Committed before the 202: visible to this (other) connection at once.
    stored = AcceptedEvent.objects.filter(workspace=workspace).values_list("payload", flat=True)
    assert {json.loads(payload)["id"] for payload in stored} == {"warm", "e-1", "d-1"}


@pytest.mark.parametrize(
    ("body", "extra"),
    [
        (event("bad", type="Page View", contact={"email": "nope"}), {}),  # field errors
        (b"{not json", {}),
        ({"events": [event("x")]}, {}),  # a batch: not here
        (event("ct"), {"CONTENT_TYPE": "text/plain"}),  # 415
        (event("qs"), {"QUERY_STRING": "a=%00"}),  # the NUL middleware's 400
        (event("host"), {"HTTP_HOST": "evil.example.com"}),  # DisallowedHost: 400
    ],
)
def test_every_other_request_gets_exactly_the_views_answer(
    keyed: tuple[Workspace, str], body: Any, extra: dict[str, str]
) -> None:
    _workspace, secret = keyed
    rows_before = writer().rows

    fast = post(edge, secret, body, **extra)
    slow = post(django_app, secret, body, **extra)

    assert fast.code >= 400
    assert (fast.status, fast.body) == (slow.status, slow.body)
    assert writer().rows == rows_before


def test_a_rejected_event_keeps_its_field_errors(keyed: tuple[Workspace, str]) -> None:
    _workspace, secret = keyed
    answer = post(edge, secret, event("bad", type="Page View", contact={"email": "nope"}))

    assert answer.code == 400
    assert set(answer.json()) == {"type", "contact.email"}


def test_no_key_an_unknown_key_and_a_revoked_key_are_401_at_once(
    keyed: tuple[Workspace, str],
) -> None:
    workspace, secret = keyed
    assert post(edge, None, event("n")).code == 401
    assert post(edge, "como_" + secrets.token_urlsafe(32), event("u")).code == 401
    assert post(edge, secret, event("ok")).code == 202  # remembered by this process now

    api_key_revoke(api_key=workspace.api_keys.get())

    assert post(edge, secret, event("after")).code == 401  # not after the TTL: now
    ids = {json.loads(p)["id"] for p in AcceptedEvent.objects.values_list("payload", flat=True)}
    assert ids == {"warm", "ok"}


def test_the_key_event_rate_is_charged_per_event_and_refused_with_429(
    keyed: tuple[Workspace, str], settings: Any
) -> None:
    _workspace, secret = keyed
    settings.COMO_RATE_LIMITS = True
    settings.COMO_RATE_INGEST_EVENTS = "3/m"

    answers = [post(edge, secret, event(f"r{n}")) for n in range(4)]

    assert [a.code for a in answers] == [202, 202, 202, 429]
    assert 1 <= int(answers[3].headers["Retry-After"]) <= 60
    assert AcceptedEvent.objects.count() == 4  # warm + three


def test_concurrent_requests_share_commits_and_all_are_stored(
    keyed: tuple[Workspace, str],
) -> None:
    workspace, secret = keyed
    before = (writer().batches, writer().rows)
    codes: list[int] = []

    def client(n: int) -> None:
        try:
            for m in range(10):
                codes.append(post(edge, secret, event(f"c{n}-{m}")).code)
        finally:
            connection.close()  # this thread's, opened by the key lookup

    threads = [threading.Thread(target=client, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert codes == [202] * 200
    assert writer().rows - before[1] == 200
    assert writer().batches - before[0] < 200  # grouped: fewer commits than requests
    assert AcceptedEvent.objects.filter(workspace=workspace).count() == 201

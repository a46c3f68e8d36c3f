"""The lean path of ``POST /api/v1/events/collect``: a WSGI layer in front of Django.

Measured (docs/architecture.md, "Hot paths"): through Django's middleware and DRF a collect
request cost ~3.5 ms of CPU in the web worker: eleven middleware built for the console
(sessions, CSRF, messages, axes…), DRF's request wrapping, a database health check, an API key
query, three Redis round trips and an INSERT + COMMIT of its own. This layer answers the
common case, a well-formed event with a valid ``Bearer`` key, with what that request
actually needs:

* the same validation (:func:`~como.ingest.schema.event_validate`) on the same bytes;
* the key from the per-process cache (:mod:`como.workspaces.keycache`);
* the row through this process's group commit (:mod:`como.ingest.groupcommit`), which charges
  the rate limits of all its requests and checks their keys' revocation epoch in one Redis
  round trip (:func:`~como.workspaces.ratelimits.edge_charge`) before one INSERT;
* the same 202 body and headers as the DRF view (``tests/como/ingest/test_edge.py`` compares).

Anything else (no key or another kind of credential, a workspace header, a query string, an
unknown host, a non-JSON or chunked or over-long body, a body that does not validate, a key not
found or due for its ``last_used_at`` write, a locked-out IP, a key over its rate, Redis or
the group commit failing) goes to the Django application unchanged, body included, which
answers it exactly as before: 4xx with field-level errors, 401, 429… so the lean path never
has to reproduce an error answer and cannot drift from them.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable, Iterable
from datetime import timedelta
from functools import cache, lru_cache
from types import ModuleType
from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIRequest
from django.db import connection
from django.http import HttpResponse
from django.http.request import split_domain_port, validate_host
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.security import SecurityMiddleware
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from como import jsonsafe
from como.workspaces.keycache import CachedKey, key_cache
from como.workspaces.keys import digest
from como.workspaces.ratelimits import EdgeCharge
from como.workspaces.roles import API_KEY_PERMISSIONS, Permission

from .groupcommit import NotAccepted, Row, writer
from .schema import event_validate

logger = logging.getLogger(__name__)

PATH = "/api/v1/events/collect"
SOURCE = "api"  # como.ingest.api.SOURCE (not imported: that module loads DRF's views)
#: The DRF view's own limit (como.ingest.api.MAX_BODY_BYTES); a single event is far smaller.
MAX_BODY_BYTES = 10 * 1024 * 1024
#: As ApiKeyAuthentication: ``last_used_at`` is written at most once a minute per key.
_LAST_USED_RESOLUTION = timedelta(minutes=1)
_BEARER = "bearer "
#: edge_charge's answer for a key read before a revocation.
STALE_KEY = 3
_RENDER = JSONRenderer().render
#: Printable ASCII but '"' and '\\': an id JSON writes as it is, between quotes.
_PLAIN = re.compile(r"[ !#-\[\]-~]*")

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

assert Permission.EDIT_DATA in API_KEY_PERMISSIONS  # a valid key may always collect


class CollectEdge:
    """WSGI middleware: ``CollectEdge(django_application)``."""

    def __init__(self, application: WSGIApp) -> None:
        self.application = application

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") != "POST":
            return self.application(environ, start_response)
        try:
            answer = self._collect(environ)
        except Exception:  # the full path answers; this one only ever saves work
            logger.exception("collect edge: handing the request to Django")
            answer = None
        if answer is None:
            return self.application(environ, start_response)
        status, headers, body = answer
        start_response(status, headers)
        return [body]

    def _collect(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes] | None:
        authorization = environ.get("HTTP_AUTHORIZATION", "")
        declared = environ.get("CONTENT_LENGTH") or ""
        if (
            environ.get("QUERY_STRING")
            or "HTTP_X_COMO_WORKSPACE" in environ
            or not authorization.lower().startswith(_BEARER)
            or not _is_json(environ.get("CONTENT_TYPE", ""))
            or not (declared.isascii() and declared.isdigit())
            or int(declared[:9]) > MAX_BODY_BYTES
        ):
            return None
        parts = authorization.split()
        if len(parts) != 2:
            return None
        body = environ["wsgi.input"].read(int(declared))
        environ["wsgi.input"] = io.BytesIO(body)  # whoever reads next reads it all again
        request = WSGIRequest(environ)
        if not _host_allowed(request) or (settings.SECURE_SSL_REDIRECT and not request.is_secure()):
            return None
        try:
            payload = jsonsafe.loads(body) if body.strip() else None
        except jsonsafe.JSONSyntaxError:
            return None
        if not isinstance(payload, dict) or "events" in payload:
            return None
        accepted_at = timezone.now()
        event, _errors = event_validate(payload, now=accepted_at)
        if event is None:
            return None
        key_digest = digest(parts[1])
        entry = key_cache.get(key_digest) or _fetch(key_digest)
        if entry is None:
            return None  # unknown or revoked: the full path answers 401 and counts the failure
        if entry.last_used_at is None or entry.last_used_at < accepted_at - _LAST_USED_RESOLUTION:
            key_cache.forget(key_digest)  # the full path writes last_used_at; read it anew next
            return None
        row = Row(entry.workspace_id, SOURCE, body.decode(), accepted_at)
        charge = EdgeCharge(_client_ip(request), key_digest, entry.epoch)
        try:
            code = writer().accept(row, charge)
        except NotAccepted:
            logger.warning("collect edge: group commit failed; the full path retries alone")
            return None
        if code == STALE_KEY:
            key_cache.forget(key_digest)
        if code != 0:
            return None  # not charged, nothing written: the full path decides (401, 429…)
        return _accepted(event["id"], request.is_secure())


def _fetch(key_digest: str) -> CachedKey | None:
    try:
        return key_cache.fetch(key_digest)
    except Exception:
        connection.close()  # a broken connection: the full path gets a fresh one
        raise


def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


def _client_ip(request: WSGIRequest) -> str:
    return _throttling().client_ip(request) or "unknown"


@cache
def _throttling() -> ModuleType:
    from como.workspaces import throttling  # loads DRF: not at import time

    return throttling


def _host_allowed(request: WSGIRequest) -> bool:
    # As request.get_host(), which CommonMiddleware calls: an unknown host is Django's 400.
    return _allowed(request._get_raw_host())  # type: ignore[attr-defined]


@lru_cache(maxsize=256)  # a few hosts in practice; bounded against a flood of made-up ones
def _allowed(host: str) -> bool:
    domain, _port = split_domain_port(host)
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    return bool(domain) and validate_host(domain, allowed)


def _accepted(event_id: str, secure: bool) -> tuple[str, list[tuple[str, str]], bytes]:
    if _PLAIN.fullmatch(event_id):
        # What the renderer writes for such an id (nothing to escape), without its ~15 µs.
        body = b'{"id":"' + event_id.encode() + b'","status":"accepted"}'
    else:
        body = _RENDER({"id": event_id, "status": "accepted"})
    headers = [*_fixed_headers(secure), ("Content-Length", str(len(body)))]
    return "202 Accepted", headers, body


@cache
def _fixed_headers(secure: bool) -> list[tuple[str, str]]:
    """The DRF view's 202 headers: its own and what the middleware adds, derived from the
    middleware itself so that a settings change (HSTS, referrer policy…) reaches both paths."""
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": PATH, "wsgi.input": io.BytesIO()}
    environ["wsgi.url_scheme"] = "https" if secure else "http"
    request = WSGIRequest(environ)
    response = HttpResponse(status=202, content_type="application/json")
    response["Vary"] = "Accept"
    response["Allow"] = "POST, OPTIONS"

    def unused(request: Any) -> HttpResponse:
        raise AssertionError

    response = XFrameOptionsMiddleware(unused).process_response(request, response)
    response = SecurityMiddleware(unused).process_response(request, response)
    return [(name, value) for name, value in response.items() if name != "Content-Length"]

"""The WSGI application bench/http_events.py serves: como's, plus a bare no-op in front.

``/api/bench/bare`` is answered before the collect edge and before Django, by the same
server's workers reading the same request: the floor of this server on this box, the honest
raw limit for the edge (como/ingest/edge.py), which skips Django's middleware too. The no-op
*view* behind all of Django's middleware stays at ``/api/bench/noop`` (bench/http_urls.py).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.http_site")

from como.wsgi import application as como_application

BARE = "/api/bench/bare"
_BODY = b'{"status":"accepted"}'


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if environ.get("PATH_INFO") != BARE:
        return como_application(environ, start_response)
    stream = environ["wsgi.input"]
    stream.read(int(environ.get("CONTENT_LENGTH") or 0))  # read it, as the edge does
    start_response(
        "202 Accepted",
        [("Content-Type", "application/json"), ("Content-Length", str(len(_BODY)))],
    )
    return [_BODY]

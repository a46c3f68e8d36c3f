"""como's URLs plus the raw limit of bench/http_events.py: a no-op view at ``/api/bench/noop``.

The same server, workers, middleware and request (a path under ``/api/``, the same
``Authorization`` header and body) answering 202 without looking at anything. It exists only
here, never in como's own URLs.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def noop(request: HttpRequest) -> HttpResponse:
    request.body  # noqa: B018 - read it, as any view that takes a body does
    return HttpResponse(b'{"status":"accepted"}', status=202, content_type="application/json")


urlpatterns = [path("api/bench/noop", noop), path("", include("como.urls"))]

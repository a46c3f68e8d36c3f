"""Who is limited, and where: per IP before a request reaches a view, per caller in the API.

- :class:`RateLimitMiddleware`, for every request: an IP whose requests failed authentication
  (401) ``COMO_RATE_AUTH_FAILURES`` times in the window is answered 429 before any key is
  looked up; a request without credentials (no API key on an API path, nobody signed in) is
  charged to its IP under ``COMO_RATE_ANON``: the public webhooks, tracked links and feeds, the
  schema, the admin's login page.
- :class:`CallerRateThrottle`, DRF's throttle, once the caller is known: ``COMO_RATE_API``
  requests per API key or per signed-in person.
- :func:`ingest_charge`: bulk ingest is charged in events, ``COMO_RATE_INGEST_EVENTS`` per key
  (a batch of 1,000 costs 1,000), so batching does not buy a way around it.

Refusals are 429 with ``Retry-After`` in seconds. The counters are :mod:`.ratelimits`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from .authentication import ApiKeyAuthentication
from .models import ApiKey
from .ratelimits import rate_charge, rate_exhausted

_API_PREFIX = "/api/"
_BEARER = ApiKeyAuthentication.keyword.lower() + " "


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address: ``REMOTE_ADDR``, or behind ``COMO_TRUSTED_PROXIES`` proxies the
    address the outermost of them saw (counted from the right of ``X-Forwarded-For``: entries
    further left are whatever the client chose to send)."""
    hops = settings.COMO_TRUSTED_PROXIES
    if hops > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops and _is_address(forwarded[-hops]):
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR") or None  # e.g. a test client's force_login


def _is_address(text: str) -> bool:
    # django-axes stores it in a GenericIPAddressField: anything else would be a 500.
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _too_many(wait: float) -> HttpResponse:
    response = JsonResponse(
        {"detail": f"Request was throttled. Expected available in {int(wait)} seconds."},
        status=429,
    )
    response["Retry-After"] = str(int(wait))
    return response


def _credentialed(request: HttpRequest) -> bool:
    """Whether the request names a caller that a per-caller limit will count instead."""
    if request.path.startswith(_API_PREFIX) and (
        request.META.get("HTTP_AUTHORIZATION", "").lower().startswith(_BEARER)
    ):
        return True  # a bad key answers 401, which the failure limit counts
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class RateLimitMiddleware:
    """Per-IP limits; after AuthenticationMiddleware, so a signed-in session is known."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.COMO_RATE_LIMITS:
            return self.get_response(request)
        ip = client_ip(request) or "unknown"
        wait = rate_exhausted(
            scope="auth-failures", ident=ip, rate=settings.COMO_RATE_AUTH_FAILURES
        )
        if wait is None and not _credentialed(request):
            wait = rate_charge(scope="anon", ident=ip, rate=settings.COMO_RATE_ANON)
        if wait is not None:
            return _too_many(wait)
        response = self.get_response(request)
        if response.status_code == 401:
            # Counted after the fact: concurrent failures may overshoot by the concurrency.
            rate_charge(scope="auth-failures", ident=ip, rate=settings.COMO_RATE_AUTH_FAILURES)
        return response


def _caller(request: Request) -> str | None:
    if isinstance(request.auth, ApiKey):
        return f"key:{request.auth.digest}"  # not the id: a recreated database reuses ids
    user = request.user
    if user is not None and user.is_authenticated and user.pk is not None:
        return f"user:{user.pk}"
    return None  # anonymous: the middleware charged its IP


class CallerRateThrottle(BaseThrottle):
    """``COMO_RATE_API`` requests per API key or signed-in person."""

    def __init__(self) -> None:
        self._wait: float | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        caller = _caller(request)
        if caller is None:
            return True
        self._wait = rate_charge(scope="api", ident=caller, rate=settings.COMO_RATE_API)
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait


def ingest_charge(request: Request, *, events: int) -> None:
    """Charge a batch's events to its API key (or person); Throttled (429) when over."""
    caller = _caller(request)
    if caller is None:
        return
    wait = rate_charge(
        scope="ingest-events", ident=caller, rate=settings.COMO_RATE_INGEST_EVENTS, cost=events
    )
    if wait is not None:
        raise exceptions.Throttled(
            wait=wait,
            detail=f"More than {settings.COMO_RATE_INGEST_EVENTS} events; wait {int(wait)} s.",
        )

"""Refuse a request whose path or query string holds what no column can store.

A NUL (``%00``) in a query parameter reached PostgreSQL through admin list filters, admin
autocomplete and DRF filters, and in a path through a webhook's account reference: each a 500
(PostgreSQL text cannot hold NUL). No URL of como means anything with NUL, so one check before
any view runs answers 400 for all of them, present and future.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from como import jsonsafe


class UnstorableInputMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = jsonsafe.text_problem(request.path)
        if problem:
            return JsonResponse({"detail": f"The path: {problem}"}, status=400)
        found: dict[str, list[str]] = {}
        for name, values in request.GET.lists():
            problems = [jsonsafe.text_problem(text) for text in (name, *values)]
            if any(problems):
                found[jsonsafe.printable(name)] = sorted({p for p in problems if p})
        if found:
            return JsonResponse(found, status=400)
        return self.get_response(request)

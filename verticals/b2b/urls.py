"""The B2B vertical's API routes, mounted under /api/v1/ by como's vertical URL hook."""

from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("verticals.b2b.intent.urls")),
    path("", include("verticals.b2b.accounts.urls")),
    path("", include("verticals.b2b.abm.urls")),
]

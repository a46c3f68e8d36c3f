"""The automotive vertical's API routes, mounted under /api/v1/ by como's vertical URL hook."""

from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("verticals.automotive.inventory.urls")),
    path("", include("verticals.automotive.ads.urls")),
    path("", include("verticals.automotive.coop.urls")),
    path("", include("verticals.automotive.dms.urls")),
]

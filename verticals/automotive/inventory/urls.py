"""API routes of the inventory, mounted under /api/v1/ (no trailing slashes)."""

from django.urls import URLPattern, URLResolver, include, path
from rest_framework.routers import SimpleRouter

from .api import RooftopViewSet, VehicleViewSet

router = SimpleRouter(trailing_slash=False)
router.register("rooftops", RooftopViewSet, basename="rooftop")
router.register("vehicles", VehicleViewSet, basename="vehicle")

urlpatterns: list[URLPattern | URLResolver] = [
    *router.urls,
    path("", include("verticals.automotive.inventory.importing.urls")),
]

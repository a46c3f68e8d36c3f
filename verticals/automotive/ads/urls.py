"""API routes of inventory ads, mounted under /api/v1/ with the vertical's (no trailing
slashes): ``vehicles/{id}/ads`` and ``vehicles/{id}/preview``."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from .api import VehicleAdsViewSet

router = SimpleRouter(trailing_slash=False)
router.register("vehicles", VehicleAdsViewSet, basename="vehicle")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]

"""API routes of this app, mounted under /api/v1/ by como/urls.py."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from .api import EventViewSet
from .offline_api import OfflineTouchViewSet

router = SimpleRouter(trailing_slash=False)
router.register("events", EventViewSet, basename="event")
router.register("offline-touches", OfflineTouchViewSet, basename="offline-touch")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]

"""API routes of audiences, mounted under /api/v1/ by como/urls.py (no trailing slashes)."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from .api import AudienceViewSet

router = SimpleRouter(trailing_slash=False)
router.register("audiences", AudienceViewSet, basename="audience")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]

"""API routes of deals, mounted under /api/v1/ by como/urls.py (no trailing slashes)."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from .api import OpportunityViewSet

router = SimpleRouter(trailing_slash=False)
router.register("opportunities", OpportunityViewSet, basename="opportunity")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]

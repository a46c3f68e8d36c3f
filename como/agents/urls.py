"""API routes of this app, mounted under /api/v1/ by como/urls.py (no trailing slashes)."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from .api import AgentActionViewSet

router = SimpleRouter(trailing_slash=False)
router.register("actions", AgentActionViewSet, basename="action")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]

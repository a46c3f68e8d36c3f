"""API routes of this app, mounted under /api/v1/ by como/urls.py (no trailing slashes)."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from .api import AgentActionViewSet, PlaybookVersionViewSet

router = SimpleRouter(trailing_slash=False)
router.register("actions", AgentActionViewSet, basename="action")
router.register("playbook/versions", PlaybookVersionViewSet, basename="playbook-version")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]

"""API routes of this app, mounted under /api/v1/ by como/urls.py (no trailing slashes)."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from .api import AccountViewSet, ContactViewSet, WorkspaceViewSet

router = SimpleRouter(trailing_slash=False)
router.register("contacts", ContactViewSet, basename="contact")
router.register("accounts", AccountViewSet, basename="account")
router.register("workspaces", WorkspaceViewSet, basename="workspace")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]

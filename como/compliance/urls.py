"""API routes of this app, mounted under /api/v1/ by como/urls.py (no trailing slashes)."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from .api import ComplianceCheckViewSet

router = SimpleRouter(trailing_slash=False)
router.register("compliance/check", ComplianceCheckViewSet, basename="compliance-check")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]

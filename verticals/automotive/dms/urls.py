"""API routes of DMS imports, mounted under /api/v1/ (no trailing slashes)."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from .api import DmsImportViewSet

router = SimpleRouter(trailing_slash=False)
router.register("dms/imports", DmsImportViewSet, basename="dms-import")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]

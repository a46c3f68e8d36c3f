"""API routes of inventory imports, mounted under /api/v1/ (no trailing slashes)."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from .api import InventoryImportViewSet

router = SimpleRouter(trailing_slash=False)
router.register("inventory/imports", InventoryImportViewSet, basename="inventory-import")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]

"""API routes of the ABM agent, mounted under /api/v1/ (no trailing slashes)."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from .api import AccountPlayViewSet

router = SimpleRouter(trailing_slash=False)
router.register("account-plays", AccountPlayViewSet, basename="account-play")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]

"""API routes of co-op, mounted under /api/v1/ (no trailing slashes)."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from .api import CoopClaimViewSet, CoopProgramViewSet

router = SimpleRouter(trailing_slash=False)
router.register("coop/programs", CoopProgramViewSet, basename="coop-program")
router.register("coop/claims", CoopClaimViewSet, basename="coop-claim")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]

"""API routes of sequences, mounted under /api/v1/ by como/urls.py (no trailing slashes)."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from .api import MemberViewSet, SequenceViewSet

router = SimpleRouter(trailing_slash=False)
# Registered first: "sequences/members/<id>" is a membership, not a sequence's action.
router.register("sequences/members", MemberViewSet, basename="sequence-member")
router.register("sequences", SequenceViewSet, basename="sequence")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]

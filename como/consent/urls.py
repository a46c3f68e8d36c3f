"""API routes of this app, mounted under /api/v1/ by como/urls.py (no trailing slashes).

``contacts/{id}/consents`` and ``contacts/{id}/opt-out`` sit under leads' contacts: the
viewset has only those detail actions, so this router adds no other ``contacts`` route.
"""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from .api import ContactConsentViewSet, ErasureViewSet, SuppressionViewSet

router = SimpleRouter(trailing_slash=False)
router.register("contacts", ContactConsentViewSet, basename="contact")
router.register("erasures", ErasureViewSet, basename="erasure")
router.register("suppressions", SuppressionViewSet, basename="suppression")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]

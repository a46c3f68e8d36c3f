"""API routes of this app, mounted under /api/v1/ by como/urls.py (no trailing slashes)."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from .api import ContactScoreViewSet, ScoringModelViewSet

router = SimpleRouter(trailing_slash=False)
router.register("scoring-models", ScoringModelViewSet, basename="scoring-model")

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "contacts/<int:pk>/score",
        ContactScoreViewSet.as_view({"get": "retrieve"}),
        name="contact-score",
    ),
    *router.urls,
]

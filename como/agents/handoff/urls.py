"""Routes of the MQL handoff API, mounted under /api/v1/ by como/urls.py (no trailing slashes)."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from .api import HandoffReportViewSet, HandoffViewSet

router = SimpleRouter(trailing_slash=False)
router.register("handoffs", HandoffViewSet, basename="handoff")

urlpatterns: list[URLPattern | URLResolver] = [
    *router.urls,
    path(
        "reports/handoffs",
        HandoffReportViewSet.as_view({"get": "report"}),
        name="handoff-report",
    ),
]

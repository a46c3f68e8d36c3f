"""API routes of campaigns, mounted under /api/v1/ by como/urls.py (no trailing slashes)."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from .api import CampaignViewSet
from .attribution.api import AttributionViewSet
from .reports_api import ReportsViewSet

router = SimpleRouter(trailing_slash=False)
router.register("campaigns", CampaignViewSet, basename="campaign")

urlpatterns: list[URLPattern | URLResolver] = [
    *router.urls,
    path("attribution", AttributionViewSet.as_view({"get": "report"}), name="attribution"),
    path("attribution/vins", AttributionViewSet.as_view({"get": "vins"}), name="attribution-vins"),
    path("reports/funnel", ReportsViewSet.as_view({"get": "funnel"}), name="reports-funnel"),
]

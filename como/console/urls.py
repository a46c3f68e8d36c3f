"""Routes of the console's API, mounted under /api/v1/ by como/urls.py (no trailing slashes)."""

from django.urls import URLPattern, path

from .api import DashboardViewSet

urlpatterns: list[URLPattern] = [
    path("dashboard", DashboardViewSet.as_view({"get": "retrieve_dashboard"}), name="dashboard"),
]

"""The reports pages, mounted at /admin/reports/ by como/urls.py (before the admin's own
routes), each behind the admin's login."""

from django.contrib import admin
from django.urls import URLPattern, path

from . import views

urlpatterns: list[URLPattern] = [
    path(
        "",
        admin.site.admin_view(lambda request: views.reports_page(request, admin.site)),
        name="console-reports",
    ),
    path(
        "section/<str:name>",
        admin.site.admin_view(views.reports_section),
        name="console-reports-section",
    ),
    path(
        "export/<str:name>.csv",
        admin.site.admin_view(views.reports_export),
        name="console-reports-export",
    ),
    path(
        "campaign/<int:pk>/attribution",
        admin.site.admin_view(views.campaign_attribution),
        name="console-campaign-attribution",
    ),
]

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from como import verticals

api_v1: list[URLPattern | URLResolver] = [
    path("", include("como.ingest.urls")),
    path("", include("como.leads.urls")),
    path("", include("como.scoring.urls")),
    path("", include("como.agents.urls")),
    path("", include("como.agents.handoff.urls")),
    path("", include("como.consent.urls")),
    path("", include("como.compliance.urls")),
    path("", include("como.audiences.urls")),
    path("", include("como.deals.urls")),
    path("", include("como.campaigns.urls")),
    path("", include("como.sequences.urls")),
    path("", include("como.console.urls")),
    # Each installed vertical's own routes (its package's urls.py), found by the registry.
    *(path("", include(module)) for module in verticals.url_modules()),
    path("schema", SpectacularAPIView.as_view(), name="schema"),
    path("docs", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]

admin.site.site_header = "como"
admin.site.site_title = "como admin"
admin.site.index_title = "Dashboard"

urlpatterns = [
    # The console's reports: pages of no model, so before the admin's catch-all routes.
    path("admin/reports/", include("como.console.reports.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"))),
    # Public, unauthenticated by design: each request carries its own signature.
    path("", include("como.channels.urls")),
    path("t/", include("como.ingest.tracking")),
]

"""The rooftop's "Catalog feeds" admin page: the signed URLs to give Meta and Google, and the
rooftop's vehicles each feed had to leave out, with why.

A mixin for the Rooftop ModelAdmin: the page is reached from the rooftop's own page, through
that admin's scoped queryset, so a rooftop of another workspace is a 404 like its change page.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from como.channels.feeds import FORMATS, feed_url

from . import VEHICLE_FEEDS
from .selectors import feed_exclusions

#: Rows shown per feed; the count above the table says how many there are in all.
SHOWN = 500


class CatalogFeedsMixin:
    def get_urls(self) -> list[URLPattern]:
        opts = self.model._meta  # type: ignore[attr-defined]
        page = path(
            "<path:object_id>/feeds/",
            self.admin_site.admin_view(self.feeds_view),  # type: ignore[attr-defined]
            name=f"{opts.app_label}_{opts.model_name}_feeds",
        )
        return [page, *super().get_urls()]  # type: ignore[misc]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = super().get_readonly_fields(request, obj)  # type: ignore[misc]
        return [*fields, "catalog_feeds"]

    def catalog_feeds(self, obj: Any) -> str:
        if obj is None or obj.pk is None:
            return "-"
        opts = self.model._meta  # type: ignore[attr-defined]
        where = reverse(f"admin:{opts.app_label}_{opts.model_name}_feeds", args=[obj.pk])
        return format_html('<a href="{}">Feed URLs and the vehicles left out</a>', where)

    catalog_feeds.short_description = "catalog feeds"  # type: ignore[attr-defined]

    def feeds_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if not object_id.isascii() or not object_id.isdigit() or len(object_id) > 18:
            raise Http404("No such rooftop.")
        queryset = self.get_queryset(request)  # type: ignore[attr-defined]
        rooftop = queryset.select_related("workspace").filter(pk=int(object_id)).first()
        if rooftop is None or not self.has_view_permission(request, rooftop):  # type: ignore[attr-defined]
            raise Http404("No such rooftop.")
        workspace = rooftop.workspace
        sections = []
        for key, feed in VEHICLE_FEEDS.items():
            left_out = feed_exclusions(workspace, key, rooftop_id=rooftop.pk)
            sections.append(
                {
                    "key": key,
                    "title": feed.title,
                    "urls": [(fmt.upper(), feed_url(workspace, key, fmt)) for fmt in FORMATS],
                    "left_out": left_out[:SHOWN],
                    "count": len(left_out),
                }
            )
        opts = self.model._meta  # type: ignore[attr-defined]
        context = {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "opts": opts,
            "original": rooftop,
            "title": f"Catalog feeds: {rooftop.name}",
            "sections": sections,
            "shown": SHOWN,
            "vehicle_change": f"admin:{opts.app_label}_vehicle_change",
        }
        return TemplateResponse(request, "admin/vertical_automotive/rooftop/feeds.html", context)

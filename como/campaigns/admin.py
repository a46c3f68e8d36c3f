"""Admin pages for campaigns (with their metrics per channel and day) and the catalog.

Built on the workspace-scoped bases: staff see only their workspaces' rows. Metrics are read
only here; they come from the sync and from report imports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join

from como.channels.feeds import FORMATS, feed_url
from como.registry import Registry
from como.workspaces.admin_base import (
    ReadOnlyScopedAdmin,
    WorkspaceScopedAdmin,
    WorkspaceScopedInline,
)

from . import services
from .feeds import KEY as CATALOG_FEED
from .models import Campaign, CampaignTarget, CatalogItem, ChannelMetric

#: Draws a campaign's monitoring page (request, the campaign, its ModelAdmin): the console fills it
#: at start-up with the page made of its registered panels. Campaigns sit below the console,
#: so the page's URL and its scoping live here and what it shows is registered from above.
MonitoringPage = Callable[[HttpRequest, Campaign, Any], HttpResponse]
MONITORING: Registry[MonitoringPage] = Registry("campaign monitoring page")

METRIC_FIELDS = (
    "day",
    "channel",
    "sent",
    "delivered",
    "opened",
    "clicked",
    "unsubscribed",
    "bounced",
    "impressions",
    "clicks",
    "spend",
    "source",
)


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = [
            "workspace",
            "name",
            "status",
            "channels",
            "utm_campaigns",
            "starts_on",
            "ends_on",
            "budget",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        workspace = data.get("workspace") or getattr(self.instance, "workspace", None)
        if workspace is not None and data.get("name"):
            try:
                services.campaign_validate(
                    workspace=workspace,
                    name=data["name"],
                    channels=data.get("channels") or [],
                    starts_on=data.get("starts_on"),
                    ends_on=data.get("ends_on"),
                    utm_campaigns=data.get("utm_campaigns") or [],
                    instance=self.instance if self.instance.pk else None,
                )
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    self.add_error(field if field in self.fields else None, messages)
        return data


class TargetFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        kept = [
            form.cleaned_data
            for form in self.forms
            if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE")
        ]
        specs = [
            services.TargetSpec(data["channel"], data["metric"], data["value"])
            for data in kept
            if {"channel", "metric", "value"} <= data.keys()
        ]
        # The campaign's channels as this same submit sets them.
        channels = getattr(self.instance, "channels", None) or []
        for message in services.target_errors(channels=channels, targets=specs).get("targets", []):
            raise ValidationError(message)


class TargetInline(WorkspaceScopedInline):
    """What the campaign aims at per channel; its monitoring page sets them against actuals."""

    model = CampaignTarget
    formset = TargetFormSet
    fields = ("channel", "metric", "value")
    extra = 1
    verbose_name_plural = "Targets per channel"


class MetricInline(WorkspaceScopedInline):
    """The campaign's numbers, one row per channel and day, newest first."""

    model = ChannelMetric
    fields = METRIC_FIELDS
    readonly_fields = METRIC_FIELDS
    ordering = ("-day", "channel")
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name_plural = "Metrics per channel and day"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Campaign)
class CampaignAdmin(WorkspaceScopedAdmin):
    form = CampaignForm
    list_display = ("name", "workspace", "status", "starts_on", "ends_on", "budget", "charts")
    list_filter = ("status", "workspace")
    search_fields = ("name",)
    inlines = [TargetInline, MetricInline]
    readonly_fields = ("monitoring",)

    @admin.display(description="Monitoring")
    def monitoring(self, obj: Campaign) -> str:
        if obj.pk is None:
            return "Save the campaign to follow it per channel."
        url = reverse("admin:campaigns_campaign_monitoring", args=[obj.pk])
        return format_html('<a href="{}">Daily charts per channel, targets, channels</a>', url)

    @admin.display(description="Monitoring")
    def charts(self, obj: Campaign) -> str:
        url = reverse("admin:campaigns_campaign_monitoring", args=[obj.pk])
        return format_html('<a href="{}">Charts</a>', url)

    def get_urls(self) -> list[URLPattern]:
        page = path(
            "<path:object_id>/monitoring/",
            self.admin_site.admin_view(self.monitoring_view),
            name="campaigns_campaign_monitoring",
        )
        return [page, *super().get_urls()]

    def monitoring_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        # The scoped queryset: another workspace's campaign is answered like a missing one.
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_permission(request, obj):
            raise Http404("No such campaign.")
        draw = MONITORING.find("page")
        if draw is None:
            raise Http404("No monitoring page is installed.")
        return draw(request, obj, self)


@admin.register(ChannelMetric)
class ChannelMetricAdmin(ReadOnlyScopedAdmin):
    list_display = (
        "day",
        "campaign",
        "channel",
        "impressions",
        "clicks",
        "spend",
        "sent",
        "opened",
        "clicked",
        "source",
    )
    list_filter = ("channel", "source", "workspace")
    list_select_related = ("campaign",)
    date_hierarchy = "day"
    readonly_fields = ("workspace", "campaign", *METRIC_FIELDS)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Unlike a log, a row may go: deleting is how a mistaken import is undone (a synced
        # row comes back at the next sync), by whoever may edit the workspace's data.
        return self._can_write(request, obj)


@admin.register(CatalogItem)
class CatalogItemAdmin(WorkspaceScopedAdmin):
    list_display = ("item_id", "title", "workspace", "price", "currency", "availability")
    list_filter = ("availability", "condition", "workspace")
    search_fields = ("item_id", "title", "brand")
    readonly_fields = ("feed_links",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.display(description="Feed URLs (signed; give them to Google Merchant or Meta)")
    def feed_links(self, obj: CatalogItem) -> str:
        if obj.pk is None:
            return "Save the item to see its workspace's feed URLs."
        links = [(fmt.upper(), feed_url(obj.workspace, CATALOG_FEED, fmt)) for fmt in FORMATS]
        return format_html(
            "<ul>{}</ul>",
            format_html_join("", '<li>{}: <a href="{}">{}</a></li>', ((n, u, u) for n, u in links)),
        )

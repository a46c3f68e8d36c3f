"""A vehicle's ads and the recorded breaches of the 48-hour rule (CA Veh. Code 11614(c)):
read-only pages, since only the inventory-ads agent's actions change them, and the inlines
the vehicle's page shows them in."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from como.workspaces.admin_base import ReadOnlyScopedAdmin, ReadOnlyScopedInline

from ..models import AdBreach, VehicleAd


def action_link(action_id: int | None) -> str:
    if action_id is None:
        return "-"
    url = reverse("admin:agents_agentaction_change", args=[action_id])
    return format_html('<a href="{}">action {}</a>', url, action_id)


class VehicleAdInline(ReadOnlyScopedInline):
    model = VehicleAd
    fields = ("channel", "state", "external_id", "action_link", "changed_at", "error")
    readonly_fields = fields
    ordering = ["channel"]

    @admin.display(description="action")
    def action_link(self, obj: VehicleAd) -> str:
        return action_link(obj.action_id)


class AdBreachInline(ReadOnlyScopedInline):
    model = AdBreach
    fk_name = "vehicle"
    verbose_name = "ad live 48 hours after the sale"
    verbose_name_plural = "ads live 48 hours after the sale (CA Veh. Code 11614(c))"
    fields = ("channel", "sold_at", "detected_at", "resolved_at", "action_link")
    readonly_fields = fields
    ordering = ["-detected_at"]

    @admin.display(description="pause proposed")
    def action_link(self, obj: AdBreach) -> str:
        return action_link(obj.action_id)


@admin.register(VehicleAd)
class VehicleAdAdmin(ReadOnlyScopedAdmin):
    list_display = ["vehicle", "channel", "state", "external_id", "action_link", "changed_at"]
    list_display += ["error", "workspace"]
    list_filter = ["state", "channel", "workspace"]
    search_fields = ["vehicle__vin", "vehicle__stock_number", "external_id"]
    list_select_related = ["vehicle", "workspace"]
    fields = (
        "vehicle",
        "channel",
        "state",
        "external_id",
        "action_link",
        "changed_at",
        "live_since",
        "error",
    )
    readonly_fields = fields

    @admin.display(description="action")
    def action_link(self, obj: VehicleAd) -> str:
        return action_link(obj.action_id)


class Unresolved(admin.SimpleListFilter):
    title = "resolved"
    parameter_name = "unresolved"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Unresolved"), ("no", "Resolved")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[AdBreach]) -> Any:
        if self.value() == "yes":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "no":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


@admin.register(AdBreach)
class AdBreachAdmin(ReadOnlyScopedAdmin):
    list_display = ["vehicle", "channel", "sold_at", "detected_at", "resolved_at"]
    list_display += ["action_link", "workspace"]
    list_filter = [Unresolved, "channel", "workspace"]
    search_fields = ["vehicle__vin", "vehicle__stock_number"]
    list_select_related = ["vehicle", "workspace"]
    fields = (
        "vehicle",
        "vehicle_ad",
        "channel",
        "sold_at",
        "detected_at",
        "resolved_at",
        "action_link",
    )
    readonly_fields = fields

    @admin.display(description="pause proposed")
    def action_link(self, obj: AdBreach) -> str:
        return action_link(obj.action_id)

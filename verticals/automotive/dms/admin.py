"""Admin pages of the DMS history: vehicle ownerships (a list, and an inline on the contact's
page) and DMS imports with their counts and bad rows. Both are written by imports only, so the
pages are read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.utils.html import format_html_join

from como.leads.admin import _ReadOnlyInline, contact_inlines
from como.workspaces.admin_base import ReadOnlyScopedAdmin

from .models import DmsImport, VehicleOwnership

_OWNERSHIP_SUMMARY = (
    "vin",
    "year",
    "make",
    "model",
    "purchased_on",
    "condition",
    "last_service_on",
    "last_service_miles",
    "miles_per_day",
)


class VehicleOwnershipInline(_ReadOnlyInline):
    model = VehicleOwnership
    fk_name = "contact"
    fields = _OWNERSHIP_SUMMARY
    readonly_fields = _OWNERSHIP_SUMMARY
    verbose_name_plural = "Vehicles (DMS history)"


contact_inlines.register(VehicleOwnershipInline)


@admin.register(VehicleOwnership)
class VehicleOwnershipAdmin(ReadOnlyScopedAdmin):
    list_display = [
        "vin",
        "contact",
        "year",
        "make",
        "model",
        "purchased_on",
        "last_service_on",
        "miles_per_day",
        "rooftop",
    ]
    list_filter = ["workspace", "rooftop", "condition", "make"]
    list_select_related = ["contact", "rooftop"]
    search_fields = ["=vin", "deal_number", "contact__email", "contact__last_name"]


@admin.register(DmsImport)
class DmsImportAdmin(ReadOnlyScopedAdmin):
    list_display = [
        "id",
        "kind",
        "rooftop",
        "file_name",
        "preset",
        "created",
        "rejected",
        "started_at",
    ]
    list_filter = ["workspace", "kind", "rooftop"]
    list_select_related = ["rooftop"]
    readonly_fields = ["bad_rows"]
    exclude = ["errors"]

    @admin.display(description="Created")
    def created(self, obj: DmsImport) -> Any:
        return obj.counts.get("created", 0)

    @admin.display(description="Rejected rows")
    def rejected(self, obj: DmsImport) -> Any:
        return obj.counts.get("rejected", 0)

    @admin.display(description="Bad rows")
    def bad_rows(self, obj: DmsImport) -> Any:
        return (
            format_html_join(
                "\n",
                "<div>{}{}: {}</div>",
                (
                    (
                        f"row {e['row']}" if e["row"] else "file",
                        f" {e['field']}" if e["field"] else "",
                        e["message"],
                    )
                    for e in obj.errors
                ),
            )
            or "none"
        )

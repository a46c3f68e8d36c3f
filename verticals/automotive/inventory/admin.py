"""Admin pages of the inventory: rooftops, their feeds' sources, vehicles and imports (with
an "Upload a feed" page, :mod:`.admin_upload`).

Vehicles and imports are written by imports only, so their pages are read-only; a source's
credentials are write-only, as a channel account's are (como/channels/admin.py).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from como.jsonsafe import JSONFormField
from como.workspaces.admin_base import (
    ReadOnlyScopedAdmin,
    ReadOnlyScopedInline,
    WorkspaceScopedAdmin,
)
from como.workspaces.roles import Permission

from ..ads.feeds.admin import CatalogFeedsMixin
from . import services
from .admin_upload import InventoryUploadMixin
from .models import InventoryImport, InventorySource, Rooftop, Vehicle, VehicleChange


@admin.register(Rooftop)
class RooftopAdmin(CatalogFeedsMixin, WorkspaceScopedAdmin):
    list_display = ["name", "store_code", "dealer_id", "city", "region", "time_zone", "workspace"]
    list_filter = ["workspace", "region"]
    search_fields = ["name", "store_code", "dealer_id", "city"]
    list_select_related = ["workspace"]
    readonly_fields = ["created_at", "updated_at"]


class InventorySourceForm(forms.ModelForm):
    """Credentials are write-only: the page names the stored ones, never their values."""

    new_credentials = JSONFormField(
        required=False,
        label="Credentials",
        help_text='Replace them all, e.g. {"password": "…"} or {"private_key": "…", '
        '"known_host_key": "…"}; leave empty to keep the stored ones, {} to remove them.',
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
    )

    class Meta:
        model = InventorySource
        fields = ["kind"]

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        typed = self.cleaned_data.get("new_credentials")
        if typed not in (None, ""):
            # The model validates what it is about to store (its field validator).
            self.instance.credentials = typed
        return cleaned

    def _update_errors(self, errors: ValidationError) -> None:
        if hasattr(errors, "error_dict") and "credentials" in errors.error_dict:
            errors.error_dict["new_credentials"] = errors.error_dict.pop("credentials")
        super()._update_errors(errors)  # type: ignore[misc]


@admin.register(InventorySource)
class InventorySourceAdmin(WorkspaceScopedAdmin):
    form = InventorySourceForm
    write_permission = Permission.CONFIGURE_PLAYBOOK
    list_display = ["__str__", "rooftop", "kind", "format_key", "schedule", "enabled"]
    list_display += ["last_fetched_at"]
    list_filter = ["kind", "enabled", "rooftop", "workspace"]
    search_fields = ["name", "url", "host", "path"]
    list_select_related = ["rooftop"]
    readonly_fields = ["credentials_set", "last_fetched_at"]
    fields = [
        "workspace",
        "rooftop",
        "name",
        "kind",
        "url",
        "host",
        "port",
        "username",
        "credentials_set",
        "new_credentials",
        "path",
        "format_key",
        "mapping",
        "full",
        "schedule",
        "enabled",
        "last_fetched_at",
    ]
    actions = ["fetch_now"]

    def save_model(
        self, request: HttpRequest, obj: InventorySource, form: Any, change: bool
    ) -> None:
        services.inventory_source_save(source=obj)

    def delete_model(self, request: HttpRequest, obj: InventorySource) -> None:
        services.inventory_source_delete(source=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[InventorySource]) -> None:
        # The bulk "delete selected" action: each source's schedule goes with it.
        for source in queryset:
            services.inventory_source_delete(source=source)

    @admin.display(description="credentials stored")
    def credentials_set(self, obj: InventorySource) -> str:
        names = sorted((obj.credentials or {}).keys()) if obj.pk else []
        return ", ".join(names) if names else "none"

    @admin.action(description="Fetch and import now")
    def fetch_now(self, request: HttpRequest, queryset: QuerySet[InventorySource]) -> None:
        queued = 0
        for source in queryset:
            if not self._can_write(request, source):
                continue
            try:
                services.inventory_source_fetch_now(source=source)
            except ValidationError as refused:
                self.message_user(
                    request, f"{source}: {' '.join(refused.messages)}", messages.WARNING
                )
            else:
                queued += 1
        if queued:
            self.message_user(request, f"{queued} source(s) queued for a fetch and import.")


class VehicleChangeInline(ReadOnlyScopedInline):
    model = VehicleChange
    fields = ("at", "kind", "changes", "inventory_import")
    readonly_fields = fields
    ordering = ["-at", "-id"]


@admin.register(Vehicle)
class VehicleAdmin(ReadOnlyScopedAdmin):
    list_display = ["vin", "stock_number", "year", "make", "model", "trim", "condition"]
    list_display += ["status", "price", "rooftop"]
    list_filter = ["status", "condition", "certified", "rooftop", "make", "year", "workspace"]
    search_fields = ["vin", "stock_number"]
    list_select_related = ["rooftop"]
    inlines = [VehicleChangeInline]


@admin.register(InventoryImport)
class InventoryImportAdmin(InventoryUploadMixin, ReadOnlyScopedAdmin):
    list_display = ["started_at", "rooftop", "status", "file_name", "format_key", "progress"]
    list_display += ["summary", "finished_at"]
    list_filter = ["status", "full", "rooftop", "workspace"]
    search_fields = ["file_name"]
    list_select_related = ["rooftop"]
    fields = (
        "rooftop",
        "source",
        "status",
        "message",
        "full",
        "format_key",
        "file_name",
        "progress",
        "summary",
        "phase_seconds",
        "started_at",
        "finished_at",
        "held_removals",
        "created_by",
        "bad_rows",
    )
    readonly_fields = fields

    @admin.display(description="counts")
    def summary(self, obj: InventoryImport) -> str:
        counts = obj.counts if isinstance(obj.counts, dict) else {}
        return ", ".join(f"{name} {value}" for name, value in counts.items())

    @admin.display(description="seconds per phase")
    def phase_seconds(self, obj: InventoryImport) -> str:
        phases = obj.phases if isinstance(obj.phases, dict) else {}
        return ", ".join(f"{name} {value}" for name, value in phases.items()) or "-"

    @admin.display(description="bad rows")
    def bad_rows(self, obj: InventoryImport) -> str:
        stored = obj.errors if isinstance(obj.errors, list) else []
        errors = [e for e in stored if isinstance(e, dict)]
        if not errors:
            return "none"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((e.get("row", ""), e.get("field", ""), e.get("message", "")) for e in errors),
        )
        return format_html(
            "<table><thead><tr><th>row</th><th>field</th><th>reason</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            rows,
        )

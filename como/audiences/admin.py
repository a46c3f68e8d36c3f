"""The saved audiences' admin page on the scoped base: the rule validated by the service, and
on an audience's page how many people it holds now with a sample."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from como.workspaces.admin_base import WorkspaceScopedAdmin

from . import services
from .models import SavedAudience
from .selectors import audience_preview


class AudienceForm(forms.ModelForm):
    class Meta:
        model = SavedAudience
        fields = ["workspace", "name", "description", "rule"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        workspace = self.instance.workspace if self.instance.pk else cleaned.get("workspace")
        if workspace is not None and cleaned.get("name"):
            try:
                services.audience_name_check(
                    workspace.pk, cleaned["name"], self.instance if self.instance.pk else None
                )
            except ValidationError as error:
                self.add_error(None, error)
        if "rule" in cleaned:
            try:
                cleaned["rule"] = services.rule_validate(cleaned["rule"]).model_dump(
                    mode="json", exclude_defaults=True
                )
            except ValidationError as error:
                self.add_error(
                    "rule", [f"{k}: {'; '.join(v)}" for k, v in error.message_dict.items()]
                )
        return cleaned


@admin.register(SavedAudience)
class SavedAudienceAdmin(WorkspaceScopedAdmin):
    form = AudienceForm
    list_display = ["name", "workspace", "updated_at"]
    list_filter = ["workspace"]
    search_fields = ["name"]
    readonly_fields = ["preview", "created_at", "updated_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "workspace"] if obj is not None else fields

    @admin.display(description="in the audience now")
    def preview(self, audience: SavedAudience) -> str:
        if audience.pk is None:
            return "—"
        found = audience_preview(audience)
        people = format_html_join(
            "",
            "<li>{} {} &lt;{}&gt; · {}</li>",
            (
                (row["first_name"], row["last_name"], row["email"], row["lifecycle_stage"])
                for row in found["sample"]
            ),
        )
        return format_html("<strong>{}</strong> people<ul>{}</ul>", found["count"], people)

    def save_model(self, request: HttpRequest, obj: SavedAudience, form: Any, change: bool) -> None:
        data = form.cleaned_data
        fields = {"name": data["name"], "description": data["description"], "rule": data["rule"]}
        if change:
            services.audience_update(audience=obj, **fields)
            return
        created = services.audience_create(workspace=obj.workspace, **fields)
        obj.pk, obj.created_at, obj.updated_at = created.pk, created.created_at, created.updated_at

    def delete_model(self, request: HttpRequest, obj: SavedAudience) -> None:
        services.audience_delete(audience=obj)

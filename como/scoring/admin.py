"""Admin pages for scoring model versions and their re-score runs.

Versions are immutable: saving the change form never updates the row, it stores the edited
definition as version n+1 through :func:`~.services.scoring_model_create_version` (active at
once) and opens it. Validation errors name the rule path and are shown on the form. An older
version is made active again with the "activate" action. Versions are never deleted: old
scores stay explainable with the version that produced them.

A version that becomes active re-scores the workspace in the background; its page shows the
latest run's progress, and the runs have a read-only list of their own.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from como.jsonsafe import PrettyJSONField
from como.workspaces.admin_base import WorkspaceScopedAdmin
from como.workspaces.principal import principal_for_request
from como.workspaces.roles import Permission
from como.workspaces.users import signed_in

from . import services
from .models import RescoreRun, ScoringModel

#: marks an object whose change form was saved without changes (no new version)
_UNCHANGED = "_scoring_admin_unchanged"


class ScoringModelAdminForm(forms.ModelForm):
    definition = PrettyJSONField(
        widget=forms.Textarea(attrs={"rows": 30, "cols": 100, "style": "font-family: monospace"}),
        help_text="Threshold, min_fit, decay, market, fit and intent rules. Saving stores a new "
        "version and makes it active (re-scoring the contacts in the background); this one "
        "stays as it is.",
    )

    class Meta:
        model = ScoringModel
        fields = ["workspace", "definition", "note"]


@admin.register(ScoringModel)
class ScoringModelAdmin(WorkspaceScopedAdmin):
    form = ScoringModelAdminForm
    write_permission = Permission.CONFIGURE_PLAYBOOK
    list_display = ["__str__", "workspace", "version", "is_active", "created_at", "created_by"]
    list_filter = ["workspace", "is_active"]
    list_select_related = ["workspace", "created_by"]
    ordering = ["workspace", "-version"]
    actions = ["activate"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["workspace", "definition", "note"]
        return [
            "workspace",
            "version",
            "is_active",
            "created_by",
            "created_at",
            "rescore",
            "note",
            "definition",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return []
        return ["workspace", "version", "is_active", "created_by", "created_at", "rescore"]

    @admin.display(description="re-score")
    def rescore(self, obj: ScoringModel) -> str:
        run = obj.rescore_runs.first()  # the latest (runs are ordered newest first)
        if run is None:
            return "None: this version has not replaced an active one."
        return format_html(
            '<a href="{}">Run {}</a>: {} {}{}',
            reverse("admin:scoring_rescorerun_change", args=[run.pk]),
            run.pk,
            run.get_status_display(),
            progress_bar(run),
            f" ({run.error})" if run.error else "",
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ScoringModel, form: Any, change: bool) -> None:
        if change and not form.has_changed():
            setattr(obj, _UNCHANGED, True)
            return
        created = services.scoring_model_create_version(
            workspace=obj.workspace,
            definition=form.cleaned_data["definition"],
            note=form.cleaned_data["note"],
            created_by=signed_in(request.user),
        )
        # The page (and its log entry) now stand for the new version; the old row is untouched.
        obj.pk = created.pk
        obj.refresh_from_db()

    def response_change(self, request: HttpRequest, obj: ScoringModel) -> HttpResponse:
        if getattr(obj, _UNCHANGED, False):
            self.message_user(request, f"Nothing changed: version {obj.version} stays as it is.")
        else:
            self.message_user(
                request,
                f"Saved as version {obj.version} of {obj.workspace}'s model, now active. "
                f"{_rescore_started(obj)} Earlier versions are kept unchanged.",
                messages.SUCCESS,
            )
        opts = self.opts
        return HttpResponseRedirect(
            reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        )

    @admin.action(description="Activate the selected version", permissions=["change"])
    def activate(self, request: HttpRequest, queryset: QuerySet[ScoringModel]) -> None:
        chosen = list(queryset.select_related("workspace"))
        if len({model.workspace_id for model in chosen}) != len(chosen):
            self.message_user(request, "Choose at most one version per workspace.", messages.ERROR)
            return
        principal = principal_for_request(request)
        for model in chosen:
            if not principal.can(self.write_permission, model.workspace_id):
                self.message_user(
                    request, f"You may not configure {model.workspace}'s model.", messages.ERROR
                )
                continue
            was_active = model.is_active
            services.scoring_model_activate(model=model)
            started = "" if was_active else f" {_rescore_started(model)}"
            self.message_user(
                request,
                f"Version {model.version} is now {model.workspace}'s active model.{started}",
            )


def _rescore_started(model: ScoringModel) -> str:
    """The message for a version that has just started its re-score run."""
    run = model.rescore_runs.first()
    if run is None:
        return ""
    return (
        f"Re-scoring its {run.total:,} contact{pluralize(run.total)} in the background "
        f"(run {run.pk})."
    )


def progress_bar(run: RescoreRun) -> SafeString:
    """``done / total`` with a bar and the percentage (whole percent, rounded down, so 100 %
    means finished)."""
    percent = int(run.percent)
    return format_html(
        '<progress value="{}" max="100" style="vertical-align: middle">{} %</progress> '
        "{} / {} ({} %)",
        percent,
        percent,
        f"{run.done:,}",
        f"{run.total:,}",
        percent,
    )


@admin.register(RescoreRun)
class RescoreRunAdmin(WorkspaceScopedAdmin):
    """Read-only: a run is written by its task alone (started by activating a version)."""

    list_display = ["id", "workspace", "version", "status", "progress", "started_at", "finished_at"]
    list_filter = ["status", "workspace"]
    list_select_related = ["workspace", "scoring_model"]
    fields = readonly_fields = (
        "workspace",
        "scoring_model",
        "status",
        "progress",
        "last_contact_id",
        "lease_expires_at",
        "created_at",
        "started_at",
        "finished_at",
        "error",
    )

    @admin.display(description="version", ordering="scoring_model__version")
    def version(self, run: RescoreRun) -> str:
        return f"v{run.scoring_model.version}"

    @admin.display(description="progress")
    def progress(self, run: RescoreRun) -> SafeString:
        return progress_bar(run)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


from . import admin_contact  # noqa: E402, F401  (the Contact admin, with its score)

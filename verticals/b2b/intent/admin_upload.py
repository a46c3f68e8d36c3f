"""The admin's "Import a CSV export" page on the intent signals' list: the management
command's import (:func:`.csv_import.intent_csv_import`) as a form, for whoever may edit data
in the workspace chosen (the API's role for posting signals). The report (counts, every bad row
by line and field) is shown on the page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path

from como.workspaces.models import Workspace
from como.workspaces.principal import principal_for_request
from como.workspaces.roles import Permission

from .csv_import import MAX_FILE_BYTES, intent_csv_import
from .csv_presets import BY_KEY

UPLOAD_PERMISSION = Permission.EDIT_DATA


class IntentUploadForm(forms.Form):
    workspace = forms.ModelChoiceField(queryset=Workspace.objects.none())
    file = forms.FileField(allow_empty_file=True, help_text="A CSV export (6sense, Bombora …).")
    preset = forms.ChoiceField(
        required=False,
        choices=[("", "Recognise from the header row"), *((k, k) for k in BY_KEY)],
    )
    week = forms.DateField(
        required=False,
        help_text="The Monday of the week a file without a week column is for; blank: this week.",
    )

    def __init__(self, *args: Any, workspaces: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["workspace"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = workspaces

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(f"At most {MAX_FILE_BYTES} bytes.")
        return upload

    def clean_week(self) -> Any:
        week = self.cleaned_data.get("week")
        if week is not None and week.isoweekday() != 1:
            raise forms.ValidationError(f"{week} is a {week:%A}; give the week's Monday.")
        return week


def _workspaces(request: HttpRequest) -> Any:
    principal = principal_for_request(request)
    workspaces = Workspace.objects.order_by("name")
    if principal.is_superuser:
        return workspaces
    return workspaces.filter(pk__in=sorted(principal.workspaces_with(UPLOAD_PERMISSION)))


def may_upload(request: HttpRequest) -> bool:
    principal = principal_for_request(request)
    return principal.is_superuser or bool(principal.workspaces_with(UPLOAD_PERMISSION))


class IntentUploadMixin:
    """For the IntentSignal ModelAdmin: the upload URL and its page; the changelist's button is
    in ``admin/vertical_b2b/intentsignal/change_list.html``, shown when ``may_upload``."""

    def get_urls(self) -> list[URLPattern]:
        opts = self.model._meta  # type: ignore[attr-defined]
        upload = path(
            "upload/",
            self.admin_site.admin_view(self.upload_view),  # type: ignore[attr-defined]
            name=f"{opts.app_label}_{opts.model_name}_upload",
        )
        return [upload, *super().get_urls()]  # type: ignore[misc]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        extra_context = {**(extra_context or {}), "may_upload": may_upload(request)}
        return super().changelist_view(request, extra_context)  # type: ignore[misc]

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        if not may_upload(request):
            raise PermissionDenied
        workspaces = _workspaces(request)
        report = None
        if request.method == "POST":
            form = IntentUploadForm(request.POST, request.FILES, workspaces=workspaces)
            if form.is_valid():
                values = form.cleaned_data
                report = intent_csv_import(
                    workspace=values["workspace"],
                    data=values["file"].read(),
                    preset_key=values["preset"],
                    week=values["week"],
                )
        else:
            form = IntentUploadForm(workspaces=workspaces)
        context = {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "opts": self.model._meta,  # type: ignore[attr-defined]
            "title": "Import a CSV export of intent data",
            "form": form,
            "report": report,
        }
        return TemplateResponse(request, "admin/vertical_b2b/intentsignal/upload.html", context)

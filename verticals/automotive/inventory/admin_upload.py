"""The admin's "Upload a feed" page on the inventory imports' list.

It is the API's upload (``POST /api/v1/inventory/imports``) as a form: the same role (edit
data in the rooftop's workspace) and the same service, :func:`.importing.services.
inventory_import_upload`, whose refusals (size, format) land on the form's fields.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from como.workspaces.principal import principal_for_request
from como.workspaces.roles import Permission

from .formats.base import FORMATS
from .importing.services import inventory_import_upload
from .models import Rooftop

#: What the API's POST asks of its caller (``target_workspace``'s default).
UPLOAD_PERMISSION = Permission.EDIT_DATA


class InventoryUploadForm(forms.Form):
    rooftop = forms.ModelChoiceField(queryset=Rooftop.objects.none())
    file = forms.FileField(allow_empty_file=True)
    format = forms.ChoiceField(required=False, help_text="Blank: recognised from the file.")
    full = forms.BooleanField(
        required=False,
        help_text="The file lists the rooftop's whole inventory: vehicles missing from it are "
        "removed (or held for approval when many are).",
    )

    def __init__(self, *args: Any, rooftops: QuerySet[Rooftop], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only rooftops the caller may write to: a forged id is "not one of the choices".
        rooftop_field = self.fields["rooftop"]
        assert isinstance(rooftop_field, forms.ModelChoiceField)
        rooftop_field.queryset = rooftops
        format_field = self.fields["format"]
        assert isinstance(format_field, forms.ChoiceField)
        format_field.choices = [("", "Recognise"), *((key, key) for key in sorted(FORMATS.keys()))]


def uploadable_rooftops(request: HttpRequest) -> QuerySet[Rooftop]:
    principal = principal_for_request(request)
    rooftops = Rooftop.objects.select_related("workspace").order_by("workspace__name", "name")
    if principal.is_superuser:
        return rooftops
    return rooftops.filter(workspace_id__in=sorted(principal.workspaces_with(UPLOAD_PERMISSION)))


def may_upload(request: HttpRequest) -> bool:
    principal = principal_for_request(request)
    return principal.is_superuser or bool(principal.workspaces_with(UPLOAD_PERMISSION))


class InventoryUploadMixin:
    """For the InventoryImport ModelAdmin: the upload URL and its page. The changelist's button
    is in ``admin/vertical_automotive/inventoryimport/change_list.html`` (the admin's default
    template path for the model), shown when ``may_upload``."""

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
        rooftops = uploadable_rooftops(request)
        if request.method == "POST":
            form = InventoryUploadForm(request.POST, request.FILES, rooftops=rooftops)
            if form.is_valid():
                values = form.cleaned_data
                try:
                    record = inventory_import_upload(
                        rooftop=values["rooftop"],
                        upload=values["file"],
                        full=values["full"],
                        format_key=values["format"] or None,
                        user=request.user,
                    )
                except ValidationError as refused:
                    form.add_error(None, refused)  # field-keyed: onto "file" or "format"
                else:
                    self.message_user(  # type: ignore[attr-defined]
                        request, f"Import {record.pk}: {record.status}."
                    )
                    opts = self.model._meta  # type: ignore[attr-defined]
                    change = f"admin:{opts.app_label}_{opts.model_name}_change"
                    return HttpResponseRedirect(reverse(change, args=[record.pk]))
        else:
            form = InventoryUploadForm(rooftops=rooftops)
        context = {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "opts": self.model._meta,  # type: ignore[attr-defined]
            "title": "Upload a feed",
            "form": form,
        }
        return TemplateResponse(
            request, "admin/vertical_automotive/inventoryimport/upload.html", context
        )

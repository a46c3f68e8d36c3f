"""Admin pages of co-op: programs (edited with validation, with their funds as columns and
a page adding the default OEM programs), the campaigns run under them, and claims (with the
claim package as a download).

The funds columns all read :func:`.selectors.program_funds`, the API's source too."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html

from como.workspaces.admin_base import WorkspaceScopedAdmin
from como.workspaces.models import Workspace
from como.workspaces.principal import principal_for_request
from como.workspaces.roles import Permission

from ..inventory.models import Rooftop
from . import services
from .claims.export import claim_package, package_name
from .models import PROGRAM_FIELDS, CoopCampaign, CoopClaim, CoopProgram
from .selectors import Funds, program_funds


def _writable_workspaces(request: HttpRequest) -> QuerySet[Workspace]:
    principal = principal_for_request(request)
    workspaces = Workspace.objects.order_by("name")
    if principal.is_superuser:
        return workspaces
    return workspaces.filter(pk__in=sorted(principal.workspaces_with(Permission.EDIT_DATA)))


class SeedForm(forms.Form):
    workspace = forms.ModelChoiceField(queryset=Workspace.objects.none())

    def __init__(self, *args: Any, workspaces: QuerySet[Workspace], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["workspace"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = workspaces


class CoopProgramForm(forms.ModelForm):
    class Meta:
        model = CoopProgram
        fields = ["workspace", *PROGRAM_FIELDS]

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        workspace = self.cleaned_data.get("workspace")
        rooftops = self.cleaned_data.get("rooftops")
        if (
            workspace is not None
            and rooftops is not None
            and any(r.workspace_id != workspace.pk for r in rooftops)
        ):
            self.add_error("rooftops", "Pick rooftops of the program's workspace.")
        return cleaned


@admin.register(CoopProgram)
class CoopProgramAdmin(WorkspaceScopedAdmin):
    form = CoopProgramForm
    list_display = [
        "name",
        "oem",
        "workspace",
        "confirmed",
        "accrued",
        "claimed",
        "reimbursed",
        "expiring",
    ]
    list_filter = ["workspace", "oem", "confirmed"]
    search_fields = ["name", "key", "oem"]
    list_select_related = ["workspace"]
    readonly_fields = ["created_at", "updated_at"]

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        # The base scopes foreign keys only: rooftops of other workspaces are never offered.
        if db_field.name == "rooftops":
            kwargs["queryset"] = Rooftop.objects.visible_to(principal_for_request(request))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def _funds(self, obj: CoopProgram) -> Funds:
        # One selector call per row, shared by its four columns.
        cached: Funds | None = getattr(obj, "_coop_funds", None)
        if cached is None:
            cached = program_funds(obj, today=timezone.localdate())
            obj._coop_funds = cached  # type: ignore[attr-defined]
        return cached

    @admin.display(description="Accrued")
    def accrued(self, obj: CoopProgram) -> str:
        funds = self._funds(obj)
        return f"{funds.accrued.amount} ({funds.accrued.units} units)"

    @admin.display(description="Claimed")
    def claimed(self, obj: CoopProgram) -> str:
        return str(self._funds(obj).claimed)

    @admin.display(description="Reimbursed")
    def reimbursed(self, obj: CoopProgram) -> str:
        return str(self._funds(obj).reimbursed)

    @admin.display(description="Expiring (14 days)")
    def expiring(self, obj: CoopProgram) -> str:
        funds = self._funds(obj)
        if not funds.expiring:
            return "-"
        return f"{funds.expiring} by {funds.expiring_on:%Y-%m-%d}"

    def get_urls(self) -> list[URLPattern]:
        opts = self.model._meta
        seed = path(
            "seed/",
            self.admin_site.admin_view(self.seed_view),
            name=f"{opts.app_label}_{opts.model_name}_seed",
        )
        return [seed, *super().get_urls()]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        extra_context = {**(extra_context or {}), "may_seed": self.has_add_permission(request)}
        return super().changelist_view(request, extra_context)

    def seed_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        workspaces = _writable_workspaces(request)
        form = SeedForm(request.POST or None, workspaces=workspaces)
        if request.method == "POST" and form.is_valid():
            workspace = form.cleaned_data["workspace"]
            created = services.coop_programs_seed(workspace=workspace)
            names = ", ".join(p.name for p in created) or "none (it has them all)"
            self.message_user(
                request,
                f"Added to {workspace}: {names}. Confirm each against the OEM's program guide.",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:vertical_automotive_coopprogram_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Add the default OEM co-op programs",
            "form": form,
        }
        return TemplateResponse(request, "admin/vertical_automotive/coopprogram/seed.html", context)


@admin.register(CoopCampaign)
class CoopCampaignAdmin(WorkspaceScopedAdmin):
    list_display = ["campaign", "program", "workspace", "window_closes", "window_warned_at"]
    list_filter = ["workspace"]
    list_select_related = ["workspace", "program", "campaign"]
    search_fields = ["campaign__name", "program__name"]

    @admin.display(description="Claim window closes")
    def window_closes(self, obj: CoopCampaign) -> Any:
        return obj.claim_window_closes() or "-"


@admin.register(CoopClaim)
class CoopClaimAdmin(WorkspaceScopedAdmin):
    list_display = [
        "__str__",
        "status",
        "amount_claimed",
        "amount_reimbursed",
        "submitted_at",
        "workspace",
        "package",
    ]
    list_filter = ["workspace", "status"]
    list_select_related = ["workspace", "program", "campaign"]
    search_fields = ["campaign__name", "program__name", "note"]
    readonly_fields = ["created_at", "updated_at"]

    @admin.display(description="Package")
    def package(self, obj: CoopClaim) -> str:
        url = reverse("admin:vertical_automotive_coopclaim_package", args=[obj.pk])
        return format_html('<a href="{}">ZIP</a>', url)

    def get_urls(self) -> list[URLPattern]:
        opts = self.model._meta
        package = path(
            "<path:object_id>/package/",
            self.admin_site.admin_view(self.package_view),
            name=f"{opts.app_label}_{opts.model_name}_package",
        )
        return [package, *super().get_urls()]

    def package_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        # Through the scoped queryset: another workspace's claim is a 404, like a missing one.
        claim = self.get_object(request, object_id)
        if claim is None or not self.has_view_permission(request, claim):
            raise Http404("No such claim.")
        response = HttpResponse(
            claim_package(claim, now=timezone.now()), content_type="application/zip"
        )
        response["Content-Disposition"] = f'attachment; filename="{package_name(claim)}"'
        return response

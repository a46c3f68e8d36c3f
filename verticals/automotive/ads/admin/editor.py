"""The creative template editor: one page per workspace and creative kind, where a member
edits each field's Jinja2 source next to a live preview on a vehicle of the workspace and the
compliance findings of that preview.

The page is ``editor/<workspace id>/<kind>/`` under the templates' list; anyone who may view
the workspace opens it and previews, saving needs ``configure_playbook`` (the playbook's
permission: templates are the workspace's advertising policy). Another workspace, or a kind
that does not exist, is a 404 like a row that does not exist. Saving goes through
:func:`..creative.editing.creative_template_save`, previewing through
:func:`..creative.preview.vehicle_preview`: the page holds no logic of its own. The preview
is an HTML fragment the page fetches again as the sources or the vehicle change (plain
``fetch``; django-htmx is not installed)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join

from como.workspaces.admin_base import ReadOnlyScopedAdmin
from como.workspaces.models import Workspace
from como.workspaces.principal import principal_for_request
from como.workspaces.roles import Permission

from ...inventory.models import Vehicle
from ..creative import SPECS, CreativeSpec, templates_for
from ..creative.editing import creative_template_save
from ..creative.preview import vehicle_preview
from ..models import CreativeTemplate

#: Saving a template needs what changing the playbook needs.
EDIT_PERMISSION = Permission.CONFIGURE_PLAYBOOK
#: The vehicle select lists the newest this many; a large group has tens of thousands.
VEHICLE_CHOICES = 500
TEMPLATES = "admin/vertical_automotive/creativetemplate/"
#: The templates are this vertical's: a workspace of another vertical has none to edit.
VERTICAL = "automotive"


def _url(name: str, workspace_id: int, kind: str) -> str:
    return reverse(f"admin:vertical_automotive_creativetemplate_{name}", args=[workspace_id, kind])


def editor_links(request: HttpRequest) -> list[dict[str, Any]]:
    """Per workspace the caller may view: a link to each creative's editor."""
    principal = principal_for_request(request)
    workspaces = Workspace.objects.order_by("name")
    if not principal.is_superuser:
        workspaces = workspaces.filter(pk__in=sorted(principal.workspaces_with(Permission.VIEW)))
    return [
        {
            "workspace": workspace,
            "kinds": [
                {"title": spec.title, "url": _url("editor", workspace.pk, spec.key)}
                for spec in SPECS.all()
            ],
        }
        for workspace in workspaces.filter(vertical=VERTICAL)
    ]


def _scoped(request: HttpRequest, workspace_id: int, kind: str) -> tuple[Workspace, CreativeSpec]:
    """The workspace and creative of the URL, or a 404 when the caller may not view it."""
    spec = SPECS.find(kind)
    if spec is None or not principal_for_request(request).can(Permission.VIEW, workspace_id):
        raise Http404("No such creative template.")
    workspace = Workspace.objects.filter(pk=workspace_id, vertical=VERTICAL).first()
    if workspace is None:
        raise Http404("No such creative template.")
    return workspace, spec


def _vehicle(workspace: Workspace, given: Any) -> Vehicle | None:
    """The chosen vehicle if it is the workspace's, else its newest one (or none)."""
    vehicles = Vehicle.objects.filter(workspace=workspace)
    if isinstance(given, str) and given.isdigit() and len(given) < 19:
        chosen = vehicles.filter(pk=int(given)).first()
        if chosen is not None:
            return chosen
    return vehicles.order_by("-id").first()


def _sources(spec: CreativeSpec, data: Any) -> dict[str, str]:
    return {f.name: data[f.name] for f in spec.fields if f.name in data}


def _preview_context(
    workspace: Workspace, spec: CreativeSpec, vehicle: Vehicle | None, sources: dict[str, str]
) -> dict[str, Any]:
    if vehicle is None:
        return {"preview_error": "The workspace has no vehicles yet: import a feed first."}
    try:
        result = vehicle_preview(vehicle=vehicle, kind=spec.key, sources=sources)
    except ValidationError as refused:
        return {"preview_error": " ".join(refused.messages)}
    fields = [
        {"name": name, "lines": value if isinstance(value, list) else None, "text": value}
        for name, value in result.fields.items()
    ]
    return {
        "vehicle": vehicle,
        "result": result,
        "rendered": fields,
        "payload_json": json.dumps(result.payload, indent=2, ensure_ascii=False, default=str),
        "findings": result.findings,
    }


class CreativeTemplateEditorMixin:
    """For the CreativeTemplate ModelAdmin: the editor's and the preview's URLs and pages."""

    def get_urls(self) -> list[URLPattern]:
        site = self.admin_site  # type: ignore[attr-defined]
        prefix = "vertical_automotive_creativetemplate"
        own = [
            path(
                "editor/<int:workspace_id>/<str:kind>/",
                site.admin_view(self.editor_view),
                name=f"{prefix}_editor",
            ),
            path(
                "editor/<int:workspace_id>/<str:kind>/preview/",
                site.admin_view(self.preview_view),
                name=f"{prefix}_preview",
            ),
        ]
        return [*own, *super().get_urls()]  # type: ignore[misc]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        extra_context = {**(extra_context or {}), "editor_links": editor_links(request)}
        return super().changelist_view(request, extra_context)  # type: ignore[misc]

    def editor_view(self, request: HttpRequest, workspace_id: int, kind: str) -> HttpResponse:
        workspace, spec = _scoped(request, workspace_id, kind)
        may_save = principal_for_request(request).can(EDIT_PERMISSION, workspace.pk)
        sources = templates_for(workspace)[spec.key]
        errors: dict[str, list[str]] = {}
        if request.method == "POST":
            if not may_save:
                raise PermissionDenied
            edited = _sources(spec, request.POST)
            try:
                creative_template_save(
                    workspace=workspace, kind=spec.key, fields=edited, user=request.user
                )
            except ValidationError as refused:
                errors = refused.message_dict
                sources.update(edited)
            else:
                self.message_user(  # type: ignore[attr-defined]
                    request, f"{spec.title}: saved for {workspace.name}."
                )
                target = _url("editor", workspace.pk, spec.key)
                chosen = request.POST.get("vehicle", "")
                query = urlencode({"vehicle": chosen}) if chosen else ""
                return HttpResponseRedirect(f"{target}?{query}" if query else target)
        vehicle = _vehicle(workspace, request.POST.get("vehicle") or request.GET.get("vehicle"))
        choices = Vehicle.objects.filter(workspace=workspace).order_by("-id")[:VEHICLE_CHOICES]
        context = {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "opts": self.model._meta,  # type: ignore[attr-defined]
            "title": f"{spec.title} — {workspace.name}",
            "workspace": workspace,
            "spec": spec,
            "fields": [
                {"spec": f, "source": sources.get(f.name, f.default), "errors": errors.get(f.name)}
                for f in spec.fields
            ],
            "form_errors": errors.get("__all__"),
            "may_save": may_save,
            "vehicles": list(choices),
            "chosen": vehicle,
            "preview_url": _url("preview", workspace.pk, spec.key),
            **_preview_context(workspace, spec, vehicle, sources),
        }
        return TemplateResponse(request, TEMPLATES + "editor.html", context)

    def preview_view(self, request: HttpRequest, workspace_id: int, kind: str) -> HttpResponse:
        workspace, spec = _scoped(request, workspace_id, kind)
        if request.method != "POST":
            return HttpResponse(status=405, headers={"Allow": "POST"})
        vehicle = _vehicle(workspace, request.POST.get("vehicle"))
        context = _preview_context(workspace, spec, vehicle, _sources(spec, request.POST))
        return TemplateResponse(request, TEMPLATES + "preview.html", context)


@admin.register(CreativeTemplate)
class CreativeTemplateAdmin(CreativeTemplateEditorMixin, ReadOnlyScopedAdmin):
    """The workspaces' edited templates (a kind a workspace never edited reads the defaults
    and has no row); each is changed in the editor, never on this page."""

    list_display = ["kind", "workspace", "edited_fields", "updated_by", "updated_at"]
    list_filter = ["kind", "workspace"]
    list_select_related = ["workspace", "updated_by"]
    fields = ("workspace", "kind", "sources", "updated_by", "updated_at", "editor")
    readonly_fields = fields

    @admin.display(description="edited fields")
    def edited_fields(self, obj: CreativeTemplate) -> str:
        fields = obj.fields if isinstance(obj.fields, dict) else {}
        return ", ".join(sorted(fields)) or "none (defaults)"

    @admin.display(description="sources")
    def sources(self, obj: CreativeTemplate) -> str:
        fields = obj.fields if isinstance(obj.fields, dict) else {}
        if not fields:
            return "none: every field reads the default"
        rows = format_html_join(
            "", "<dt>{}</dt><dd><pre>{}</pre></dd>", ((k, str(v)) for k, v in fields.items())
        )
        return format_html("<dl>{}</dl>", rows)

    @admin.display(description="edit")
    def editor(self, obj: CreativeTemplate) -> str:
        if SPECS.find(obj.kind) is None:
            return "-"
        return format_html(
            '<a href="{}">Open the editor</a>', _url("editor", obj.workspace_id, obj.kind)
        )

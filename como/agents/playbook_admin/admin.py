"""The playbook in the admin: the editor (a page per section), its preview, and the versions.

The editor's pages are the playbook's change view with ``?section=<key>``
(:data:`.sections.SECTIONS`); ``?section=advanced`` is Django's change form over every setting
(:mod:`.advanced`). Every page reads the playbook through the scoped base, so another
workspace's playbook answers like a missing one; saving needs ``configure_playbook``. The
scoring preview is ``<id>/scoring-preview/`` on the same base, posted by the page as the form
changes. :class:`PlaybookVersionAdmin` lists the versions and shows each one's diff.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.views.decorators.http import require_POST

from como import verticals
from como.scoring.preview import scoring_change_preview
from como.scoring.services import scoring_model_active
from como.workspaces.admin_base import WorkspaceScopedAdmin
from como.workspaces.roles import Permission
from como.workspaces.users import signed_in

from ..models import Playbook, PlaybookVersion
from ..playbook_settings import SETTINGS, Source, sources
from ..playbook_versions import version_diff
from ..playbooks import playbook_scoring_update, playbook_update
from .advanced import _INHERIT_PREFIX, playbook_form_class
from .scoring import ScoringRulesForm
from .sections import SECTION_KEYS, section, section_form, shown_sections

#: The section a playbook's page opens on.
FIRST_SECTION = "approval"
ADVANCED = "advanced"


@admin.register(Playbook)
class PlaybookAdmin(WorkspaceScopedAdmin):
    """A workspace's playbook: the editor's section pages (``?section=``, approval policy by
    default), the scoring preview, and the advanced view (``?section=advanced``: every setting
    on one page with where its value comes from, Django's own change form). Every save goes
    through the playbook services and is a version."""

    write_permission = Permission.CONFIGURE_PLAYBOOK
    list_display = [
        "workspace",
        "auto_approve_kinds",
        "two_approver_kinds",
        "two_approver_spend_above",
        "handoff_sla_minutes",
        "chosen_settings",
        "updated_at",
    ]
    list_filter = ["workspace"]
    list_select_related = ["workspace"]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        kwargs["form"] = playbook_form_class()
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Each setting's "not chosen" box right under it.
        form = self.get_form(request, obj, fields=None)
        names = [name for name in form.base_fields if not name.startswith(_INHERIT_PREFIX)]
        fields: list[str] = []
        for name in [*names, *self.get_readonly_fields(request, obj)]:
            if name in fields:
                continue
            fields.append(name)
            if name in SETTINGS:
                fields.append(f"{_INHERIT_PREFIX}{name}")
        return fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # One playbook per workspace, for good: it is not moved to another.
        if obj is None:
            return ["updated_at"]
        return ["workspace", "setting_sources", "updated_at"]

    @admin.display(description="chosen by the workspace")
    def chosen_settings(self, obj: Playbook) -> str:
        return ", ".join(name for name in SETTINGS if name in (obj.overrides or {})) or "-"

    @admin.display(description="where each setting comes from")
    def setting_sources(self, obj: Playbook) -> SafeString:
        vertical = obj.workspace.vertical
        name = verticals.get(vertical).name if verticals.is_registered(vertical) else vertical
        label = {
            Source.WORKSPACE: "chosen by the workspace",
            Source.VERTICAL: f"the {name} vertical's default",
            Source.BUILT_IN: "built-in default",
        }
        values = obj.effective.model_dump(mode="json")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
            (
                (setting, json.dumps(values[setting], default=str), label[source])
                for setting, source in sources(vertical, obj.overrides or {}).items()
            ),
        )
        return format_html(
            "<table><tr><th>setting</th><th>value</th><th>from</th></tr>{}</table>", rows
        )

    def save_model(self, request: HttpRequest, obj: Playbook, form: Any, change: bool) -> None:
        # The form has validated the choices against the workspace's vertical.
        playbook_update(
            playbook=obj,
            inherit=form.inherited,
            by=signed_in(request.user),
            note="Saved in the advanced view.",
            **form.chosen,
        )

    # --- the editor ---------------------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/scoring-preview/",
                self.admin_site.admin_view(require_POST(self.scoring_preview_view)),
                name="{}_{}_scoring_preview".format(*info),
            ),
            *super().get_urls(),
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        key = request.GET.get("section", FIRST_SECTION)
        if key == ADVANCED:
            return super().change_view(request, object_id, form_url, extra_context)
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            # As Django answers a missing row: another workspace's is no different.
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if key not in SECTION_KEYS:
            key = FIRST_SECTION
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        if request.method == "POST" and not self.has_change_permission(request, obj):
            raise PermissionDenied
        data = request.POST if request.method == "POST" else None
        if key == "scoring":
            current = scoring_model_active(workspace=obj.workspace).definition
            form: Any = ScoringRulesForm(obj, current, data)
            if data is not None and form.is_valid():
                try:
                    version = playbook_scoring_update(
                        playbook=obj,
                        definition=form.definition,
                        by=signed_in(request.user),
                        note=form.note,
                    )
                except ValidationError as error:
                    form.main.add_error(None, error)
                else:
                    return self._saved(request, obj, key, version)
        else:
            form = section_form(obj, key, data)
            if data is not None and form.is_valid():
                latest = _latest_number(obj)
                try:
                    playbook_update(
                        playbook=obj,
                        by=signed_in(request.user),
                        note=form.cleaned_data.get("note") or "",
                        **form.chosen,
                    )
                except ValidationError as error:
                    for name, problems in error.message_dict.items():
                        form.add_error(None, [f"{name}: {p}" for p in problems])
                else:
                    version = (
                        PlaybookVersion.objects.filter(
                            workspace_id=obj.workspace_id, number__gt=latest
                        )
                        .order_by("-number")
                        .first()
                    )
                    return self._saved(request, obj, key, version)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{obj.workspace.name}: playbook",
            "playbook": obj,
            "workspace": obj.workspace,
            "sections": shown_sections(),
            "section": section(key),
            "form": form,
            "can_change": self.has_change_permission(request, obj),
            "versions": PlaybookVersion.objects.filter(workspace_id=obj.workspace_id)
            .select_related("created_by")
            .order_by("-number")[:8],
            "versions_url": reverse("admin:agents_playbookversion_changelist")
            + f"?workspace__id__exact={obj.workspace_id}",
            "advanced_url": f"?section={ADVANCED}",
            "preview_url": reverse("admin:agents_playbook_scoring_preview", args=[obj.pk]),
            **(extra_context or {}),
        }
        template = "admin/agents/playbook/editor.html"
        return TemplateResponse(request, template, context, status=400 if data else 200)

    def _saved(
        self, request: HttpRequest, obj: Playbook, key: str, version: PlaybookVersion | None
    ) -> HttpResponse:
        if version is None:
            self.message_user(request, "Nothing changed: no new version.", messages.INFO)
        else:
            url = reverse("admin:agents_playbookversion_change", args=[version.pk])
            self.message_user(
                request,
                format_html(
                    'Saved as <a class="saved-version" href="{}">version {}</a>.',
                    url,
                    version.number,
                ),
                messages.SUCCESS,
            )
        return HttpResponseRedirect(f"{request.path}?section={key}")

    def scoring_preview_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The preview of the posted scoring form: counts and samples, or its errors (400)."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        current = scoring_model_active(workspace=obj.workspace).definition
        form = ScoringRulesForm(obj, current, request.POST)
        template = "admin/agents/playbook/scoring_preview.html"
        if not form.is_valid():
            context = {"errors": form.error_lines()}
            return TemplateResponse(request, template, context, status=400)
        assert form.definition is not None
        preview = scoring_change_preview(workspace=obj.workspace, definition=form.definition)
        return TemplateResponse(request, template, {"preview": preview})

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _latest_number(playbook: Playbook) -> int:
    latest = (
        PlaybookVersion.objects.filter(workspace_id=playbook.workspace_id)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return latest or 0


@admin.register(PlaybookVersion)
class PlaybookVersionAdmin(WorkspaceScopedAdmin):
    """Every saved state of a playbook; a version's page shows its diff against the one before.
    Read-only: a version is history."""

    list_display = ["number", "workspace", "created_by", "created_at", "note", "changed"]
    list_filter = ["workspace"]
    list_select_related = ["workspace", "created_by"]
    fields = ("workspace", "number", "created_by", "created_at", "note", "scoring_model", "diff")
    readonly_fields = fields

    @admin.display(description="settings changed")
    def changed(self, obj: PlaybookVersion) -> str:
        return ", ".join(part.setting for part in version_diff(obj)) or "-"

    @admin.display(description="changes against the version before")
    def diff(self, obj: PlaybookVersion) -> SafeString:
        parts = version_diff(obj)
        if not parts:
            return format_html("<em>{}</em>", "No change.")
        rows = format_html_join(
            "",
            '<tr class="diff-{}"><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td>'
            "<td>→</td><td><code>{}</code></td></tr>",
            (
                (
                    change.kind,
                    part.setting,
                    change.path or "(the setting)",
                    change.kind,
                    "" if change.kind == "added" else _shown(change.before),
                    "" if change.kind == "removed" else _shown(change.after),
                )
                for part in parts
                for change in part.changes
            ),
        )
        return format_html(
            '<table class="playbook-diff" style="border-spacing: 1rem .25rem">'
            "<tr><th>setting</th><th>key</th><th>change</th>"
            "<th>before</th><th></th><th>after</th></tr>{}</table>",
            rows,
        )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)

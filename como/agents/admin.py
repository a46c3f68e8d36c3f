"""The approval queue in the admin and the actions' audit trail (the playbook: playbook_admin).

An action's page is read-only: rationale, preview (escaped, preformatted), the compliance report
as a table, its approvals and its transitions. A member who may approve in the action's workspace
gets two forms under it: approve (with a note, required when there are warnings) and reject (with
a reason). Both POST to views of their own, wrapped by ``admin_view`` (staff login, CSRF), and
call :mod:`como.agents.services`, which enforce the four-eyes rules; the page explains in
advance why a control is missing with the same rules
(:func:`como.agents.selectors.approval_refusals`). The changelist has the same decisions in
bulk ("approve selected", "reject selected"), through an intermediate page asking for the note
or reason, and reports what happened to each action.

Who may decide is the ``approve`` permission of the action's workspace: without it there are no
controls and a POST is refused (403); another workspace's action does not exist (404).
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.defaultfilters import linebreaksbr
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.views.decorators.http import require_POST
from unfold.admin import TabularInline

from como.workspaces.admin_base import (
    NoWritesMixin,
    ReadOnlyScopedAdmin,
    ReadOnlyScopedInline,
    RoleGatedMixin,
    WorkspaceScopedAdmin,
)
from como.workspaces.admin_changelist import CheckedChangeList
from como.workspaces.principal import CallerKind, principal_for_request
from como.workspaces.roles import Permission
from como.workspaces.users import User, signed_in

from .decisions import decide, label
from .models import (
    ActionApproval,
    ActionStatus,
    ActionTransition,
    AgentAction,
    Notification,
)
from .selectors import approval_refusals
from .serializers import DECISION_TEXT_MAX
from .subjects import Subject, creatives_of, subjects_of

# --- forms -----------------------------------------------------------------------------------


class ApproveForm(forms.Form):
    note = forms.CharField(
        required=False,
        max_length=DECISION_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text="Why it may go ahead; required when an action has compliance warnings.",
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        max_length=DECISION_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        error_messages={"required": "Say why: a rejection needs a reason."},
        help_text="Recorded on each action's audit trail.",
    )


# --- inlines ---------------------------------------------------------------------------------


class ActionApprovalInline(NoWritesMixin, RoleGatedMixin, TabularInline):
    """The approvals so far. They belong to the action (no workspace of their own), so they are
    scoped through it."""

    model = ActionApproval
    extra = 0
    can_delete = False
    fields = readonly_fields = ("user", "note", "created_at")
    verbose_name_plural = "approvals"

    def get_queryset(self, request: HttpRequest) -> Any:
        visible = AgentAction.objects.visible_to(principal_for_request(request))
        return (
            super()
            .get_queryset(request)
            .filter(action__in=visible.values("pk"))
            .select_related("user")
            .order_by("created_at", "id")
        )


class ActionTransitionInline(ReadOnlyScopedInline):
    model = ActionTransition
    fields = readonly_fields = ("at", "from_status", "to_status", "actor_kind", "actor", "note")
    verbose_name_plural = "audit trail"

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("actor")


# --- the approval queue ----------------------------------------------------------------------


class SubjectsChangeList(CheckedChangeList):
    """The page's actions with their subjects, read for the whole page at once."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        actions = list(self.result_list)
        for action, subject in zip(actions, subjects_of(actions), strict=True):
            action._subject = subject


def subject_of(obj: AgentAction) -> Subject:
    found = getattr(obj, "_subject", None)
    return found if isinstance(found, Subject) else subjects_of([obj])[0]


_PROPOSAL_FIELDS = (
    "workspace",
    "status",
    "agent",
    "kind",
    "channel",
    "target",
    "risk",
    "spend",
    "proposed_by",
    "created_at",
    "expires_at",
    "approval_progress",
    "rationale_display",
)
#: The fields of a creative (como.agents.subjects.Creative) the preview prints as text.
_PREVIEWED = ("subject", "headline", "primary_text", "description", "body", "link", "url")
_EXECUTION_FIELDS = (
    "idempotency_key",
    "payload_display",
    "approved_at",
    "claimed_at",
    "attempts",
    "next_attempt_at",
    "finished_at",
    "result_display",
    "error",
)


@admin.register(AgentAction)
class AgentActionAdmin(NoWritesMixin, WorkspaceScopedAdmin):
    # The row is the proposal: nobody adds, edits or deletes it here (NoWritesMixin); the
    # decisions have their own forms below it.
    write_permission = Permission.APPROVE
    change_form_template = "admin/agents/agentaction/change_form.html"
    list_display = [
        "id",
        "kind",
        "target",
        "agent",
        "channel",
        "risk",
        "status",
        "approval_progress",
        "compliance",
        "workspace",
        "proposed_by",
        "created_at",
    ]
    list_display_links = ["id", "kind"]
    list_filter = ["workspace", "agent", "kind", "channel", "risk", "status"]
    list_select_related = ["workspace", "proposed_by"]
    search_fields = ["rationale", "target_id", "idempotency_key"]
    fieldsets = [
        (None, {"fields": _PROPOSAL_FIELDS}),
        ("Preview", {"fields": ["preview_display"]}),
        ("Compliance report", {"fields": ["findings_table"]}),
        ("Execution", {"fields": _EXECUTION_FIELDS}),
    ]
    readonly_fields = (*_PROPOSAL_FIELDS, "preview_display", "findings_table", *_EXECUTION_FIELDS)
    inlines = [ActionApprovalInline, ActionTransitionInline]
    actions = ["approve_selected", "reject_selected"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch(
                    "approvals",
                    queryset=ActionApproval.objects.only("id", "action_id", "user_id"),
                )
            )
        )

    def has_approve_permission(self, request: HttpRequest) -> bool:
        """The bulk decisions are offered to whoever may approve in some workspace."""
        principal = principal_for_request(request)
        if principal.kind in (CallerKind.API_KEY, CallerKind.AGENT):
            return False
        return principal.is_superuser or bool(principal.workspaces_with(Permission.APPROVE))

    # --- columns and read-only fields ---------------------------------------------------------

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> Any:
        return SubjectsChangeList

    @admin.display(description="what and whom")
    def target(self, obj: AgentAction) -> str:
        return str(subject_of(obj))

    @admin.display(description="approvals")
    def approval_progress(self, obj: AgentAction) -> str:
        return f"{len(obj.approvals.all())} of {obj.required_approvals}"

    @admin.display(description="compliance")
    def compliance(self, obj: AgentAction) -> str:
        blocking, warnings = len(obj.blocking_findings), len(obj.warnings)
        if not blocking and not warnings:
            return "clear"
        parts = [f"{blocking} blocking"] if blocking else []
        if warnings:
            parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
        return ", ".join(parts)

    @admin.display(description="rationale")
    def rationale_display(self, obj: AgentAction) -> SafeString:
        return format_html("<div>{}</div>", linebreaksbr(obj.rationale))

    @admin.display(description="preview")
    def preview_display(self, obj: AgentAction) -> SafeString:
        if obj.preview:
            return _pre(obj.preview)
        # No preview text recorded: the creative as its channel composes it (an SMS's body,
        # an email's subject and text), as the inbox draws it.
        pieces = [
            "\n".join(
                [piece.label, *(str(v) for k, v in piece.fields.items() if k in _PREVIEWED and v)]
            )
            for piece in creatives_of(obj)
        ]
        if not pieces:
            return format_html("<em>{}</em>", "No preview.")
        return _pre("\n\n".join(pieces))

    @admin.display(description="findings")
    def findings_table(self, obj: AgentAction) -> SafeString:
        findings = [f for f in obj.findings or [] if isinstance(f, dict)]
        if not findings:
            return format_html("<em>{}</em>", "No findings: every check passed.")
        rows = format_html_join(
            "",
            "<tr><td><strong>{}</strong></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    _text(finding.get("severity")),
                    _text(finding.get("rule")),
                    _text(finding.get("message")),
                    _text(finding.get("citation")),
                    _text(finding.get("fix_hint", finding.get("fix"))),
                )
                for finding in findings
            ),
        )
        return format_html(
            '<table class="findings"><thead><tr><th>severity</th><th>rule</th><th>message</th>'
            "<th>citation</th><th>fix hint</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    @admin.display(description="payload")
    def payload_display(self, obj: AgentAction) -> SafeString:
        return _pre(json.dumps(obj.payload, indent=2, ensure_ascii=False, default=str))

    @admin.display(description="result")
    def result_display(self, obj: AgentAction) -> SafeString:
        if not obj.result:
            return format_html("<em>{}</em>", "None yet.")
        return _pre(json.dumps(obj.result, indent=2, ensure_ascii=False, default=str))

    # --- one action: the decision forms under its page ---------------------------------------

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/approve/",
                self.admin_site.admin_view(require_POST(self.approve_view)),
                name="{}_{}_approve".format(*info),
            ),
            path(
                "<path:object_id>/reject/",
                self.admin_site.admin_view(require_POST(self.reject_view)),
                name="{}_{}_reject".format(*info),
            ),
            *super().get_urls(),
        ]

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> Any:
        context["decision"] = self._decision(request, obj) if obj is not None else None
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _decision(self, request: HttpRequest, obj: AgentAction) -> dict[str, Any] | None:
        """What the decision panel offers this caller on this action (None: no panel): the
        service's own refusals (:func:`como.agents.selectors.approval_refusals`), shown before
        anyone presses a button."""
        if obj.status != ActionStatus.PROPOSED or not _may_decide(request, obj):
            return None
        user = signed_in(request.user)
        reasons = [refusal.message for refusal in approval_refusals(action=obj, user=user)]
        return {
            "can_approve": not reasons,
            "reasons": reasons,
            "note_required": bool(obj.warnings),
            "approve_url": self._url("approve", obj),
            "reject_url": self._url("reject", obj),
        }

    def approve_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._decide_view(request, object_id, "approve", ApproveForm, "note")

    def reject_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._decide_view(request, object_id, "reject", RejectForm, "reason")

    def _decide_view(
        self,
        request: HttpRequest,
        object_id: str,
        verdict: str,
        form_class: type[forms.Form],
        field: str,
    ) -> HttpResponse:
        obj = self._decidable(request, object_id)
        form = form_class(request.POST)
        if form.is_valid():
            user = signed_in(request.user)
            level, text = _decide(obj, user, verdict, form.cleaned_data[field])
            self.message_user(request, text, level)
        else:
            self.message_user(request, _form_errors(form), messages.ERROR)
        return HttpResponseRedirect(self._url("change", obj))

    def _decidable(self, request: HttpRequest, object_id: str) -> AgentAction:
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404("No such action.")
        if not _may_decide(request, obj):
            raise PermissionDenied("You may not approve or reject actions in this workspace.")
        return obj

    def _url(self, view: str, obj: AgentAction) -> str:
        return reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_{view}",
            args=[obj.pk],
            current_app=self.admin_site.name,
        )

    # --- many actions: bulk decisions through an intermediate page ---------------------------

    @admin.action(description="Approve selected actions", permissions=["approve"])
    def approve_selected(
        self, request: HttpRequest, queryset: QuerySet[AgentAction]
    ) -> HttpResponse | None:
        return self._decide_selected(request, queryset, "approve")

    @admin.action(description="Reject selected actions", permissions=["approve"])
    def reject_selected(
        self, request: HttpRequest, queryset: QuerySet[AgentAction]
    ) -> HttpResponse | None:
        return self._decide_selected(request, queryset, "reject")

    def _decide_selected(
        self, request: HttpRequest, queryset: QuerySet[AgentAction], verb: str
    ) -> HttpResponse | None:
        form_class: type[forms.Form] = ApproveForm if verb == "approve" else RejectForm
        chosen = list(queryset.select_related("workspace").order_by("pk"))
        if request.POST.get("apply"):
            form = form_class(request.POST)
            if form.is_valid():
                text = form.cleaned_data["note" if verb == "approve" else "reason"]
                for obj in chosen:
                    if not _may_decide(request, obj):
                        self.message_user(
                            request,
                            f"{label(obj)}: refused: you may not approve or reject actions in "
                            f"{obj.workspace}.",
                            messages.ERROR,
                        )
                        continue
                    level, outcome = _decide(obj, signed_in(request.user), verb, text)
                    self.message_user(request, outcome, level)
                return None  # back to the changelist, with a message per action
        else:
            form = form_class()
        context = {
            **self.admin_site.each_context(request),
            "title": "Approve actions" if verb == "approve" else "Reject actions",
            "verb": verb,
            "action": f"{verb}_selected",
            "actions": chosen,
            "form": form,
            "note_required": verb == "approve" and any(obj.warnings for obj in chosen),
            "opts": self.opts,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/agents/agentaction/decide_selected.html", context)


def _may_decide(request: HttpRequest, obj: AgentAction) -> bool:
    principal = principal_for_request(request)
    if principal.kind in (CallerKind.API_KEY, CallerKind.AGENT):
        return False
    return principal.can(Permission.APPROVE, obj.workspace_id)


def _decide(obj: AgentAction, user: User | None, verb: str, text: str) -> tuple[int, str]:
    """Approve or reject through the service; (message level, what happened) for the user."""
    outcome = decide(obj, user, "approve" if verb == "approve" else "reject", text)
    return (messages.SUCCESS if outcome.ok else messages.ERROR), outcome.message


def _form_errors(form: forms.Form) -> str:
    return " ".join(str(message) for errors in form.errors.values() for message in errors)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _pre(text: str) -> SafeString:
    return format_html('<pre style="white-space: pre-wrap; margin: 0">{}</pre>', text)


# --- the audit trail and notifications: read-only --------------------------------------------


@admin.register(ActionTransition)
class ActionTransitionAdmin(ReadOnlyScopedAdmin):
    list_display = ["at", "action", "from_status", "to_status", "actor_kind", "actor", "workspace"]
    list_filter = ["workspace", "to_status", "actor_kind"]
    list_select_related = ["workspace", "action", "actor"]
    fields = readonly_fields = (
        "workspace",
        "action",
        "from_status",
        "to_status",
        "actor_kind",
        "actor",
        "note",
        "at",
    )


@admin.register(Notification)
class NotificationAdmin(ReadOnlyScopedAdmin):
    list_display = ["title", "user", "workspace", "action", "created_at", "read_at"]
    list_filter = ["workspace"]
    list_select_related = ["workspace", "user", "action"]
    fields = readonly_fields = (
        "workspace",
        "user",
        "action",
        "title",
        "body",
        "link",
        "created_at",
        "read_at",
    )


from . import playbook_admin  # noqa: E402, F401  (the playbook editor and its versions)
from .handoff import admin as handoff_admin  # noqa: E402, F401  (territories, handoffs and their report)
from .inbox import admin as inbox_admin  # noqa: E402, F401  (the approval inbox)

"""Admin of the MQL handoff: territories (who sells where), handoffs (sales' verdicts) and the
report (per workspace and period).

- **Territories** need the configure-playbook permission. Their reps and manager are chosen
  among members holding a handoff role (sales, owner) of the territory's workspace.
- **Handoffs** are written by the agent; a member with ``handle_handoff`` in the handoff's
  workspace records the first touch, accepts (→ SQL) or rejects with a reason (→ recycled) on
  its page, through :mod:`como.agents.handoff.services`. The changelist opens with the report
  of the last 30 days; the report page takes any period.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import timezone

from como.workspaces.admin_base import (
    ReadOnlyScopedInline,
    WorkspaceScopedAdmin,
    WorkspaceScopedInline,
)
from como.workspaces.models import Membership, Workspace
from como.workspaces.principal import principal_for_request
from como.workspaces.roles import Permission
from como.workspaces.users import User, signed_in
from como.workspaces.validators import validate_day

from ..models import (
    Handoff,
    HandoffEscalation,
    HandoffOutcome,
    RejectReason,
    Territory,
    TerritoryRep,
)
from . import services
from .selectors import HandoffReport, handoff_handlers, handoff_report, handoff_roles

REPORT_DAYS = 30


def _handlers_for(request: HttpRequest, permission: Permission) -> Any:
    principal = principal_for_request(request)
    if principal.is_superuser:
        return handoff_handlers(Workspace.objects.values_list("pk", flat=True))
    return handoff_handlers(principal.workspaces_with(permission))


class HandlerChoices:
    """Admin mixin: the user foreign keys named in ``handler_fields`` list only the people who
    may handle handoffs in the workspaces where the user may write."""

    handler_fields: tuple[str, ...] = ()
    write_permission: Permission

    def formfield_for_foreignkey(
        self, db_field: models.ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.name in self.handler_fields:
            kwargs["queryset"] = _handlers_for(request, self.write_permission)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]


def _holds_handoff_role(workspace_id: int, user: User) -> bool:
    return Membership.objects.filter(
        workspace_id=workspace_id, user_id=user.pk, role__in=handoff_roles()
    ).exists()


# --- territories -------------------------------------------------------------------------------


class TerritoryRepFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        workspace_id = self.instance.workspace_id
        if not workspace_id:
            return
        for form in self.forms:
            user = (getattr(form, "cleaned_data", None) or {}).get("user")
            if user is None or form.cleaned_data.get("DELETE"):
                continue
            if not _holds_handoff_role(workspace_id, user):
                form.add_error("user", "Reps must be sales members (or owners) of the workspace.")


class TerritoryRepInline(HandlerChoices, WorkspaceScopedInline):
    model = TerritoryRep
    handler_fields = ("user",)
    formset = TerritoryRepFormSet
    fields = ["user", "position"]
    extra = 1
    write_permission = Permission.CONFIGURE_PLAYBOOK
    verbose_name = "rep"
    verbose_name_plural = "reps, in round-robin order"


class TerritoryForm(forms.ModelForm):
    class Meta:
        model = Territory
        fields = [
            "workspace",
            "name",
            "countries",
            "regions",
            "postal_prefixes",
            "is_default",
            "position",
            "manager",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        workspace = data.get("workspace") or getattr(self.instance, "workspace", None)
        manager = data.get("manager")
        if (
            workspace is not None
            and manager is not None
            and not _holds_handoff_role(workspace.pk, manager)
        ):
            self.add_error(
                "manager", "The manager must be a sales member (or owner) of the workspace."
            )
        countries = [c.strip().upper() for c in data.get("countries") or []]
        if any(len(c) != 2 or not c.isalpha() for c in countries):
            self.add_error("countries", "Give two-letter country codes, e.g. US,CA.")
        data["countries"] = countries
        return data


@admin.register(Territory)
class TerritoryAdmin(HandlerChoices, WorkspaceScopedAdmin):
    form = TerritoryForm
    handler_fields = ("manager",)
    write_permission = Permission.CONFIGURE_PLAYBOOK
    list_display = [
        "name",
        "workspace",
        "is_default",
        "countries",
        "regions",
        "postal_prefixes",
        "reps_in_order",
        "manager",
        "position",
    ]
    list_filter = ["workspace", "is_default"]
    list_select_related = ["workspace", "manager"]
    search_fields = ["name"]
    readonly_fields = ["rr_cursor", "created_at", "updated_at"]
    inlines = [TerritoryRepInline]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).prefetch_related("reps__user")

    @admin.display(description="reps")
    def reps_in_order(self, obj: Territory) -> str:
        return ", ".join(rep.user.get_username() for rep in obj.reps.all()) or "—"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "workspace"] if obj is not None else readonly

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # Saved again through the service, now with its reps: the MQLs that found nobody may
        # find them.
        rerouted = services.territory_save(territory=form.instance)
        if rerouted:
            self.message_user(request, f"{len(rerouted)} waiting handoff(s) found a rep.")


# --- handoffs ----------------------------------------------------------------------------------


class HandoffDecisionForm(forms.ModelForm):
    """No model field is edited here: the decision goes through the handoff services."""

    decision = forms.ChoiceField(
        required=False,
        choices=[
            ("", "—"),
            ("touch", "Record the first touch"),
            ("accept", "Accept: the contact becomes an SQL"),
            ("reject", "Reject: the contact is recycled"),
        ],
    )
    reject_reason = forms.ChoiceField(
        required=False, choices=[("", "—"), *RejectReason.choices], label="Reason (to reject)"
    )
    decision_note = forms.CharField(
        required=False,
        max_length=2000,
        label="Note",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text="Required when rejecting for another reason.",
    )

    class Meta:
        model = Handoff
        fields: list[str] = []

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        decision, reason = data.get("decision"), data.get("reject_reason")
        if decision == "reject" and not reason:
            self.add_error("reject_reason", "Choose why the lead is rejected.")
        note = (data.get("decision_note") or "").strip()
        if decision == "reject" and reason == RejectReason.OTHER and not note:
            self.add_error("decision_note", "Say why the lead is rejected.")
        outcome = {"accept": HandoffOutcome.ACCEPTED, "reject": HandoffOutcome.REJECTED}
        done = self.instance.outcome
        if decision in outcome and done and done != outcome[decision]:
            raise ValidationError(f"This handoff was {done} already.")
        return data


class HandoffEscalationInline(ReadOnlyScopedInline):
    model = HandoffEscalation
    fields = ("level", "from_user", "to_user", "at", "why")
    readonly_fields = fields


_SHOWN = [
    "workspace",
    "contact",
    "action",
    "rep",
    "route",
    "territory",
    "mql_at",
    "handed_at",
    "sla_due_at",
    "assigned_at",
    "due_at",
    "level",
    "breached_at",
    "emailed_at",
    "first_touch_at",
    "touched_by",
    "outcome",
    "reason",
    "note",
    "decided_at",
    "decided_by",
]


@admin.register(Handoff)
class HandoffAdmin(WorkspaceScopedAdmin):
    form = HandoffDecisionForm
    write_permission = Permission.HANDLE_HANDOFF
    list_display = [
        "contact",
        "rep",
        "level",
        "handed_at",
        "due_at",
        "first_touch_at",
        "breached",
        "outcome",
        "reason",
        "workspace",
    ]
    list_filter = ["workspace", "outcome", "reason", "level"]
    list_select_related = ["workspace", "contact", "rep"]
    search_fields = ["contact__email", "contact__last_name"]
    readonly_fields = _SHOWN
    inlines = [HandoffEscalationInline]
    date_hierarchy = "handed_at"

    @admin.display(boolean=True, description="SLA breached")
    def breached(self, obj: Handoff) -> bool:
        return obj.breached_at is not None

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and self.has_change_permission(request, obj):
            return [*_SHOWN, "decision", "reject_reason", "decision_note"]
        return _SHOWN

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Handoff, form: Any, change: bool) -> None:
        decision = form.cleaned_data.get("decision")
        user = signed_in(request.user)
        note = form.cleaned_data.get("decision_note") or ""
        if decision == "touch":
            services.handoff_touch(handoff=obj, user=user)
        elif decision == "accept":
            services.handoff_accept(handoff=obj, user=user, note=note)
        elif decision == "reject":
            reason = form.cleaned_data["reject_reason"]
            services.handoff_reject(handoff=obj, user=user, reason=reason, note=note)

    # --- the report ---

    def get_urls(self) -> list[URLPattern]:
        opts = self.model._meta
        report = path(
            "report/",
            self.admin_site.admin_view(self.report_view),
            name=f"{opts.app_label}_{opts.model_name}_report",
        )
        return [report, *super().get_urls()]

    def _reports(self, request: HttpRequest, start: datetime, end: datetime) -> list[HandoffReport]:
        principal = principal_for_request(request)
        workspaces = list(Workspace.objects.visible_to(principal).order_by("name", "pk"))
        return handoff_report(workspaces=workspaces, start=start, end=end)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        end = timezone.now()
        start = end - timedelta(days=REPORT_DAYS)
        context = {
            "handoff_reports": self._reports(request, start, end),
            "report_start": start,
            "report_end": end,
            **(extra_context or {}),
        }
        return super().changelist_view(request, context)

    def report_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.now().date()
        form = ReportPeriodForm(
            request.GET or None,
            initial={"start": today - timedelta(days=REPORT_DAYS), "end": today},
        )
        start_day, end_day = today - timedelta(days=REPORT_DAYS), today
        if form.is_valid():
            start_day, end_day = form.cleaned_data["start"], form.cleaned_data["end"]
        start = datetime.combine(start_day, time.min, tzinfo=UTC)
        end = datetime.combine(end_day + timedelta(days=1), time.min, tzinfo=UTC)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "MQL handoff report",
            "form": form,
            "handoff_reports": self._reports(request, start, end) if start < end else [],
            "report_start": start,
            "report_end": end,
        }
        return TemplateResponse(request, "admin/agents/handoff/report.html", context)


class ReportPeriodForm(forms.Form):
    # Bounded: the report adds a day to the end, which 9999-12-31 does not have.
    start = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}), label="From", validators=[validate_day]
    )
    end = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}),
        label="To (inclusive)",
        validators=[validate_day],
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise ValidationError("The period must start before it ends.")
        return data

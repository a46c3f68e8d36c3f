"""The approval inbox page: ``/admin/agents/inboxaction/``.

On the scoped admin base (``WorkspaceScopedAdmin``) over a proxy of the actions, so the tenancy
walk covers its list and its object pages like any other: the list is the changelist (waiting
actions, oldest first), an object's "change" page is its detail pane (the fragment when fetched
by the page, a page of its own when opened directly), and ``decide/`` takes one decision or
many and answers JSON with an outcome per action. Nothing here decides anything: the services
do (:mod:`como.agents.decisions`).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.postgres.forms import SimpleArrayField
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from como.workspaces.admin_base import NoWritesMixin, WorkspaceScopedAdmin
from como.workspaces.admin_changelist import CheckedChangeList
from como.workspaces.principal import CallerKind, principal_for_request
from como.workspaces.roles import Permission
from como.workspaces.users import signed_in

from ..decisions import Outcome, decide
from ..models import ActionApproval, ActionStatus, AgentAction, InboxAction
from ..serializers import DECISION_TEXT_MAX
from .rows import inbox_rows, pane_for

#: Decisions in one request: a page of the inbox.
MAX_DECISIONS = 100


class DecideForm(forms.Form):
    verb = forms.ChoiceField(choices=[("approve", "approve"), ("reject", "reject")])
    ids = SimpleArrayField(
        forms.IntegerField(min_value=1, max_value=2**31 - 1),
        max_length=MAX_DECISIONS,
        error_messages={"required": "Choose at least one action."},
    )
    text = forms.CharField(required=False, max_length=DECISION_TEXT_MAX, strip=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("verb") == "reject" and not data.get("text"):
            self.add_error("text", "Say why: a rejection needs a reason.")
        return data


class WaitingList(CheckedChangeList):
    """Only what waits for a decision, the oldest first."""

    def get_queryset(self, request: HttpRequest, exclude_parameters: Any = None) -> Any:
        return (
            super()
            .get_queryset(request, exclude_parameters)
            .filter(status=ActionStatus.PROPOSED)
            .order_by("created_at", "pk")
        )


def _may_decide(request: HttpRequest) -> Any:
    principal = principal_for_request(request)
    barred = principal.kind in (CallerKind.API_KEY, CallerKind.AGENT)

    def may(action: AgentAction) -> bool:
        return not barred and principal.can(Permission.APPROVE, action.workspace_id)

    return may


@admin.register(InboxAction)
class InboxAdmin(NoWritesMixin, WorkspaceScopedAdmin):
    write_permission = Permission.APPROVE
    change_list_template = "admin/agents/inbox/inbox.html"
    list_display = ["id", "kind", "risk", "created_at"]
    list_filter = ["workspace", "risk", "channel"]
    search_fields = ["rationale", "kind", "target_id"]
    list_per_page = MAX_DECISIONS
    list_select_related = ["workspace", "proposed_by"]
    actions = None

    def get_queryset(self, request: HttpRequest) -> Any:
        return (
            super()
            .get_queryset(request)
            .select_related("workspace", "proposed_by")
            .prefetch_related(
                Prefetch(
                    "approvals", queryset=ActionApproval.objects.only("id", "action_id", "user_id")
                )
            )
        )

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return WaitingList

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "decide/",
                self.admin_site.admin_view(require_POST(self.decide_view)),
                name="{}_{}_decide".format(*info),
            ),
            *super().get_urls(),
        ]

    def _url(self, view: str, *args: Any) -> str:
        return reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_{view}",
            args=args,
            current_app=self.admin_site.name,
        )

    # --- the list -------------------------------------------------------------------------------

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if isinstance(context, dict) and "cl" in context:
            actions = list(context["cl"].result_list)
            context["rows"] = inbox_rows(
                actions,
                signed_in(request.user),
                timezone.now(),
                may_decide=_may_decide(request),
            )
            context["decide_url"] = self._url("decide")
            context["pane_url"] = self._url("change", 0).replace("/0/", "/{id}/")
            context["queue_url"] = reverse(
                "admin:agents_agentaction_changelist", current_app=self.admin_site.name
            )
        return response

    # --- the detail pane: the object's page -----------------------------------------------------

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: Any = None,
    ) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            # Another workspace's action is answered exactly like one that does not exist.
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        pane = pane_for(
            obj,
            signed_in(request.user),
            timezone.now(),
            may_decide=_may_decide(request)(obj),
        )
        fragment = request.GET.get("pane") == "1" or request.headers.get("HX-Request") == "true"
        context = {
            **({} if fragment else self.admin_site.each_context(request)),
            "title": f"Action {obj.pk}: {obj.kind}",
            "opts": self.opts,
            "pane": pane,
            "decide_url": self._url("decide"),
            "text_max": DECISION_TEXT_MAX,
            "action_url": reverse(
                "admin:agents_agentaction_change", args=[obj.pk], current_app=self.admin_site.name
            ),
        }
        request.current_app = self.admin_site.name
        template = "admin/agents/inbox/pane.html" if fragment else "admin/agents/inbox/page.html"
        return TemplateResponse(request, template, context)

    # --- decisions ------------------------------------------------------------------------------

    def decide_view(self, request: HttpRequest) -> HttpResponse:
        """One decision or many: 400 with the form's errors by field, else 200 with an outcome
        per action in the order asked (a refused one, or one not found, says why)."""
        form = DecideForm(request.POST)
        if not form.is_valid():
            return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
        verb, text = form.cleaned_data["verb"], form.cleaned_data["text"]
        ids = list(dict.fromkeys(form.cleaned_data["ids"]))
        found = {a.pk: a for a in self.get_queryset(request).filter(pk__in=ids)}
        may_decide = _may_decide(request)
        user = signed_in(request.user)
        outcomes: list[Outcome] = []
        for pk in ids:
            action = found.get(pk)
            if action is None:
                outcomes.append(Outcome(pk, False, "", f"Action {pk}: no such action.", {}))
            elif not may_decide(action):
                message = "You may not approve or reject actions in this workspace."
                outcomes.append(
                    Outcome(
                        pk,
                        False,
                        action.status,
                        f"Action {pk}: refused: {message}",
                        {"": [message]},
                    )
                )
            else:
                outcomes.append(decide(action, user, verb, text))
        return JsonResponse({"results": [o.as_dict() for o in outcomes]})

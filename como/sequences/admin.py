"""Admin pages of sequences on the scoped base: sequences with their versions, per-step funnel
and active members (enrol and remove by hand: :mod:`.admin_hand`), members with every step they
ran (the decisions as fields), and the memberships on the contact's page."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html

from como.workspaces.admin_base import ReadOnlyScopedAdmin, ReadOnlyScopedInline

from .admin_hand import ByHandMixin, may_edit
from .models import MemberState, MemberStep, Sequence, SequenceMember, SequenceVersion
from .selectors import sequence_funnel

#: Active members listed on a sequence's page (the rest: the members' list, filtered).
MEMBERS_SHOWN = 50

_STEP_FIELDS = (
    "step_id",
    "occurrence",
    "outcome",
    "condition",
    "matched",
    "next_step",
    "reason",
    "until",
    "action",
    "at",
)


class VersionInline(ReadOnlyScopedInline):
    model = SequenceVersion
    fields = ("number", "state", "approving_action", "approved_at", "created_at")
    readonly_fields = fields
    ordering = ["-number"]


class StepInline(ReadOnlyScopedInline):
    model = MemberStep
    fields = _STEP_FIELDS
    readonly_fields = fields
    ordering = ["occurrence"]


class ContactMembershipInline(ReadOnlyScopedInline):
    """On the contact's page: each sequence the person is or was in, where they are."""

    model = SequenceMember
    fk_name = "contact"
    fields = (
        "sequence",
        "version",
        "state",
        "current_step",
        "next_due_at",
        "exit_reason",
        "remove",
    )
    readonly_fields = fields
    verbose_name = "sequence membership"
    #: The default table, then a link to enrol this person in a sequence.
    template = "admin/sequences/membership_inline.html"

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("sequence", "version")

    @admin.display(description="")
    def remove(self, member: SequenceMember) -> str:
        """A button of the contact's form that posts to the remove view instead (the view
        checks the permission; it reads only the CSRF token and where to come back to)."""
        if member.pk is None or member.state != MemberState.ACTIVE:
            return ""
        return format_html(
            '<button type="submit" class="sequence-remove" formaction="{}" formmethod="post" '
            'formnovalidate name="next" value="{}">Remove</button>',
            reverse("admin:sequences_sequencemember_remove", args=[member.pk]),
            reverse("admin:leads_contact_change", args=[member.contact_id]),
        )


@admin.register(Sequence)
class SequenceAdmin(ReadOnlyScopedAdmin):
    list_display = ["key", "name", "re_entry", "workspace", "created_at"]
    list_filter = ["workspace"]
    search_fields = ["key", "name"]
    inlines = [VersionInline]
    #: Outside the page's form: the funnel, the enrol link and a remove form per member.
    change_form_outer_after_template = "admin/sequences/sequence/manage.html"

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        sequence = self.get_object(request, object_id)
        if sequence is not None:
            active = SequenceMember.objects.filter(
                sequence=sequence, state=MemberState.ACTIVE
            ).select_related("contact")
            extra_context = {
                **(extra_context or {}),
                "funnel": sequence_funnel(sequence),
                "members": list(active.order_by("-entered_at", "-id")[:MEMBERS_SHOWN]),
                "members_active": active.count(),
                "may_edit": may_edit(request, sequence.workspace_id),
                "here": request.get_full_path(),
            }
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(SequenceMember)
class SequenceMemberAdmin(ByHandMixin, ReadOnlyScopedAdmin):
    list_display = ["contact", "sequence", "state", "current_step", "next_due_at", "exit_reason"]
    list_filter = ["workspace", "sequence", "state"]
    list_select_related = ["contact", "sequence"]
    readonly_fields = [
        "sequence",
        "version",
        "contact",
        "current_step",
        "position",
        "next_due_at",
        "state",
        "exit_reason",
        "entered_at",
        "ended_at",
    ]
    exclude = ["workspace"]
    inlines = [StepInline]

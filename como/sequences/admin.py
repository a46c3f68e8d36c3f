"""Admin pages of sequences on the scoped base: sequences with their versions, members with
every step they ran (the decisions as fields), and the memberships on the contact's page."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from como.workspaces.admin_base import ReadOnlyScopedAdmin, ReadOnlyScopedInline

from .models import MemberStep, Sequence, SequenceMember, SequenceVersion

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
    fields = ("sequence", "version", "state", "current_step", "next_due_at", "exit_reason")
    readonly_fields = fields
    verbose_name = "sequence membership"

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("sequence", "version")


@admin.register(Sequence)
class SequenceAdmin(ReadOnlyScopedAdmin):
    list_display = ["key", "name", "re_entry", "workspace", "created_at"]
    list_filter = ["workspace"]
    search_fields = ["key", "name"]
    inlines = [VersionInline]


@admin.register(SequenceMember)
class SequenceMemberAdmin(ReadOnlyScopedAdmin):
    list_display = ["contact", "sequence", "state", "current_step", "next_due_at", "exit_reason"]
    list_filter = ["workspace", "state"]
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

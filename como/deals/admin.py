"""Opportunities in the admin: read-only (deals come from the CRM, the API or a CSV import,
never typed here), with each one's stage history."""

from __future__ import annotations

from django.contrib import admin

from como.workspaces.admin_base import ReadOnlyScopedAdmin, ReadOnlyScopedInline

from .models import Opportunity, OpportunityTransition


class TransitionInline(ReadOnlyScopedInline):
    model = OpportunityTransition
    fields = ("at", "from_status", "to_status", "from_stage_name", "to_stage_name", "amount", "via")
    readonly_fields = fields
    ordering = ["at", "id"]


class ContactOpportunityInline(ReadOnlyScopedInline):
    """On the contact's page: the person's deals and how they stand."""

    model = Opportunity
    fk_name = "contact"
    fields = ("external_id", "name", "status", "stage_name", "amount", "currency", "closed_at")
    readonly_fields = fields
    ordering = ["-opened_at"]
    show_change_link = True


@admin.register(Opportunity)
class OpportunityAdmin(ReadOnlyScopedAdmin):
    list_display = [
        "external_id",
        "name",
        "status",
        "stage_name",
        "amount",
        "currency",
        "opened_at",
        "closed_at",
        "workspace",
    ]
    list_filter = ["workspace", "status"]
    search_fields = ["external_id", "name", "vin"]
    list_select_related = ["contact", "account"]
    readonly_fields = [
        "external_id",
        "name",
        "contact",
        "account",
        "amount",
        "currency",
        "status",
        "stage_name",
        "opened_at",
        "closed_at",
        "source",
        "vin",
        "attributes",
    ]
    inlines = [TransitionInline]

"""Admin pages of buying committees: the committee grid on the account's page, the member on
the contact's page, a member's page where a person overrides the role, and link runs.

The account page's grid is a read-only inline whose template draws roles by engagement from the
committee read once for the page (:func:`.selectors.committee`), not a row per member.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from como.leads.admin import _ReadOnlyInline, account_inlines, contact_inlines
from como.workspaces.admin_base import ReadOnlyScopedAdmin, WorkspaceScopedAdmin
from como.workspaces.users import signed_in

from .committee import check_member_role, member_role_set
from .models import AccountLinkRun, CommitteeMember
from .selectors import Committee, committee
from .settings import accounts_settings

_MEMBER_FIELDS = ("account", "role", "role_source", "level", "department", "title")
#: the role choice that gives the role back to the CRM and the title
AUTOMATIC = "__automatic__"


class CommitteeGridInline(_ReadOnlyInline):
    """The account's committee: one line per playbook role, its members and who is engaged."""

    model = CommitteeMember
    fk_name = "account"
    template = "admin/vertical_b2b/committee_grid.html"
    verbose_name_plural = "Buying committee"
    fields = ("contact", "role", "level")
    readonly_fields = fields
    grid: Committee | None = None

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        # Inline instances are made per request, so the committee read here serves this page.
        self.grid = committee(obj, at=timezone.now()) if obj is not None else None
        return super().get_formset(request, obj, **kwargs)


class CommitteeMemberInline(_ReadOnlyInline):
    """The contact's place on its account's committee; its change link overrides the role."""

    model = CommitteeMember
    fk_name = "contact"
    fields = _MEMBER_FIELDS
    readonly_fields = _MEMBER_FIELDS
    verbose_name_plural = "Buying committee (change the role on the member's page)"


account_inlines.register(CommitteeGridInline)
contact_inlines.register(CommitteeMemberInline)


class MemberRoleForm(forms.ModelForm):
    role_choice = forms.ChoiceField(
        label="Role",
        help_text="A role set here wins over the CRM's and the title's until set back to "
        "automatic.",
    )

    class Meta:
        model = CommitteeMember
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        member: CommitteeMember = self.instance
        roles = accounts_settings(member.workspace).roles if member.pk else []
        choice = self.fields["role_choice"]
        assert isinstance(choice, forms.ChoiceField)
        choice.choices = [
            (AUTOMATIC, "Automatic (the CRM's, else the title's)"),
            ("", "No role"),
            *((role.key, role.label) for role in roles),
        ]
        self.fields["role_choice"].initial = (
            member.role if member.role_source == "manual" else AUTOMATIC
        )

    def chosen_role(self) -> str | None:
        value = self.cleaned_data["role_choice"]
        return None if value == AUTOMATIC else value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "role_choice" in cleaned and self.instance.pk:
            try:
                check_member_role(contact=self.instance.contact, role=self.chosen_role())
            except forms.ValidationError as error:
                self.add_error("role_choice", error.message_dict.get("role", error.messages))
        return cleaned


@admin.register(CommitteeMember)
class CommitteeMemberAdmin(WorkspaceScopedAdmin):
    form = MemberRoleForm
    list_display = ["contact", "account", "role", "role_source", "level", "department"]
    list_filter = ["workspace", "role", "role_source", "level"]
    list_select_related = ["contact", "account"]
    search_fields = ["contact__email", "contact__last_name", "account__domain", "title"]
    fields = ["role_choice", "contact", *_MEMBER_FIELDS, "set_by", "updated_at"]
    readonly_fields = ["contact", *_MEMBER_FIELDS, "set_by", "updated_at"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # members follow their contacts

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: CommitteeMember, form: Any, change: bool
    ) -> None:
        member_role_set(contact=obj.contact, role=form.chosen_role(), user=signed_in(request.user))


@admin.register(AccountLinkRun)
class AccountLinkRunAdmin(ReadOnlyScopedAdmin):
    list_display = [
        "id",
        "workspace",
        "status",
        "percent",
        "done",
        "total",
        "linked",
        "accounts_created",
        "started_at",
        "finished_at",
    ]
    list_filter = ["workspace", "status"]

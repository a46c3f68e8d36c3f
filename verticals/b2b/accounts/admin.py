"""Admin pages of buying committees: the member on the contact's page, a member's page where a
person overrides the role, and link runs. The account's page (its committee grid) is
:mod:`.admin_page`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from como.leads.admin import _ReadOnlyInline, contact_inlines
from como.workspaces.admin_base import ReadOnlyScopedAdmin, WorkspaceScopedAdmin
from como.workspaces.users import signed_in

from .committee import check_member_role, member_role_set
from .models import AccountLinkRun, CommitteeMember, RoleSource
from .settings import CommitteeRole, accounts_settings

_MEMBER_FIELDS = ("account", "role", "role_source", "level", "department", "title")
#: the role choice that gives the role back to the CRM and the title
AUTOMATIC = "__automatic__"
#: the role choice "no role on purpose" (a blank value would fail a required choice)
NO_ROLE = "__none__"


class CommitteeMemberInline(_ReadOnlyInline):
    """The contact's place on its account's committee; its change link overrides the role."""

    model = CommitteeMember
    fk_name = "contact"
    fields = _MEMBER_FIELDS
    readonly_fields = _MEMBER_FIELDS
    verbose_name_plural = "Buying committee (change the role on the member's page)"


contact_inlines.register(CommitteeMemberInline)


def role_choices(roles: Iterable[CommitteeRole]) -> list[tuple[str, str]]:
    """The choices of a person's role override: automatic, no role, or one of the playbook's."""
    return [
        (AUTOMATIC, "Automatic (the CRM's, else the title's)"),
        (NO_ROLE, "No role"),
        *((role.key, role.label) for role in roles),
    ]


def chosen_role(value: str) -> str | None:
    """The service's ``role`` for a choice: None gives the role back to the CRM and title."""
    return None if value == AUTOMATIC else "" if value == NO_ROLE else value


def current_choice(role: str, role_source: str) -> str:
    """The choice that stands for a member's role as stored."""
    if role_source != RoleSource.MANUAL:
        return AUTOMATIC
    return role or NO_ROLE


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
        choice.choices = role_choices(roles)
        self.fields["role_choice"].initial = current_choice(member.role, member.role_source)

    def chosen_role(self) -> str | None:
        return chosen_role(self.cleaned_data["role_choice"])

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

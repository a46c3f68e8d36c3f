from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from como import verticals

from .admin_base import WorkspaceScopedAdmin, WorkspaceScopedInline
from .keycache import api_keys_changed
from .models import ApiKey, Membership, Workspace
from .principal import CallerKind, Principal, principal_for_request
from .roles import Permission
from .selectors import member_candidates, user_named
from .services import api_key_create, workspace_create, workspace_delete


class WorkspaceForm(forms.ModelForm):
    vertical = forms.ChoiceField(choices=verticals.choices)

    class Meta:
        model = Workspace
        fields = ["name", "slug", "vertical", "time_zone", "country", "postal_address"]


#: One answer whether the login does not exist or belongs to people the caller may not add.
NO_SUCH_USER = (
    "No user {name!r} that you can add. An administrator creates logins, and adds people who "
    "already belong to another workspace."
)


class MembershipForm(forms.ModelForm):
    """Names the person by username or email instead of offering a list of every user.

    A user picker would show an owner the people of every other workspace; for the same reason
    the name is looked up only among the people the caller may add
    (:func:`~como.workspaces.selectors.member_candidates`).
    """

    member = forms.CharField(label="User", help_text="Username or email of an existing user.")
    #: Who fills the form in; the admin sets it per request (unset: nobody's manager).
    principal: Principal | None = None

    class Meta:
        model = Membership
        fields = ["workspace", "member", "role"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["member"].initial = self.instance.user.get_username()

    def clean_member(self) -> Any:
        name = self.cleaned_data["member"].strip()
        if self.instance.pk:
            # The person already holding this row stays addable, wherever else they belong.
            current = self.instance.user
            if name.lower() in {current.get_username().lower(), (current.email or "").lower()}:
                return current
        principal = self.principal or Principal(kind=CallerKind.MEMBER)
        user = user_named(member_candidates(principal), name)
        if user is None:
            raise forms.ValidationError(NO_SUCH_USER.format(name=name))
        self.instance.user = user
        return user


class MembershipFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        # Rows of one submission are not in the database yet for Membership.clean to see.
        seen: set[tuple[int, str]] = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            user, role = data.get("member"), data.get("role")
            if data.get("DELETE") or user is None or not role:
                continue
            if (user.pk, role) in seen:
                form.add_error("role", "This person is given this role twice.")
            seen.add((user.pk, role))


def _for_request(form: type[MembershipForm], request: HttpRequest) -> type[MembershipForm]:
    return type(form.__name__, (form,), {"principal": principal_for_request(request)})


class MembershipInline(WorkspaceScopedInline):
    model = Membership
    form = MembershipForm
    formset = MembershipFormSet
    fields = ["member", "role"]
    extra = 0
    write_permission = Permission.MANAGE_MEMBERS

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        kwargs["form"] = _for_request(self.form, request)
        return super().get_formset(request, obj, **kwargs)


@admin.register(Workspace)
class WorkspaceAdmin(WorkspaceScopedAdmin):
    form = WorkspaceForm
    write_permission = Permission.CONFIGURE_PLAYBOOK
    list_display = ["name", "slug", "vertical", "country", "time_zone", "created_at"]
    list_filter = ["vertical", "country"]
    search_fields = ["name", "slug"]
    readonly_fields = ["agent_user", "created_at"]
    inlines = [MembershipInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # The slug names the agent identity and appears in integrations: fixed once created.
        return [*self.readonly_fields, "slug"] if obj is not None else self.readonly_fields

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return principal_for_request(request).is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return principal_for_request(request).is_superuser

    def delete_model(self, request: HttpRequest, obj: Workspace) -> None:
        workspace_delete(workspace=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Workspace]) -> None:
        for workspace in queryset:
            workspace_delete(workspace=workspace)

    def save_model(self, request: HttpRequest, obj: Workspace, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = workspace_create(
            slug=obj.slug,
            vertical=obj.vertical,
            name=obj.name,
            time_zone=obj.time_zone,
            country=obj.country,
            postal_address=obj.postal_address,
        )
        obj.pk = created.pk
        obj.agent_user = created.agent_user


@admin.register(Membership)
class MembershipAdmin(WorkspaceScopedAdmin):
    write_permission = Permission.MANAGE_MEMBERS
    list_display = ["user", "workspace", "role", "created_at"]
    list_filter = ["workspace", "role"]
    search_fields = ["user__username", "user__email"]
    form = MembershipForm

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        kwargs["form"] = _for_request(self.form, request)
        return super().get_form(request, obj, change, **kwargs)


class ApiKeyForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ["workspace", "name"]


@admin.register(ApiKey)
class ApiKeyAdmin(WorkspaceScopedAdmin):
    write_permission = Permission.MANAGE_API_KEYS
    list_display = ["name", "workspace", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["workspace"]
    search_fields = ["name", "prefix"]
    actions = ["revoke"]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = ApiKeyForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["workspace", "name"]
        return [
            "workspace",
            "name",
            "prefix",
            "created_by",
            "created_at",
            "last_used_at",
            "revoked_at",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return []
        return ["workspace", "prefix", "created_by", "created_at", "last_used_at"]

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        issued = api_key_create(workspace=obj.workspace, name=obj.name, created_by=request.user)
        obj.pk = issued.api_key.pk
        messages.warning(
            request,
            f"API key {issued.api_key.name!r} created. Copy it now, it will not be shown again: "
            f"{issued.secret}",
        )

    @admin.action(description="Revoke selected API keys")
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        from django.utils import timezone

        principal = principal_for_request(request)
        allowed = (
            queryset.filter(
                workspace_id__in=sorted(principal.workspaces_with(Permission.MANAGE_API_KEYS))
            )
            if not principal.is_superuser
            else queryset
        )
        count = allowed.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        api_keys_changed()  # web processes that remember a key forget it
        self.message_user(request, f"Revoked {count} API key(s).")

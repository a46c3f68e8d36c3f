"""The account's console page: leads' account admin plus, for a B2B workspace's account, the
header, the buying committee as a grid of roles by engagement (with a person's role override on
each member), the intent timeline chart and the members with links to their contact pages.

As scoring does for the contact's page (``como.scoring.admin_contact``), the vertical takes over
the Account admin: :class:`AccountPageAdmin` extends leads' :class:`~como.leads.admin.AccountAdmin`
(same scoping, permissions, forms and services) and replaces its registration. The override
posts to ``<id>/committee-role/`` on the same admin, so the account is found through the page's
own scoped queryset (another workspace's account is the 404 a missing one is).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from como.leads.admin import AccountAdmin
from como.leads.models import Account, Contact
from como.workspaces.users import signed_in

from .admin import chosen_role, role_choices
from .committee import VERTICAL, check_member_role, member_role_set
from .page import account_page_context
from .panels import score_panel_context
from .settings import accounts_settings


class RoleOverrideForm(forms.Form):
    """One member's role chosen by hand on the account page: a contact of this account."""

    contact = forms.ModelChoiceField(queryset=Contact.objects.none())
    role_choice = forms.ChoiceField(label="Role")

    def __init__(self, *args: Any, account: Account, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        contact = self.fields["contact"]
        assert isinstance(contact, forms.ModelChoiceField)
        contact.queryset = Contact.objects.filter(
            workspace_id=account.workspace_id, account=account
        )
        choice = self.fields["role_choice"]
        assert isinstance(choice, forms.ChoiceField)
        choice.choices = role_choices(accounts_settings(account.workspace).roles)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "contact" in cleaned and "role_choice" in cleaned:
            try:
                check_member_role(contact=cleaned["contact"], role=self.role())
            except ValidationError as error:
                self.add_error("role_choice", error.message_dict.get("role", error.messages))
        return cleaned

    def role(self) -> str | None:
        return chosen_role(self.cleaned_data["role_choice"])


class AccountPageAdmin(AccountAdmin):
    change_form_template = "admin/vertical_b2b/account_change_form.html"

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        override = path(
            "<path:object_id>/committee-role/",
            self.admin_site.admin_view(require_POST(self.committee_role_view)),
            name="{}_{}_committee_role".format(*info),
        )
        return [override, *super().get_urls()]

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Account | None = None,
    ) -> HttpResponse:
        if obj is not None and obj.pk is not None and obj.workspace.vertical == VERTICAL:
            # A form re-shown with errors carries unsaved input on obj: show the stored account.
            stored = obj if request.method == "GET" else Account.objects.get(pk=obj.pk)
            now = timezone.now()
            context.update(account_page_context(stored, at=now))
            context.update(score_panel_context(stored, at=now))
            context["can_override"] = self.has_change_permission(request, stored)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def committee_role_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Check (the account in the caller's scope, change permission, the form), then set the
        role through the committee's one service, with the admin's history entry as its audit
        row in the same transaction."""
        account = self.get_object(request, unquote(object_id))
        if account is None:
            raise Http404
        if not self.has_change_permission(request, account):
            raise PermissionDenied
        back = reverse("admin:leads_account_change", args=[account.pk]) + "#committee-grid"
        form = RoleOverrideForm(request.POST, account=account)
        if not form.is_valid():
            problems = "; ".join(
                f"{name}: {' '.join(map(str, errs))}" for name, errs in form.errors.items()
            )
            messages.error(request, f"The role was not changed: {problems}")
            return HttpResponseRedirect(back)
        contact, role = form.cleaned_data["contact"], form.role()
        with transaction.atomic():
            before = getattr(contact, "committee_member", None)
            was = f"{before.role or 'no role'} ({before.role_source})" if before else "none"
            member = member_role_set(contact=contact, role=role, user=signed_in(request.user))
            now = f"{member.role or 'no role'} ({member.role_source})"
            self.log_change(
                request, account, f"Committee role of {contact.email or contact.pk}: {was} → {now}"
            )
        messages.success(request, f"{contact}: committee role now {now}.")
        return HttpResponseRedirect(back)


admin.site.unregister(Account)
admin.site.register(Account, AccountPageAdmin)

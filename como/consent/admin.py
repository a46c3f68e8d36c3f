"""Admin pages for the consent ledger, the suppression list and erasures.

* The ledger is read-only: no change, no delete. "Add" appends an entry through
  :mod:`como.consent.services` (a grant gets its CASL expiry, a revocation its suppression) and
  records the member who added it.
* A suppression is added by typing an address; it is hashed on save and never stored. Entries
  cannot be changed; a member holding ``review_compliance`` may delete one added by mistake,
  but never an erasure's.
* Erasures are an audit trail: read-only.

:func:`opt_out_contacts` is an admin action for the contact admin (which lives in scoring).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from como.leads.models import Contact
from como.workspaces.admin_base import ReadOnlyScopedAdmin, WorkspaceScopedAdmin
from como.workspaces.principal import principal_for_request
from como.workspaces.roles import Permission

from . import services
from .models import ConsentAction, ConsentRecord, Erasure, Suppression, SuppressionReason
from .state import Channel

#: Clock skew allowed on a typed ``at``, as in the API.
FUTURE_TOLERANCE = timedelta(minutes=5)
#: Who may delete a suppression entry (un-suppressing someone is a compliance decision).
UNSUPPRESS_PERMISSION = Permission.REVIEW_COMPLIANCE
ADMIN_SOURCE = "admin"

LEDGER_FORM_FIELDS = [
    "contact",
    "channel",
    "action",
    "basis",
    "jurisdiction",
    "source",
    "wording",
    "ip",
    "user_agent",
    "at",
]


class ConsentRecordAddForm(forms.ModelForm):
    """Appending one entry; the service does the writing."""

    request: HttpRequest

    class Meta:
        model = ConsentRecord
        fields = LEDGER_FORM_FIELDS

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        action, basis = cleaned.get("action"), cleaned.get("basis")
        if action == ConsentAction.GRANT and not basis:
            self.add_error("basis", "A grant needs its legal basis.")
        if action == ConsentAction.REVOKE and basis:
            self.add_error("basis", "A revocation has no basis.")
        at = cleaned.get("at")
        if at is not None and at > timezone.now() + FUTURE_TOLERANCE:
            self.add_error("at", "Consent cannot be given in the future.")
        contact = cleaned.get("contact")
        if contact is not None and not principal_for_request(self.request).can(
            Permission.EDIT_DATA, contact.workspace_id
        ):
            self.add_error("contact", "You may not record consent in this contact's workspace.")
        return cleaned


@admin.register(ConsentRecord)
class ConsentRecordAdmin(WorkspaceScopedAdmin):
    form = ConsentRecordAddForm
    list_display = ["at", "action", "channel", "contact", "basis", "source", "workspace"]
    list_filter = ["channel", "action", "basis", "workspace"]
    list_select_related = ["contact", "workspace"]
    search_fields = ["=contact__email", "=source"]
    autocomplete_fields = ["contact"]
    date_hierarchy = "at"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return []
        return ["workspace", "expires_at", "recorded_by", "created_at"]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        # The form checks the contact's workspace against the caller's roles.
        return type(form.__name__, (form,), {"request": request})

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # append-only

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # append-only; erasing the contact removes its entries

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = form.cleaned_data
        common = {
            "contact": data["contact"],
            "channel": data["channel"],
            "source": data["source"],
            "wording": data.get("wording") or "",
            "ip": data.get("ip") or None,
            "user_agent": data.get("user_agent") or "",
            "at": data["at"],
            "recorded_by": request.user,
        }
        if data["action"] == ConsentAction.GRANT:
            record = services.consent_grant(
                basis=data["basis"], jurisdiction=data.get("jurisdiction") or "", **common
            )
        else:
            record = services.consent_revoke(reason=SuppressionReason.ADMIN, **common)
        _adopt(obj, record)


def _adopt(obj: Any, saved: Any) -> None:
    """Make the admin's unsaved form instance the row the service saved, so the admin's log
    entry and redirect point at it."""
    for field in saved._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False
    obj._state.db = saved._state.db


class SuppressionAddForm(forms.ModelForm):
    address = forms.CharField(
        max_length=254,
        help_text="An email address or a phone number. Only its hash is stored.",
    )
    channel = forms.ChoiceField(
        choices=[(services.ALL_CHANNELS, "every channel (*)")]
        + [(c.value, c.value) for c in Channel]
    )

    class Meta:
        model = Suppression
        fields = ["workspace", "address", "channel", "reason"]


@admin.register(Suppression)
class SuppressionAdmin(WorkspaceScopedAdmin):
    form = SuppressionAddForm
    list_display = ["digest", "channel", "reason", "created_at", "workspace"]
    list_filter = ["channel", "reason", "workspace"]
    list_select_related = ["workspace"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["workspace", "address", "channel", "reason"]
        return ["workspace", "digest", "channel", "reason", "created_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [] if obj is None else ["workspace", "digest", "channel", "reason", "created_at"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        principal = principal_for_request(request)
        if obj is None:
            return principal.is_superuser or bool(principal.workspaces_with(UNSUPPRESS_PERMISSION))
        # An erased person must stay suppressed: their entry is the only thing left of them.
        return obj.reason != SuppressionReason.ERASED and principal.can(
            UNSUPPRESS_PERMISSION, obj.workspace_id
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = form.cleaned_data
        # The form's fields already checked what the service would refuse.
        saved = services.suppression_add(
            workspace_id=data["workspace"].pk,
            address=data["address"],
            channel=data["channel"],
            reason=data["reason"],
        )
        _adopt(obj, saved)


@admin.register(Erasure)
class ErasureAdmin(ReadOnlyScopedAdmin):
    """Erasures are made by the service (API, command), never typed in."""

    list_display = ["id", "created_at", "source", "actor", "addresses", "reason", "workspace"]
    list_filter = ["source", "workspace"]
    list_select_related = ["actor", "workspace"]
    fields = ["workspace", "created_at", "source", "actor", "reason", "digests"]
    readonly_fields = ["workspace", "created_at", "source", "actor", "reason", "digests"]

    @admin.display(description="addresses suppressed")
    def addresses(self, obj: Erasure) -> int:
        return len(obj.digests)


@admin.action(description="Opt out of all channels", permissions=["change"])
def opt_out_contacts(
    modeladmin: admin.ModelAdmin[Any], request: HttpRequest, queryset: QuerySet[Contact]
) -> None:
    """Revoke email, sms, phone and ads for the selected contacts (a contact admin action).

    Plug in with ``actions = [opt_out_contacts]`` on the contact admin; its queryset is
    already scoped, and each contact's workspace is checked again for ``edit_data``."""
    principal = principal_for_request(request)
    done = refused = 0
    for contact in queryset.select_related("workspace"):
        if not principal.can(Permission.EDIT_DATA, contact.workspace_id):
            refused += 1
            continue
        services.contact_opt_out(
            contact=contact,
            source=ADMIN_SOURCE,
            reason=SuppressionReason.ADMIN,
            recorded_by=request.user,
        )
        done += 1
    if done:
        modeladmin.message_user(
            request, f"Opted {done} contact(s) out of every channel.", messages.SUCCESS
        )
    if refused:
        modeladmin.message_user(
            request,
            f"{refused} contact(s) skipped: you may not change their workspace's data.",
            messages.WARNING,
        )

"""Admin pages for contacts, accounts and events.

All are built on the workspace-scoped bases, so staff see only their workspaces' rows; forms
validate through the services and saving calls them, exactly as the API does.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import urlencode

from como import verticals
from como.registry import Hooks
from como.workspaces.admin_base import (
    ReadOnlyScopedInline,
    WorkspaceScopedAdmin,
)
from como.workspaces.models import Workspace
from como.workspaces.principal import principal_for_request
from como.workspaces.roles import Permission

from . import selectors, services
from .models import Account, AnonymousId, Contact, Event, LifecycleTransition

#: how many of a contact's latest events its change page shows
TIMELINE_LIMIT = 50
#: most recently seen first, never-seen contacts last (PostgreSQL sorts NULL first in DESC);
#: typed Any because django-stubs allow only strings in ``ordering``, and Django takes both
RECENTLY_SEEN: Any = [F("score__last_seen_at").desc(nulls_last=True), "-id"]

CONTACT_FIELDS = list(services.ContactFields.__annotations__)
ACCOUNT_FIELDS = list(services.AccountFields.__annotations__)


class _ServiceValidatedForm(forms.ModelForm):
    """A model form whose clean() is the service's clean: same normalisation, same messages."""

    editable_fields: list[str]

    def service_clean(self, workspace: Any, fields: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        workspace = self.instance.workspace if self.instance.pk else cleaned.get("workspace")
        if workspace is None:
            return cleaned  # the workspace field reports its own error
        fields = {name: cleaned[name] for name in self.editable_fields if name in cleaned}
        try:
            cleaned.update(self.service_clean(workspace, fields))
        except ValidationError as error:
            self.add_error(None, error)
        return cleaned

    def validate_unique(self) -> None:
        # The service checked per-workspace uniqueness with messages keyed by field; the
        # model's conditional constraints would only repeat it as an anonymous error.
        pass


class ContactAdminForm(_ServiceValidatedForm):
    editable_fields = CONTACT_FIELDS

    class Meta:
        model = Contact
        fields = ["workspace", *CONTACT_FIELDS]

    def service_clean(self, workspace: Any, fields: dict[str, Any]) -> dict[str, Any]:
        contact = self.instance if self.instance.pk else None
        return services.contact_clean(workspace=workspace, fields=fields, contact=contact)


def workspace_members(workspace_ids: Any, keep: Any = None) -> Any:
    """Users holding any role in these workspaces (the owner picker's choices), by username.

    ``keep`` (a user id) stays offered even if no longer a member: a saved account's current
    owner, so the form shows who it is and saving asks for a member instead of silently
    clearing it."""
    wanted = Q(memberships__workspace_id__in=sorted(set(workspace_ids)))
    if keep is not None:
        wanted |= Q(pk=keep)
    user_model = get_user_model()
    return user_model._default_manager.filter(wanted).distinct().order_by(user_model.USERNAME_FIELD)


class AccountAdminForm(_ServiceValidatedForm):
    editable_fields = ACCOUNT_FIELDS

    class Meta:
        model = Account
        fields = ["workspace", *ACCOUNT_FIELDS]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields.get("owner")
        if isinstance(owner, forms.ModelChoiceField) and self.instance.pk:
            # A saved account's workspace is fixed: offer its members only. A new account's
            # choices (members of every workspace the caller may edit) are checked against
            # the chosen workspace by the service on save.
            owner.queryset = workspace_members(
                [self.instance.workspace_id], keep=self.instance.owner_id
            )

    def service_clean(self, workspace: Any, fields: dict[str, Any]) -> dict[str, Any]:
        account = self.instance if self.instance.pk else None
        return services.account_clean(workspace=workspace, fields=fields, account=account)


class _ReadOnlyInline(ReadOnlyScopedInline):
    """Rows shown on their parent's page, visible to whoever may view the parent's workspace."""

    show_change_link = True

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        principal = principal_for_request(request)
        if obj is None:
            return principal.is_superuser or bool(principal.workspaces_with(Permission.VIEW))
        return principal.can(Permission.VIEW, obj.workspace_id)


class AnonymousIdInline(_ReadOnlyInline):
    model = AnonymousId
    fields = ("value", "created_at")
    readonly_fields = ("value", "created_at")
    show_change_link = False
    verbose_name = "anonymous id"
    verbose_name_plural = "anonymous ids (devices and cookies seen before identification)"


class LifecycleTransitionInline(_ReadOnlyInline):
    """The contact's stage history, newest first; append-only, so never editable here."""

    model = LifecycleTransition
    fk_name = "contact"
    fields = ("at", "from_stage", "to_stage", "actor_kind", "actor", "score", "reason")
    readonly_fields = fields
    ordering = ["-at", "-id"]
    show_change_link = False
    verbose_name = "lifecycle transition"
    verbose_name_plural = "lifecycle transitions"


_CONTACT_SUMMARY = ("email", "first_name", "last_name", "title", "lifecycle_stage", "last_seen_at")


def _score_field(name: str, description: str) -> Any:
    """A read-only admin column showing a field of the contact's score row (models.ContactScore),
    under the name the field had when it was a column of the contact."""

    @admin.display(description=description, ordering=f"score__{name}")
    def show(self: Any, contact: Contact) -> Any:
        return getattr(contact.score, name)

    return show


class _ScoreFields:
    """The contact's score row's fields as admin columns (list_select_related "score")."""

    first_seen_at = _score_field("first_seen_at", "first seen at")
    last_seen_at = _score_field("last_seen_at", "last seen at")
    score_fit = _score_field("score_fit", "score fit")
    score_intent = _score_field("score_intent", "score intent")
    score_as_of = _score_field("score_as_of", "score as of")
    score_model_version = _score_field("score_model_version", "score model version")


class ContactInline(_ScoreFields, _ReadOnlyInline):
    model = Contact
    fields = _CONTACT_SUMMARY
    readonly_fields = _CONTACT_SUMMARY
    ordering = RECENTLY_SEEN

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("score")


#: Inlines a vertical or a higher app adds to the contact's page (a dealer's vehicles; a
#: person's sequence memberships), registered by its admin module or ready(): leads imports
#: neither.
contact_inlines: Hooks[type[admin.options.InlineModelAdmin[Any, Any]]] = Hooks()
#: Inlines a vertical adds to the account's page (the B2B buying committee and intent
#: timeline), the same way.
account_inlines: Hooks[type[admin.options.InlineModelAdmin[Any, Any]]] = Hooks()


@admin.register(Contact)
class ContactAdmin(_ScoreFields, WorkspaceScopedAdmin):
    form = ContactAdminForm
    list_display = ["email", "full_name", "lifecycle_stage", "last_seen_at", "workspace"]
    list_display_links = ["email", "full_name"]
    list_filter = ["workspace", "lifecycle_stage"]
    list_select_related = ["workspace", "score"]
    search_fields = ["email", "first_name", "last_name", "=external_id", "=phone"]
    ordering = RECENTLY_SEEN
    autocomplete_fields = ["account"]
    readonly_fields = [
        "first_seen_at",
        "last_seen_at",
        "created_at",
        "updated_at",
        "score_fit",
        "score_intent",
        "score_as_of",
        "score_model_version",
    ]
    inlines = [AnonymousIdInline, LifecycleTransitionInline]

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> Any:
        return [*super().get_inlines(request, obj), *contact_inlines.all()]

    fieldsets = [
        (None, {"fields": ["workspace", "email", "phone", "external_id", "lifecycle_stage"]}),
        ("Person", {"fields": ["first_name", "last_name", "title", "account"]}),
        (
            "Company and place",
            {"fields": ["company_size", "industry", "country", "region", "postal_code"]},
        ),
        ("Other", {"fields": ["attributes"]}),
        (
            "Activity",
            {"fields": ["first_seen_at", "last_seen_at", "created_at", "updated_at"]},
        ),
        (
            "Stored score",
            {
                "fields": ["score_fit", "score_intent", "score_as_of", "score_model_version"],
                "description": "Intent as of its time; the score API decays it to any instant.",
            },
        ),
    ]

    @admin.display(description="name", ordering="last_name")
    def full_name(self, contact: Contact) -> str:
        return f"{contact.first_name} {contact.last_name}".strip() or "—"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # A contact never moves between workspaces.
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "workspace"] if obj is not None else readonly

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        contact = self.get_object(request, object_id)
        if contact is not None:
            extra_context = {**(extra_context or {}), **self._timeline_context(request, contact)}
        return super().change_view(request, object_id, form_url, extra_context)

    def _timeline_context(self, request: HttpRequest, contact: Contact) -> dict[str, Any]:
        principal = principal_for_request(request)
        events = selectors.contact_timeline(contact=contact, principal=principal)
        query = urlencode({"contact__id__exact": contact.pk})
        return {
            "timeline": list(events[:TIMELINE_LIMIT]),
            "timeline_limit": TIMELINE_LIMIT,
            "timeline_total": events.count(),
            "timeline_all_url": f"{reverse('admin:leads_event_changelist')}?{query}",
        }

    def save_model(self, request: HttpRequest, obj: Contact, form: Any, change: bool) -> None:
        fields = {name: form.cleaned_data[name] for name in CONTACT_FIELDS}
        actor = principal_for_request(request)
        if change:
            services.contact_update(contact=obj, actor=actor, **fields)
            return
        created = services.contact_create(workspace=obj.workspace, actor=actor, **fields)
        obj.pk, obj.created_at, obj.updated_at = created.pk, created.created_at, created.updated_at

    def delete_model(self, request: HttpRequest, obj: Contact) -> None:
        services.contact_delete(contact=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Contact]) -> None:
        services.contacts_delete(contacts=queryset)


@admin.register(Account)
class AccountAdmin(WorkspaceScopedAdmin):
    form = AccountAdminForm
    list_display = ["__str__", "domain", "industry", "employee_count", "owner", "workspace"]
    list_filter = ["workspace", "industry"]
    list_select_related = ["workspace", "owner"]
    search_fields = ["name", "domain", "=external_id"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [ContactInline]

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> Any:
        return [*super().get_inlines(request, obj), *account_inlines.all()]

    def formfield_for_foreignkey(
        self, db_field: models.ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.name == "owner":
            # Users are not workspace data, so the base would offer every user there is.
            principal = principal_for_request(request)
            workspace_ids = (
                Workspace.objects.values_list("pk", flat=True)
                if principal.is_superuser
                else principal.workspaces_with(self.write_permission)
            )
            kwargs["queryset"] = workspace_members(workspace_ids)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "workspace"] if obj is not None else readonly

    def save_model(self, request: HttpRequest, obj: Account, form: Any, change: bool) -> None:
        fields = {name: form.cleaned_data[name] for name in ACCOUNT_FIELDS}
        if change:
            services.account_update(account=obj, **fields)
            return
        created = services.account_create(workspace=obj.workspace, **fields)
        obj.pk, obj.created_at, obj.updated_at = created.pk, created.created_at, created.updated_at

    def delete_model(self, request: HttpRequest, obj: Account) -> None:
        services.account_delete(account=obj)


class EventTypeFilter(admin.SimpleListFilter):
    """Event types of the caller's verticals.

    Offered from the vertical profiles rather than ``SELECT DISTINCT type`` over the events
    table, which would read every event of the caller's workspaces on each page view. Other
    types still filter by URL (``?type=...``).
    """

    title = "type"
    parameter_name = "type"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        principal = principal_for_request(request)
        slugs = Workspace.objects.visible_to(principal).values_list("vertical", flat=True)
        types: set[str] = set()
        for slug in set(slugs):
            if verticals.is_registered(slug):
                types.update(verticals.get(slug).event_types)
        return [(event_type, event_type) for event_type in sorted(types)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Event]) -> QuerySet[Event]:
        value = self.value()
        return queryset.filter(type=value) if value else queryset


@admin.register(Event)
class EventAdmin(WorkspaceScopedAdmin):
    """Read-only: events are appended by the ingestion pipeline, never edited by hand."""

    list_display = ["occurred_at", "type", "contact", "source", "event_id", "workspace"]
    list_filter = [EventTypeFilter, "workspace"]
    list_select_related = ["contact", "workspace"]
    search_fields = ["=event_id", "=contact__email"]
    ordering = ["-occurred_at", "-id"]
    show_full_result_count = False  # counting every event of a big workspace is slow

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

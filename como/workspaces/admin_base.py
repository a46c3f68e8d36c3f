"""The base every admin page over workspace data is built on.

Staff see and change only rows of workspaces they are members of, with what their roles
allow; superusers see everything. Foreign-key choices are scoped the same way, so a form
cannot attach a row to someone else's workspace.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest
from unfold.admin import ModelAdmin, TabularInline

from como.jsonsafe import JSONFormField

from .admin_changelist import CheckedChangeListMixin
from .principal import principal_for_request
from .roles import Permission
from .scoping import WorkspaceScopedQuerySet


class VisibleRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A relation filter offering only related rows the caller may see.

    Workspace-owned targets (a workspace, an account) are limited to the caller's workspaces
    without scanning the listed table; other targets to the values the visible rows use.
    """

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> Any:
        related = field.remote_field.model._default_manager.all()
        if isinstance(related, WorkspaceScopedQuerySet):
            visible = related.visible_to(principal_for_request(request)).values("pk")
        else:
            visible = model_admin.get_queryset(request).values(f"{self.field_path}__pk")
        return field.get_choices(
            include_blank=False,
            ordering=self.field_admin_ordering(field, request, model_admin),
            limit_choices_to={"pk__in": visible},
        )


class RoleGatedMixin:
    """Admin permissions from workspace roles, not Django's per-model permissions.

    For a ModelAdmin ``obj`` is the row; for an inline it is the parent row. Either way the
    caller needs the permission in that row's workspace.
    """

    #: the permission a member needs in a row's workspace to add, change or delete it
    write_permission: Permission = Permission.EDIT_DATA

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        # JSON typed into a form may hold what the API's parser allows (como.jsonsafe), on
        # every page: a subclass's own formfield_overrides does not undo it.
        if isinstance(db_field, models.JSONField):
            kwargs.setdefault("form_class", JSONFormField)
            # A column defaulting to {} or [] holds that shape, never null or a bare number.
            if not db_field.null and db_field.default in (dict, list):
                kwargs.setdefault("shape", db_field.default)
        return super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]

    def _workspace_id(self, obj: Any) -> int:
        from .models import Workspace

        return int(obj.pk if isinstance(obj, Workspace) else obj.workspace_id)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        principal = principal_for_request(request)
        if obj is not None:
            return principal.can(Permission.VIEW, self._workspace_id(obj))
        return principal.is_superuser or bool(principal.workspaces_with(Permission.VIEW))

    def _can_write(self, request: HttpRequest, obj: Any = None) -> bool:
        principal = principal_for_request(request)
        if obj is not None:
            return principal.can(self.write_permission, self._workspace_id(obj))
        return principal.is_superuser or bool(principal.workspaces_with(self.write_permission))

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._can_write(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._can_write(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._can_write(request, obj)


class CheckedAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete select, redrawn safely with a posted value that is no key.

    On a form sent back with errors the widget looks its value up in the database as given, so
    ``account=NaN`` (or a key past its column's range) was a 500 on the redraw. A value the
    related key field cannot hold is left out of that lookup; the form has already said why.
    """

    def optgroups(self, name: str, value: Any, attr: Any = None) -> Any:
        target = self.field.remote_field
        key = target.model._meta.get_field(target.field_name)

        def holdable(item: Any) -> bool:
            try:
                key.run_validators(key.to_python(item))
            except (ValidationError, TypeError, ValueError):
                return False
            return True

        return super().optgroups(name, [item for item in value if holdable(item)], attr)


class WorkspaceScopedAdmin(CheckedChangeListMixin, RoleGatedMixin, ModelAdmin):
    def get_queryset(self, request: HttpRequest) -> Any:
        queryset = super().get_queryset(request)
        assert isinstance(queryset, WorkspaceScopedQuerySet), type(self).__name__
        return queryset.visible_to(principal_for_request(request))

    def get_list_filter(self, request: HttpRequest) -> Any:
        # A plain filter on a relation would offer every row of the related table, other
        # workspaces' included.
        return [
            (entry, VisibleRelatedFieldListFilter) if self._is_relation(entry) else entry
            for entry in super().get_list_filter(request)
        ]

    def _is_relation(self, entry: Any) -> bool:
        if not isinstance(entry, str):
            return False
        return bool(get_fields_from_path(self.model, entry)[-1].is_relation)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A ModelAdmin's add page has no row yet: any workspace where the caller may write.
        return self._can_write(request)

    def formfield_for_foreignkey(
        self, db_field: models.ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> Any:
        from .models import Workspace

        principal = principal_for_request(request)
        related = db_field.remote_field.model
        if related is Workspace and not principal.is_superuser:
            kwargs["queryset"] = Workspace.objects.filter(
                pk__in=sorted(principal.workspaces_with(self.write_permission))
            )
        else:
            related_rows = related._default_manager.all()
            if isinstance(related_rows, WorkspaceScopedQuerySet):
                kwargs["queryset"] = related_rows.visible_to(principal)
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = CheckedAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class NoWritesMixin:
    """Nobody adds, edits or deletes here, whatever their role (for admins and inlines)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyScopedAdmin(NoWritesMixin, WorkspaceScopedAdmin):
    """Rows the platform writes itself (an audit trail, a message log, an erasure): members
    read them, nobody adds, edits or deletes them here."""


class WorkspaceScopedInline(RoleGatedMixin, TabularInline):
    """Inlines on a scoped parent: their rows share the parent's workspace."""

    def get_queryset(self, request: HttpRequest) -> Any:
        queryset = super().get_queryset(request)
        assert isinstance(queryset, WorkspaceScopedQuerySet), type(self).__name__
        return queryset.visible_to(principal_for_request(request))


class ReadOnlyScopedInline(NoWritesMixin, WorkspaceScopedInline):
    """Rows shown on their parent's page that nobody edits there (an audit trail)."""

    extra = 0
    can_delete = False

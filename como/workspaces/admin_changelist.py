"""The admin's change list, with every query-string lookup checked before the page renders.

Django turns a lookup it cannot build into ``IncorrectLookupParameters`` (the list reloads with
``?e=1``) only where it builds it. Two kinds escape as a 500: the date hierarchy's bounds for a
year like 9999 or 10**20 (``datetime`` overflows after Django's own check), and lookups whose
values are converted only when the SQL is compiled, while the page renders (``?created_at__year
=99999``, ``__year__gt=-1``). This list builds its SQL once up front, so both reach the same
refusal as any other bad lookup. Likewise an action posted with ids that are no primary key
(``_selected_action=abc``) is refused with a message instead of failing as it runs.

Every admin gets it, ours and third-party ones (users, axes, celery beat) alike: the site
(``como.workspaces.admin_config`` in ``INSTALLED_APPS``) gives it to each ModelAdmin
registered. The site is django-unfold's, the operator console's theme: a third-party admin
registered on plain ``admin.ModelAdmin`` gets unfold's ``ModelAdmin`` mixed in too, so no page
falls out of the theme.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import EmptyResultSet, FullResultSet, ValidationError
from django.db import models
from django.http import HttpRequest
from unfold.admin import ModelAdmin as UnfoldModelAdmin
from unfold.sites import UnfoldAdminSite
from unfold.views import ChangeList as UnfoldChangeList


class CheckedChangeList(UnfoldChangeList):
    def get_filters(self, request: HttpRequest) -> Any:
        try:
            return super().get_filters(request)
        except (ValueError, OverflowError) as error:
            raise IncorrectLookupParameters(error) from error

    def get_queryset(self, request: HttpRequest, exclude_parameters: Any = None) -> Any:
        queryset = super().get_queryset(request, exclude_parameters)
        try:
            queryset.query.get_compiler(queryset.db).as_sql()
        except (EmptyResultSet, FullResultSet):
            pass  # a valid filter that matches nothing (or everything)
        except (ValueError, OverflowError, TypeError) as error:
            raise IncorrectLookupParameters(error) from error
        return queryset


class CheckedChangeListMixin:
    """The checked list, and its actions run only on ids that can be primary keys (Django
    filters ``pk__in`` with whatever was posted, and ``abc`` fails as the action runs)."""

    model: type[models.Model]

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return CheckedChangeList

    def response_action(self, request: HttpRequest, queryset: Any) -> Any:
        pk = self.model._meta.pk
        assert pk is not None
        try:
            for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME):
                pk.get_prep_value(pk.to_python(value))
        except (ValidationError, ValueError, TypeError, OverflowError):
            self.message_user(  # type: ignore[attr-defined]
                request,
                "Those items cannot be selected; no items have been changed.",
                messages.WARNING,
            )
            return None
        return super().response_action(request, queryset)  # type: ignore[misc]


class CheckedAdminSite(UnfoldAdminSite):
    """The admin site: every ModelAdmin registered on it gets the checked change list and
    unfold's ModelAdmin (the theme's forms, widgets and list templates)."""

    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        admin_class = admin_class or UnfoldModelAdmin
        bases = tuple(
            base
            for base, missing in (
                (CheckedChangeListMixin, not issubclass(admin_class, CheckedChangeListMixin)),
                (admin_class, True),
                (UnfoldModelAdmin, not issubclass(admin_class, UnfoldModelAdmin)),
            )
            if missing
        )
        if len(bases) > 1:
            admin_class = type(
                admin_class.__name__,
                bases,
                {"__module__": admin_class.__module__, "__qualname__": admin_class.__qualname__},
            )
        super().register(model_or_iterable, admin_class, **options)

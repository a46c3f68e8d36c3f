"""Query-string filters and ordering for the leads API."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request

from .models import Account, Contact, LifecycleStage
from .normalize import normalize_domain, normalize_email


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """A row id: an integer (a plain NumberFilter would accept 1.5)."""

    field_class = forms.IntegerField


class ContactFilter(django_filters.FilterSet):
    email = django_filters.CharFilter(
        method="filter_email", help_text="Exact address, matched case-insensitively."
    )
    external_id = django_filters.CharFilter(help_text="Your system's id for the contact.")
    lifecycle_stage = django_filters.ChoiceFilter(choices=LifecycleStage.choices)
    account = IdFilter(field_name="account_id", help_text="Id of the contact's account.")

    class Meta:
        model = Contact
        fields = ["email", "external_id", "lifecycle_stage", "account"]

    def filter_email(self, queryset: QuerySet[Contact], name: str, value: str) -> QuerySet[Contact]:
        # Stored addresses are normalised (trimmed, lowercase, IDNA domain), so the query is too.
        try:
            return queryset.filter(email=normalize_email(value))
        except ValidationError:
            return queryset.none()


class AccountFilter(django_filters.FilterSet):
    domain = django_filters.CharFilter(
        method="filter_domain",
        help_text="Domain, normalised like stored ones (https://www.Acme.com → acme.com).",
    )
    external_id = django_filters.CharFilter()

    class Meta:
        model = Account
        fields = ["domain", "external_id"]

    def filter_domain(
        self, queryset: QuerySet[Account], name: str, value: str
    ) -> QuerySet[Account]:
        try:
            domain = normalize_domain(value)
        except ValidationError:
            return queryset.none()
        return queryset.filter(domain=domain)


class StableOrderingFilter(OrderingFilter):
    """``?ordering=`` that is safe under cursor pagination.

    The view's ``ordering_sort_keys`` maps a public field name to the (non-null) annotation
    actually sorted by, and the primary key is appended as the tie-breaker, so every ordering
    is total and the cursor never has to compare a null.
    """

    def get_ordering(self, request: Request, queryset: QuerySet[Any], view: Any) -> list[str]:
        terms = list(super().get_ordering(request, queryset, view) or ["-pk"])
        sort_keys: dict[str, str] = getattr(view, "ordering_sort_keys", {})
        ordering = []
        for term in terms:
            descending = term.startswith("-")
            name = sort_keys.get(term.lstrip("-"), term.lstrip("-"))
            ordering.append(f"-{name}" if descending else name)
        if not any(term.lstrip("-") in ("pk", "id") for term in ordering):
            ordering.append("-id" if ordering[0].startswith("-") else "id")
        return ordering

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        fields = list(getattr(view, "ordering_fields", None) or [])
        extra = list(getattr(view, "ordering_extra", None) or [])
        default = ", ".join(getattr(view, "ordering", None) or [])
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": f"Sort by one field, `-` for descending (default: {default}).",
                "schema": {
                    "type": "string",
                    "enum": [order for field in fields for order in (field, f"-{field}")] + extra,
                },
            }
        ]

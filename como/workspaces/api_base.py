"""The base every workspace-data API view is built on.

Its ``get_queryset`` always passes through :meth:`WorkspaceScopedQuerySet.visible_to`, so a
view cannot forget tenancy; ``tests/test_tenancy.py`` walks every route and
fails if a view is not built on it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.dateparse import parse_datetime
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.viewsets import GenericViewSet

from .models import ApiKey, Workspace
from .principal import Principal, principal_for_request
from .roles import Permission
from .scoping import WorkspaceScopedQuerySet
from .validators import OUT_OF_RANGE, validate_instant

WORKSPACE_HEADER = "X-Como-Workspace"


def target_workspace(request: Request, permission: Permission = Permission.EDIT_DATA) -> Workspace:
    """The one workspace a write goes to: the API key's, or the member's named one."""
    principal = principal_for_request(request)
    slug = request.headers.get(WORKSPACE_HEADER)
    key = request.auth
    if (
        isinstance(key, ApiKey)
        and key.workspace_id in principal.workspaces_with(permission)
        and (not slug or slug == key.workspace.slug)
    ):
        # Loaded with the key (ApiKeyAuthentication): no second query on the ingest path.
        return key.workspace
    candidates = Workspace.objects.all()
    if not principal.is_superuser:
        candidates = candidates.filter(pk__in=sorted(principal.workspaces_with(permission)))
    if slug:
        workspace = candidates.filter(slug=slug).first()
        if workspace is None:
            raise exceptions.NotFound(f"No workspace {slug!r} you may write to.")
        return workspace
    found = list(candidates[:2])
    if len(found) == 1:
        return found[0]
    if not found:
        raise exceptions.PermissionDenied("You may not write to any workspace.")
    raise exceptions.ValidationError(
        {
            "workspace": [
                f"You belong to several workspaces; name one in the {WORKSPACE_HEADER} header."
            ]
        }
    )


@contextmanager
def service_errors_as_400() -> Iterator[None]:
    """Report a service's ValidationError as a 400 with the same field-keyed messages."""
    try:
        yield
    except DjangoValidationError as error:
        detail = serializers.as_serializer_error(error)
        if NON_FIELD_ERRORS in detail:
            detail[api_settings.NON_FIELD_ERRORS_KEY] = detail.pop(NON_FIELD_ERRORS)
        raise serializers.ValidationError(detail) from None


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 instant that states its offset (``Z`` or ``±HH:MM``); kept in UTC, and
    within :data:`~como.workspaces.validators.EARLIEST` and ``LATEST``: views add periods to
    it and put it in time zones, which at year 1 or 9999 leave what a datetime can hold."""

    default_error_messages = {
        "invalid": "Give an ISO 8601 date and time, e.g. 2026-01-01T10:00:00Z.",
        "naive": "Give a timezone: end with Z or an offset like +01:00.",
        "range": OUT_OF_RANGE,
    }

    def to_internal_value(self, value: Any) -> datetime:
        parsed = None
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                parsed = None
        if parsed is None:
            self.fail("invalid")
        assert parsed is not None
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            self.fail("naive")
        try:
            instant = parsed.astimezone(UTC)
            validate_instant(instant)
        except (OverflowError, DjangoValidationError):
            self.fail("range")
        return instant


class WorkspaceScopedViewSet(GenericViewSet):
    @property
    def principal(self) -> Principal:
        return principal_for_request(self.request)

    def get_queryset(self) -> Any:
        queryset = super().get_queryset()
        if not isinstance(queryset, WorkspaceScopedQuerySet):
            raise TypeError(f"{type(self).__name__}.queryset must be a WorkspaceScopedQuerySet")
        return queryset.visible_to(self.principal)

    def perform_create(self, serializer: Any) -> None:
        serializer.save(workspace=target_workspace(self.request))

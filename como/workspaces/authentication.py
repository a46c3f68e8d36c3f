from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from functools import cache
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Field, Model, Q
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from .keys import digest
from .models import ApiKey, Workspace

M = TypeVar("M", bound=Model)


def qn(name: str) -> str:
    return connection.ops.quote_name(name)


_LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiKeyCaller:
    """The ``request.user`` of a request authenticated by a workspace API key."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False
    is_active = True
    pk = None

    def __init__(self, key: ApiKey) -> None:
        self.key = key

    def __str__(self) -> str:
        return f"API key {self.key.prefix}… of {self.key.workspace.slug}"


@cache
def _key_query() -> tuple[str, list[Field[Any, Any]], list[Field[Any, Any]]]:
    key_fields = list(ApiKey._meta.concrete_fields)
    workspace_fields = list(Workspace._meta.concrete_fields)
    columns = [f"k.{qn(f.column)}" for f in key_fields]
    columns += [f"w.{qn(f.column)}" for f in workspace_fields]
    # Only the models' own column and table names, quoted: no input reaches the text.
    query = (
        f"SELECT {', '.join(columns)} FROM {qn(ApiKey._meta.db_table)} k "  # noqa: S608
        f"JOIN {qn(Workspace._meta.db_table)} w "
        f"ON w.{qn(Workspace._meta.pk.column)} = k.{qn('workspace_id')} "
        f"WHERE k.{qn('digest')} = %s AND k.{qn('revoked_at')} IS NULL"
    )
    return query, key_fields, workspace_fields


def _from_row(model: type[M], fields: list[Field[Any, Any]], values: Sequence[Any]) -> M:
    converted = []
    for field, value in zip(fields, values, strict=True):
        convert = getattr(field, "from_db_value", None)  # what the ORM would apply
        if convert is not None:
            value = convert(value, field, connection)
        converted.append(value)
    return model.from_db(connection.alias, [f.attname for f in fields], converted)


def _active_key(key_digest: str) -> ApiKey | None:
    """The unrevoked key with this digest, its workspace loaded (as ``select_related``).

    One hand-written statement instead of the ORM's: compiling the joined query cost about
    half of a ``POST /api/v1/events/collect`` request's Python (docs/architecture.md).
    """
    query, key_fields, workspace_fields = _key_query()
    with connection.cursor() as cursor:
        cursor.execute(query, [key_digest])
        row = cursor.fetchone()
    if row is None:
        return None
    key = _from_row(ApiKey, key_fields, row[: len(key_fields)])
    workspace = _from_row(Workspace, workspace_fields, row[len(key_fields) :])
    ApiKey._meta.get_field("workspace").set_cached_value(key, workspace)
    return key


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <key>`` with a workspace API key."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiKey] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Invalid Authorization header: expected 'Bearer <key>'."
            )
        try:
            raw = header[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Invalid API key.") from None
        key = _active_key(digest(raw))
        if key is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.")
        now = timezone.now()
        # One write a minute at most, not one per request on the ingest path; the row just
        # read tells whether this request is due, the conditional UPDATE keeps racing
        # requests from writing twice.
        if key.last_used_at is None or key.last_used_at < now - _LAST_USED_RESOLUTION:
            ApiKey.objects.filter(pk=key.pk).filter(
                Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - _LAST_USED_RESOLUTION)
            ).update(last_used_at=now)
        return ApiKeyCaller(key), key

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    """Describes :class:`ApiKeyAuthentication` in the OpenAPI schema."""

    target_class = ApiKeyAuthentication
    name = "workspaceApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A workspace API key: `Authorization: Bearer como_…`.",
        }

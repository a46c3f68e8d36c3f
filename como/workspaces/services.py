from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from psycopg import sql

from . import keys
from .keycache import api_keys_changed
from .models import ApiKey, Membership, Workspace
from .roles import Role


@dataclass(frozen=True)
class IssuedKey:
    """A freshly created key; ``secret`` exists only here and is never stored."""

    api_key: ApiKey
    secret: str


#: The first key of the advisory lock that a workspace's deletion takes exclusively and its
#: writers without a database foreign key to it take shared; the second is from the id.
_WRITERS_LOCK = 0x636F6D6F  # "como"
_EXISTS = sql.SQL("SELECT 1 FROM {} WHERE id = %s").format(sql.Identifier(Workspace._meta.db_table))


def _writers_lock_key(workspace_id: int) -> list[int]:
    # Two int4 keys: a space of their own, apart from the one-bigint keys used elsewhere. Two
    # workspaces sharing a second key only make a deletion wait for the other's writers too.
    return [_WRITERS_LOCK, workspace_id % 2_147_483_647]


def workspace_writers_hold(cursor: psycopg.Cursor[Any], workspace_id: int) -> bool:
    """Hold off the workspace's deletion until this transaction ends; False if it is gone.

    For writers that add rows holding the workspace without a database foreign key (ingest's
    events): a foreign-key check per row costs more than the row, and one lock per
    transaction keeps the guarantee, with :func:`workspace_delete`. An advisory lock, not a
    row lock: a row lock held by every batch would meet the ``FOR UPDATE`` that first-use
    set-ups take on the workspace row (the scoring model's) and deadlock with them.
    """
    cursor.execute("SELECT pg_advisory_xact_lock_shared(%s, %s)", _writers_lock_key(workspace_id))
    # A statement of its own: its snapshot is taken after the lock is granted.
    cursor.execute(_EXISTS, [workspace_id])
    return cursor.fetchone() is not None


@transaction.atomic
def workspace_delete(*, workspace: Workspace) -> None:
    """Delete a workspace and, by Django's cascade, everything it holds.

    It first waits for the writers that hold it (:func:`workspace_writers_hold`), so the
    cascade sees and deletes their rows, and writers that come after find the workspace gone.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", _writers_lock_key(workspace.pk))
    workspace.delete()


@transaction.atomic
def workspace_create(
    *,
    slug: str,
    vertical: str,
    name: str | None = None,
    time_zone: str = "UTC",
    country: str = "US",
    postal_address: str = "",
    owner: Any = None,
) -> Workspace:
    """Create a workspace with its agent identity (and its owner's membership, if given)."""
    User = get_user_model()
    agent = User(username=f"agent@{slug}", is_active=True, is_staff=False)
    agent.set_unusable_password()
    workspace = Workspace(
        slug=slug,
        vertical=vertical,
        name=name or slug.replace("-", " ").title(),
        time_zone=time_zone,
        country=country,
        postal_address=postal_address,
    )
    # Validate before touching the user table so a bad slug or vertical leaves no trace.
    workspace.full_clean(exclude=["agent_user"])
    if User.objects.filter(username=agent.username).exists():
        raise ValidationError({"slug": f"the agent identity {agent.username!r} already exists"})
    agent.save()
    workspace.agent_user = agent
    workspace.save()
    if owner is not None:
        membership_add(workspace=workspace, user=owner, role=Role.OWNER)
    return workspace


@transaction.atomic
def membership_add(*, workspace: Workspace, user: Any, role: Role | str) -> Membership:
    if Workspace.objects.filter(agent_user_id=user.pk).exists():
        raise ValidationError("An agent identity cannot be given a membership role.")
    membership, _ = Membership.objects.get_or_create(
        workspace=workspace, user=user, role=Role(role)
    )
    return membership


@transaction.atomic
def api_key_create(*, workspace: Workspace, name: str, created_by: Any = None) -> IssuedKey:
    secret = keys.generate_key()
    api_key = ApiKey(
        workspace=workspace,
        name=name,
        prefix=keys.display_prefix(secret),
        digest=keys.digest(secret),
        created_by=created_by if created_by is not None and created_by.pk else None,
    )
    api_key.full_clean(exclude=["digest", "workspace"])
    api_key.save()
    return IssuedKey(api_key=api_key, secret=secret)


def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        api_keys_changed()  # web processes that remember the key forget it
    return api_key

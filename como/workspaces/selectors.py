"""Reads about workspaces and their people."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from .models import Membership, Workspace
from .principal import Principal
from .roles import Permission


def member_candidates(principal: Principal) -> QuerySet[Any]:
    """The logins ``principal`` may give a role in a workspace it manages.

    A superuser may add anyone. Anybody else may add only people who belong to no workspace
    outside the ones they manage members of (a login made for them, a colleague from their
    other workspace), never another workspace's people, its agent identity or a superuser, so
    typing a name tells an owner nothing about who exists elsewhere in the installation.
    """
    users = get_user_model().objects.all()
    if principal.is_superuser:
        return users
    managed = sorted(principal.workspaces_with(Permission.MANAGE_MEMBERS))
    elsewhere = Membership.objects.exclude(workspace_id__in=managed).values("user_id")
    foreign_agents = Workspace.objects.exclude(pk__in=managed).values("agent_user_id")
    return users.filter(is_superuser=False).exclude(Q(pk__in=elsewhere) | Q(pk__in=foreign_agents))


def user_named(users: QuerySet[Any], name: str) -> Any | None:
    """The first of ``users`` whose username or email is ``name``, ignoring case."""
    return users.filter(Q(username__iexact=name) | Q(email__iexact=name)).order_by("pk").first()

"""``django.contrib.admin`` with como's site (``como.workspaces.admin_changelist``).

A module of its own because Django imports an app's config before any model exists, and the
site's module needs the models (unfold's admin classes import them).
"""

from __future__ import annotations

from django.contrib.admin.apps import AdminConfig


class CheckedAdminConfig(AdminConfig):
    """``django.contrib.admin`` with ``CheckedAdminSite`` as ``admin.site``."""

    default_site = "como.workspaces.admin_changelist.CheckedAdminSite"

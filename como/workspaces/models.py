from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower

from .roles import Role
from .scoping import WorkspaceScopedQuerySet
from .validators import validate_country, validate_time_zone, validate_vertical


class WorkspaceQuerySet(WorkspaceScopedQuerySet):
    workspace_lookup = "id"


class Workspace(models.Model):
    """A tenant: a dealer group, an OEM region, a B2B software company."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=63, unique=True)
    vertical = models.CharField(
        max_length=40,
        validators=[validate_vertical],
        help_text="Slug of a registered vertical (automotive, b2b, …).",
    )
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    country = models.CharField(max_length=2, default="US", validators=[validate_country])
    postal_address = models.TextField(
        blank=True, help_text="Printed in every commercial email footer (CAN-SPAM)."
    )
    agent_user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="agent_of",
        editable=False,
        help_text="The service identity agents act as. It proposes and can never approve.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WorkspaceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """One role a person holds in a workspace; a person with two roles has two rows."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WorkspaceScopedQuerySet.as_manager()

    class Meta:
        ordering = ["workspace", "user", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "user", "role"], name="membership_unique_role"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} in {self.workspace}"

    def clean(self) -> None:
        # Checked here as well as in membership_add so that admin forms enforce it too.
        if self.user_id and Workspace.objects.filter(agent_user_id=self.user_id).exists():
            raise ValidationError("An agent identity cannot be given a membership role.")
        # The unique constraint names the user, which forms may not show as a field (the admin
        # names people by text), so a ModelForm would not check it and the insert would fail.
        held = Membership.objects.filter(
            workspace_id=self.workspace_id, user_id=self.user_id, role=self.role
        ).exclude(pk=self.pk)
        if self.user_id and self.workspace_id and held.exists():
            raise ValidationError({"role": "This person already holds this role here."})


class ApiKey(models.Model):
    """A workspace's integration credential. Only its SHA-256 digest is stored.

    Keys are 256 bits of randomness, so a fast digest is enough: there is nothing to brute
    force, and verification must stay cheap on the ingest hot path.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, help_text="First characters, to recognise a key.")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = WorkspaceScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"
        constraints = [
            models.UniqueConstraint(
                "workspace",
                Lower("name"),
                name="api_key_unique_name_per_workspace",
                violation_error_message="This workspace already has an API key with that name.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

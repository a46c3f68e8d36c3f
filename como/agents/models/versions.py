"""Playbook versions: every save of a playbook, as it then stood in full.

A :class:`PlaybookVersion` is written by the playbook services in the transaction that saves the
playbook (:mod:`como.agents.playbooks`), so the list of versions is the playbook's audit: who
changed it, when, why, and what every setting then was (the resolved settings, not only the
workspace's choices, so a version reads the same whatever a vertical's defaults later become).
A change of the scoring rules is a scoring-model version as well, linked here.
"""

from __future__ import annotations

from django.conf import settings as django_settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q

from como.workspaces.scoping import WorkspaceOwned


class PlaybookVersion(WorkspaceOwned):
    """One saved state of a workspace's playbook; never edited."""

    number = models.PositiveIntegerField()
    settings = models.JSONField(
        encoder=DjangoJSONEncoder,
        help_text="Every setting in effect after the save, the scoring model's rules as 'scoring'.",
    )
    note = models.CharField(max_length=500, blank=True, help_text="What changed, and why.")
    created_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    scoring_model = models.ForeignKey(
        "scoring.ScoringModel",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The scoring-model version this save created, when it changed the rules.",
    )

    class Meta:
        ordering = ["workspace", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "number"], name="playbook_version_unique_number"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="playbook_version_gte_1"),
        ]

    def __str__(self) -> str:
        return f"playbook version {self.number}"

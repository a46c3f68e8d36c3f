"""What one account play did, part by part: each (action, part) is one row, run at most once
in effect (:mod:`.execution`)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from como.agents.models import AgentAction
from como.workspaces.scoping import WorkspaceOwned


class PartStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"
    FAILED = "failed", "Failed (the platform refused it)"
    SKIPPED = "skipped", "Skipped"


class AccountPlayPart(WorkspaceOwned):
    """One part of an ``account_play`` action (the handoff, the sequence enrolment, the
    LinkedIn upload) and its result. A part that is ``done``, ``failed`` or ``skipped`` is never
    run again, so re-running the action after a crash repeats nothing and one part's platform
    error neither fails nor repeats the others."""

    action = models.ForeignKey(AgentAction, on_delete=models.CASCADE, related_name="+")
    part = models.CharField(max_length=16)
    status = models.CharField(max_length=7, choices=PartStatus.choices, default=PartStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["action_id", "part"]
        constraints = [
            models.UniqueConstraint(fields=["action", "part"], name="accountplaypart_once"),
            models.CheckConstraint(
                condition=Q(status__in=PartStatus.values), name="accountplaypart_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.part} of action {self.action_id}: {self.status}"

"""Scoring models, stored per workspace and versioned.

A version is immutable once written: editing a model creates version n+1 (see
:func:`como.scoring.services.scoring_model_create_version`), so every score ever shown can be
explained again with the version that produced it. Exactly one version of a workspace is
active: the partial unique constraint guarantees at most one, the services guarantee at least
one (:func:`~como.scoring.services.scoring_model_active` creates version 1 from the vertical's
default model on first use). When a version replaces another as the active one, a
:class:`RescoreRun` re-scores the workspace's contacts with it in the background.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from como.leads.normalize import contains_nul
from como.workspaces.scoping import WorkspaceOwned

from .rules import ScoringModelError, parse_model

#: A model is a page of rules, not a document; this bounds what one version may store.
MAX_DEFINITION_BYTES = 256 * 1024


def definition_errors(definition: Any) -> list[str]:
    """``path: message`` lines for an invalid definition, empty when it is valid."""
    if not isinstance(definition, dict):
        return ["(model): must be a JSON object"]
    try:
        encoded = json.dumps(definition)
    except (TypeError, ValueError):
        return ["(model): must hold JSON values only"]
    if len(encoded) > MAX_DEFINITION_BYTES:
        return [f"(model): at most {MAX_DEFINITION_BYTES} bytes once encoded as JSON"]
    if contains_nul(definition):
        return ["(model): must not contain the NUL character"]
    try:
        parse_model(definition)
    except ScoringModelError as error:
        return [f"{path}: {message}" for path, message in error.errors]
    return []


class ScoringModel(WorkspaceOwned):
    """One version of a workspace's scoring model: rules as data (see :mod:`.rules`)."""

    version = models.PositiveIntegerField(editable=False)
    definition = models.JSONField(
        help_text="Threshold, decay, fit and intent rules; validated by como.scoring.rules."
    )
    is_active = models.BooleanField(default=False, editable=False)
    note = models.CharField(max_length=500, blank=True, help_text="What changed, and why.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["workspace", "-version"]
        verbose_name = "scoring model version"
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "version"], name="scoring_model_unique_version"
            ),
            models.UniqueConstraint(
                fields=["workspace"],
                condition=Q(is_active=True),
                name="scoring_model_one_active",
                violation_error_message="This workspace already has an active scoring model.",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="scoring_model_version_gte_1"),
        ]

    def __str__(self) -> str:
        return f"scoring model v{self.version}" + (" (active)" if self.is_active else "")

    def clean(self) -> None:
        errors = definition_errors(self.definition)
        if errors:
            raise ValidationError({"definition": errors})


class RescoreRun(WorkspaceOwned):
    """One background pass re-scoring a workspace's contacts with a newly active version.

    Started by the version services, carried out by :mod:`como.scoring.rescoring`. The row is
    the run's durable state: contacts are done in id order and ``last_contact_id`` is the
    keyset checkpoint, advanced in the transaction that stores each batch's scores, so a
    resumed run neither redoes nor skips a contact. At most one run of a workspace is
    unfinished: starting one supersedes the others.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        SUPERSEDED = "superseded", "Superseded"

    #: a run in one of these states may still change contacts' scores
    UNFINISHED = (Status.QUEUED, Status.RUNNING)

    scoring_model = models.ForeignKey(
        ScoringModel,
        on_delete=models.CASCADE,
        related_name="rescore_runs",
        help_text="The version the contacts are re-scored with.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(
        default=0, help_text="Contacts in the workspace when the run was started."
    )
    done = models.PositiveIntegerField(default=0, help_text="Contacts re-scored so far.")
    last_contact_id = models.BigIntegerField(
        default=0, help_text="Checkpoint: every contact up to this id is done."
    )
    lease_expires_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="A worker holds the run until then (renewed by every batch); a redelivered "
        "task resumes the run only once the lease has lapsed.",
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "re-score run"
        constraints = [
            # Also the index that superseding a workspace's unfinished runs uses.
            models.UniqueConstraint(
                fields=["workspace"],
                condition=Q(status__in=["queued", "running"]),
                name="rescore_run_one_unfinished",
                violation_error_message="This workspace already has an unfinished re-score run.",
            ),
        ]

    def __str__(self) -> str:
        return f"re-score run {self.pk} ({self.status})"

    @property
    def percent(self) -> float:
        """How far the run has come, 0 to 100. Contacts created during the run (scored with the
        new version on arrival, and passed over again here) can take ``done`` past ``total``."""
        if self.status == self.Status.SUCCEEDED:
            return 100.0
        if self.total == 0:
            return 0.0
        return min(100.0, 100.0 * self.done / self.total)

"""Scoring models, stored per workspace and versioned.

A version is immutable once written: editing a model creates version n+1 (see
:func:`como.scoring.services.scoring_model_create_version`), so every score ever shown can be
explained again with the version that produced it. Exactly one version of a workspace is
active: the partial unique constraint guarantees at most one, the services guarantee at least
one (:func:`~como.scoring.services.scoring_model_active` creates version 1 from the vertical's
default model on first use).
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

"""What a change of the scoring rules would do, before it is saved.

:func:`scoring_change_preview` scores every contact of the workspace twice with the real engine,
with the active version and with the proposed rules, at the same instant and from the same
stored history (:func:`como.scoring.score_state.scoring_inputs`, read once per batch), and
counts who would cross the MQL threshold either way. Nothing is written. Contacts are read in
id-ordered batches, so memory stays flat however large the workspace; the figure is in
bench/README.md (``playbook_preview.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from como.leads.models import Contact
from como.workspaces.models import Workspace

from .engine import compile_model, score_at
from .inputs import compiled
from .score_state import MQL_FROM_STAGES, scoring_inputs
from .services import scoring_model_active

BATCH_SIZE = 1_000


@dataclass(frozen=True)
class Crossing:
    """A contact whose MQL verdict the change flips, with its exact scores."""

    contact_id: int
    email: str
    name: str
    stage: str
    before: float
    after: float


@dataclass(frozen=True)
class Preview:
    """Counts over every contact of the workspace, and a sample of each direction (the
    largest moves first)."""

    at: datetime
    contacts: int
    threshold_before: float
    threshold_after: float
    mqls_before: int
    mqls_after: int
    #: below the threshold now, over it with the change (any stage)
    rising: int
    #: of those, the ones saving would move to MQL (subscribers and leads)
    promoted: int
    #: over the threshold now, below it with the change (they keep their stage)
    falling: int
    rising_sample: tuple[Crossing, ...]
    falling_sample: tuple[Crossing, ...]


def scoring_change_preview(
    *,
    workspace: Workspace,
    definition: Mapping[str, Any],
    at: datetime | None = None,
    sample: int = 10,
    batch_size: int = BATCH_SIZE,
) -> Preview:
    """Score the workspace's contacts with its active model and with ``definition`` at
    ``at`` (default now; a contact with a later event, at that event, as stored scores are).
    Raises :class:`como.scoring.rules.ScoringModelError` for an invalid ``definition``."""
    at = at or timezone.now()
    proposed = compile_model(definition)
    current = compiled(scoring_model_active(workspace=workspace))
    contacts = mqls_before = mqls_after = 0
    rising: list[Crossing] = []
    falling: list[Crossing] = []
    ids = Contact.objects.filter(workspace_id=workspace.pk).order_by("pk").values_list("pk")
    last = 0
    while batch := [pk for (pk,) in ids.filter(pk__gt=last)[:batch_size]]:
        last = batch[-1]
        for contact_id, contact, account, history in scoring_inputs(workspace.pk, batch):
            as_of = max([at, *(event.occurred_at for event in history)])
            before = score_at(current, contact, account, history, as_of)
            after = score_at(proposed, contact, account, history, as_of)
            contacts += 1
            mqls_before += before.is_mql
            mqls_after += after.is_mql
            if before.is_mql == after.is_mql:
                continue
            crossing = Crossing(
                contact_id,
                contact.email,
                f"{contact.first_name} {contact.last_name}".strip(),
                contact.lifecycle_stage,
                before.score,
                after.score,
            )
            (rising if after.is_mql else falling).append(crossing)
    return Preview(
        at=at,
        contacts=contacts,
        threshold_before=current.threshold,
        threshold_after=proposed.threshold,
        mqls_before=mqls_before,
        mqls_after=mqls_after,
        rising=len(rising),
        promoted=sum(crossing.stage in MQL_FROM_STAGES for crossing in rising),
        falling=len(falling),
        rising_sample=_largest(rising, sample),
        falling_sample=_largest(falling, sample),
    )


def _largest(crossings: list[Crossing], sample: int) -> tuple[Crossing, ...]:
    ordered = sorted(crossings, key=lambda c: (-abs(c.after - c.before), c.contact_id))
    return tuple(ordered[:sample])

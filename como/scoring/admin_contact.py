"""The contact's admin page with its score: a "Score now" panel, explained rule by rule, and a
score history chart on the change page.

Leads sits below scoring and must not import it, so scoring takes over the Contact admin:
:class:`ScoredContactAdmin` extends leads' :class:`~como.leads.admin.ContactAdmin` (same
queryset scoping, permissions, forms and services) and replaces its registration. Importing
that class registers leads' admin first, whatever the app order, so the swap always finds it.

The chart is SVG drawn on the server (no script, no external assets): :func:`score_chart`
computes the geometry here, the template writes the markup with autoescaping.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from como.consent.admin import opt_out_contacts
from como.leads.admin import ContactAdmin
from como.leads.models import Contact
from como.leads.selectors import visible_workspace_ids
from como.workspaces.models import Workspace
from como.workspaces.principal import principal_for_request

from . import selectors
from .engine import HistoryPoint
from .ranking import current_score, key_offsets
from .serializers import DISPLAY_DECIMALS
from .services import scoring_model_active

# Chart geometry in SVG user units; the SVG scales to the page width.
WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 36
X_TICKS = 6
#: about this many steps on the value axis (a round step, so 4 to 5 in fact)
Y_STEPS = 4
#: round steps, times a power of ten
ROUND_STEPS = (1, 2, 2.5, 5, 10)


@dataclass(frozen=True)
class DateTick:
    x: float
    at: datetime  # formatted by the template, in the admin's time zone


@dataclass(frozen=True)
class ValueTick:
    y: float
    label: str


@dataclass(frozen=True)
class ScoreChart:
    """What the template needs to draw the chart; positions are SVG coordinates."""

    history: Sequence[HistoryPoint]
    points: str  # the polyline's "x,y x,y …"
    threshold: float
    threshold_y: float
    x_ticks: Sequence[DateTick]
    y_ticks: Sequence[ValueTick]
    date_format: str  # for Django's date filter
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM

    @property
    def first(self) -> HistoryPoint:
        return self.history[0]

    @property
    def last(self) -> HistoryPoint:
        return self.history[-1]


def score_chart(history: Sequence[HistoryPoint], threshold: float) -> ScoreChart:
    """Scale ``history`` (ascending, non-empty) into the plot area. The value axis always
    includes 0 and the threshold, so the line is read against both."""
    low, step, steps = _value_axis([*(p.score for p in history), 0.0, threshold])
    high = low + step * steps
    start, end = history[0].at, history[-1].at
    span = max(end - start, timedelta(microseconds=1))

    def x(at: datetime) -> float:
        return round(LEFT + (at - start) / span * (WIDTH - RIGHT - LEFT), 1)

    def y(value: float) -> float:
        return round(HEIGHT - BOTTOM - (value - low) / (high - low) * (HEIGHT - BOTTOM - TOP), 1)

    dates = (start + span * n / (X_TICKS - 1) for n in range(X_TICKS))
    values = (low + step * n for n in range(steps + 1))
    return ScoreChart(
        history=history,
        points=" ".join(f"{x(p.at)},{y(p.score)}" for p in history),
        threshold=threshold,
        threshold_y=y(threshold),
        x_ticks=[DateTick(x(at), at) for at in dates],
        y_ticks=[ValueTick(y(value), f"{value:g}") for value in values],
        # A short history needs the hour to tell its ticks apart.
        date_format="Y-m-d" if span >= timedelta(days=X_TICKS) else "Y-m-d H:i",
    )


def _value_axis(values: Sequence[float]) -> tuple[float, float, int]:
    """``(low, step, steps)``: a round step and a bound that is a multiple of it, so that
    ``low + step * steps`` covers ``values`` in about :data:`Y_STEPS` round ticks."""
    low, high = min(values), max(values)
    raw = (high - low) / Y_STEPS or 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in ROUND_STEPS if m * magnitude >= raw)
    low = math.floor(low / step) * step
    return low, step, max(1, math.ceil((high - low) / step))


class ScoredContactAdmin(ContactAdmin):
    """Leads' contact admin, plus the current score: a sortable column in the list (computed
    by PostgreSQL from the stored state, the same expression as the ranked API list, so no
    contact is scored in Python) and the panel and chart on the change page."""

    change_form_template = "admin/scoring/contact_change_form.html"
    actions = [opt_out_contacts]
    list_display = [*ContactAdmin.list_display[:3], "score_now", *ContactAdmin.list_display[3:]]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Contact]:
        contacts = super().get_queryset(request)
        workspace_ids = visible_workspace_ids(principal_for_request(request))
        workspaces = Workspace.objects.filter(pk__in=sorted(workspace_ids)).order_by("pk")
        offsets = key_offsets(workspaces, timezone.now())
        if not offsets:
            return contacts
        return contacts.annotate(score_now=current_score(offsets))

    @admin.display(description="score now", ordering="score_now")
    def score_now(self, contact: Contact) -> str:
        value = getattr(contact, "score_now", None)
        return "" if value is None else f"{value:.{DISPLAY_DECIMALS}f}"

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Contact | None = None,
    ) -> HttpResponse:
        if obj is not None and obj.pk is not None:
            # A form re-shown with errors has written its unsaved input onto obj: score the
            # contact as stored, as the rest of como sees it.
            stored = obj if request.method == "GET" else Contact.objects.get(pk=obj.pk)
            context.update(score_context(stored))
        return super().render_change_form(request, context, add, change, form_url, obj)


def score_context(contact: Contact) -> dict[str, Any]:
    """The "Score now" panel and the history chart, with the workspace's active model."""
    model = scoring_model_active(workspace=contact.workspace)
    now = timezone.now()
    score = selectors.contact_score_at(contact=contact, at=now, model=model)
    history = selectors.contact_score_history(contact=contact, until=now, model=model)
    return {
        "score_contact": contact,
        "score_stage": contact.get_lifecycle_stage_display(),
        "score": score,
        "score_shown": score.rounded(DISPLAY_DECIMALS),
        "score_model": model,
        "score_chart": score_chart(history, score.threshold),
    }


admin.site.unregister(Contact)
admin.site.register(Contact, ScoredContactAdmin)

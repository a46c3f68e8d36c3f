"""The contact's admin page with its score: the "Score now" panel and the history chart.
Scoping and permissions are leads' ContactAdmin's (tests/test_tenancy.py walks it too).

The page scores at the instant of the request; tests read that instant back from the context
and compute the expected numbers from the rule points and ``expected.decayed``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from como.leads.admin import ContactAdmin
from como.leads.models import Contact
from como.scoring.admin_contact import ScoredContactAdmin, score_chart
from como.scoring.decay import QUARTER
from como.scoring.engine import HistoryPoint
from como.scoring.models import ScoringModel
from como.scoring.score_state import contacts_rescore
from como.scoring.selectors import contact_score_at, contacts_current_scores
from como.scoring.services import scoring_model_create_version
from como.workspaces.models import Workspace
from tests.como.scoring.expected import decayed
from tests.factories import ContactFactory, EventFactory, member_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

MODEL: dict[str, Any] = {
    "threshold": 50,
    "min_fit": 10,
    "decay": {"rate_per_quarter": 0.25},
    "fit": [
        {"key": "senior_title", "when": {"attr": "contact.title", "regex": r"\bvp\b"}, "points": 15}
    ],
    "intent": [
        {"key": "demo", "event_type": "demo", "points": 40},
        {
            "key": "pricing_page",
            "event_type": "page_view",
            "when": {"property": "path", "starts_with": "/pricing"},
            "points": 20,
        },
    ],
}
DAY = timedelta(days=1)
POLYLINE = re.compile(r'<polyline class="score-line" points="([^"]*)"/>')


@pytest.fixture
def model(workspace: Workspace) -> ScoringModel:
    return scoring_model_create_version(workspace=workspace, definition=MODEL)


@pytest.fixture
def contact(workspace: Workspace, model: ScoringModel) -> Contact:
    """A VP with a demo a quarter (91.3 days) ago and a pricing view 10.5 days ago."""
    contact = ContactFactory.create(
        workspace=workspace, first_name="Ana", last_name="Lima", title="VP of Data"
    )
    now = timezone.now()
    EventFactory.create(contact=contact, type="demo", properties={}, occurred_at=now - QUARTER)
    EventFactory.create(contact=contact, occurred_at=now - timedelta(days=10.5))
    return contact


def change_url(contact: Contact) -> str:
    return reverse("admin:leads_contact_change", args=[contact.pk])


def _events(contact: Contact) -> tuple[datetime, datetime]:
    demo = contact.events.get(type="demo").occurred_at
    pricing = contact.events.get(type="page_view").occurred_at
    return demo, pricing


def _row(label: str, value: str) -> str:
    return f'<tr><th scope="row">{label}</th><td>{value}</td></tr>'


def test_scoring_replaces_the_leads_contact_admin() -> None:
    registered = admin.site._registry[Contact]
    assert type(registered) is ScoredContactAdmin
    assert isinstance(registered, ContactAdmin)


def test_the_page_explains_the_score_now(workspace: Workspace, contact: Contact) -> None:
    page = member_client(workspace, "viewer").get(change_url(contact))

    assert page.status_code == 200
    at = page.context["score"].at
    demo_at, pricing_at = _events(contact)
    demo, pricing = decayed(40, demo_at, at), decayed(20, pricing_at, at)
    assert round(demo, 2) == 30.0  # 40 points a quarter ago
    html = page.content.decode()
    for row in (
        _row("Score", f"{15 + demo + pricing:.2f}"),
        _row("Fit", "15.00"),
        _row("Intent", f"{demo + pricing:.2f}"),
        _row("MQL threshold", "50"),
        _row("Minimum fit", "10"),
        _row("MQL", "yes"),
        _row("Stage", "Subscriber"),
        _row("Model version", "1"),
        "<tr><td>senior_title</td><td>fit</td><td>15.00</td></tr>",
        "<tr><td>demo</td><td>intent</td><td>30.00</td></tr>",
        f"<tr><td>pricing_page</td><td>intent</td><td>{pricing:.2f}</td></tr>",
    ):
        assert row in html
    # The explanation is the API's, to the digit.
    assert page.context["score_shown"]["breakdown"] == [
        {"rule": "senior_title", "kind": "fit", "points": 15.0},
        {"rule": "demo", "kind": "intent", "points": round(demo, 2)},
        {"rule": "pricing_page", "kind": "intent", "points": round(pricing, 2)},
    ]


def test_the_chart_draws_the_exact_score_history(workspace: Workspace, contact: Contact) -> None:
    page = member_client(workspace).get(change_url(contact))

    chart = page.context["score_chart"]
    html = page.content.decode()
    (points,) = POLYLINE.findall(html)
    # A point a day since just before the demo (days 0..91 back), and a step at each event.
    assert len(points.split()) == len(chart.history) == 92 + 4
    assert chart.last.at == page.context["score"].at
    for point in chart.history:
        exact = contact_score_at(contact=contact, at=point.at)
        assert point.score == pytest.approx(exact.score, abs=1e-9)
    assert chart.first.score == 15.0  # just before the demo: fit only
    # Values 0..80 in steps of 20 over y 224..16, so the threshold (50) is at y = 94.
    assert [tick.label for tick in chart.y_ticks] == ["0", "20", "40", "60", "80"]
    assert chart.threshold_y == 94.0
    assert '<line class="score-threshold" x1="56" x2="704" y1="94.0" y2="94.0"/>' in html
    assert ">MQL threshold 50</text>" in html
    demo_at, _ = _events(contact)
    assert f">{demo_at:%Y-%m-%d}</text>" in html  # the first date on the time axis
    assert '<title id="score-history-title">Score history of Ana Lima</title>' in html
    assert 'aria-labelledby="score-history-title score-history-desc"' in html


def test_a_contact_without_events_has_a_flat_chart_at_its_fit(
    workspace: Workspace, model: ScoringModel
) -> None:
    quiet = ContactFactory.create(workspace=workspace, title="VP of Sales")

    page = member_client(workspace).get(change_url(quiet))

    chart = page.context["score_chart"]
    assert len(chart.history) == 181  # a point a day over 180 days
    assert {point.score for point in chart.history} == {15.0}
    assert _row("MQL", "no") in page.content.decode()
    assert "<tr><td>senior_title</td><td>fit</td><td>15.00</td></tr>" in page.content.decode()


def test_names_are_escaped(workspace: Workspace, model: ScoringModel) -> None:
    sneaky = ContactFactory.create(workspace=workspace, first_name="<b>Ana</b>", last_name="")

    html = member_client(workspace).get(change_url(sneaky)).content.decode()

    assert "Score history of &lt;b&gt;Ana&lt;/b&gt;</title>" in html
    assert "<b>Ana</b>" not in html


def test_another_workspaces_contact_is_not_reachable(
    workspace: Workspace, other_workspace: Workspace, contact: Contact
) -> None:
    rival = ContactFactory.create(workspace=other_workspace, title="VP of Data")
    ours = member_client(workspace, "owner")

    foreign = ours.get(change_url(rival))
    missing = ours.get(reverse("admin:leads_contact_change", args=[rival.pk + 1000]))

    # Exactly like a contact that does not exist: back to the index, nothing scored.
    assert (foreign.status_code, foreign["Location"]) == (302, reverse("admin:index"))
    assert (missing.status_code, missing["Location"]) == (302, reverse("admin:index"))
    theirs = member_client(other_workspace).get(change_url(rival))
    assert theirs.status_code == 200
    assert theirs.context["score_model"].workspace_id == other_workspace.pk


def test_a_form_shown_again_with_errors_scores_the_contact_as_stored(
    workspace: Workspace, contact: Contact
) -> None:
    client = member_client(workspace)
    form_page = client.get(change_url(contact))
    data = _form_data(form_page)
    data.update(title="Intern", phone="not a phone")

    page = client.post(change_url(contact), data)

    assert page.status_code == 200
    assert page.context["adminform"].form.errors.keys() == {"phone"}
    assert page.context["score"].fit == 15.0  # the stored VP title, not the unsaved one
    contact.refresh_from_db()
    assert contact.title == "VP of Data"


def _form_data(page: Any) -> dict[str, Any]:
    """What the change form would post back unchanged (fields and inline management forms)."""
    form = page.context["adminform"].form
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()  # already as the widget shows it (JSON as text)
        data[name] = "" if value is None else value
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
    return data


@pytest.mark.parametrize(
    ("scores", "threshold", "labels"),
    [
        ([0.0], 0.0, ["0", "1"]),  # nothing to scale: still an axis to read
        ([15.0, 87.2], 50.0, ["0", "25", "50", "75", "100"]),
        ([-12.0, 3.0], 60.0, ["-20", "0", "20", "40", "60"]),
    ],
)
def test_the_value_axis_is_round_and_holds_zero_the_threshold_and_every_point(
    scores: list[float], threshold: float, labels: list[str]
) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    history = [HistoryPoint(start + n * DAY, s, 0.0, s) for n, s in enumerate(scores)]

    chart = score_chart(history, threshold)

    assert [tick.label for tick in chart.y_ticks] == labels
    ys = [float(xy.split(",")[1]) for xy in chart.points.split()]
    assert all(chart.top <= y <= chart.bottom for y in [*ys, chart.threshold_y])
    assert chart.x_ticks[0].x == chart.left
    assert chart.x_ticks[-1].x == chart.right


# --- the stored score, for lists ---------------------------------------------------------------


def test_stored_score_is_decayed_to_any_instant(workspace: Workspace, contact: Contact) -> None:
    stored_at = datetime(2026, 2, 1, tzinfo=UTC)
    contact.events.all().delete()
    EventFactory.create(contact=contact, type="demo", properties={}, occurred_at=stored_at)
    contacts_rescore(workspace=workspace, contact_ids=[contact.pk], at=stored_at)
    never_scored = ContactFactory.create(workspace=workspace)
    rows = Contact.objects.filter(pk__in=[contact.pk, never_scored.pk])

    scores = contacts_current_scores(rows, stored_at + 2 * QUARTER)

    assert scores == {contact.pk: pytest.approx(15 + 40 * 0.75**2, abs=1e-12)}
    # A state stored ahead of the instant asked about (an event from the future) stays as is.
    early = contacts_current_scores(rows, stored_at - timedelta(hours=1))
    assert early == {contact.pk: pytest.approx(55.0, abs=1e-12)}

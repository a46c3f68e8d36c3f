"""Northwind Cloud's intent data in the demo: eight weeks of a Bombora-style Company Surge export
(topics per account and week) and a 6sense-style company export (intent score, buying stage,
profile fit), both written as CSV and imported through :func:`.csv_import.intent_csv_import`,
the path a customer's files take.

The accounts whose people are most active (their contacts' stored intent) surge; the rest read
average or below. Two domains the workspace has no account of are in the files too: they are
stored unlinked (the playbook does not create accounts from intent by default). Deterministic
from the demo's seed and anchor, and idempotent: a second seeding finds every reading unchanged.
"""

from __future__ import annotations

import io
import random
from datetime import datetime, timedelta

from django.db.models import Sum

from como import csvsafe
from como.demo.b2b import SPEC
from como.leads.models import Account
from como.workspaces.models import Workspace

from .csv_import import intent_csv_import
from .models import SignalSource
from .schema import week_of

WEEKS = 8
TOPICS = (
    "Cloud Data Warehouse",
    "Data Integration",
    "ETL",
    "Data Governance",
    "Business Intelligence",
    "Data Lakehouse",
)
STRANGERS = ("fjordline-analytics.example", "kestrel-biotech.example")
STAGES = ("target", "awareness", "consideration", "decision", "purchase")


def demo_intent_seed(workspace: Workspace, history_ends_at: datetime) -> list[str]:
    if workspace.slug != SPEC.slug:
        return []
    rng = random.Random(SPEC.seed + 17)
    ranked = list(
        Account.objects.filter(workspace=workspace)
        .exclude(domain="")
        .annotate(activity=Sum("contacts__score__score_intent"))
        .order_by("-activity", "domain")
        .values_list("domain", flat=True)
    )
    if not ranked:
        return []
    hot = set(ranked[: max(1, len(ranked) // 5)])
    warm = set(ranked[len(hot) : len(hot) * 2])
    last_week = week_of(history_ends_at) - timedelta(days=7)
    weeks = [last_week - timedelta(days=7 * n) for n in reversed(range(WEEKS))]

    surge = io.StringIO()
    writer = csvsafe.writer(surge)
    writer.writerow(["Domain", "Topic", "Composite Score", "Week"])
    for domain in [*ranked, *STRANGERS]:
        topics = rng.sample(TOPICS, 3)
        for position, week in enumerate(weeks):
            ramp = position / (WEEKS - 1)  # in-market accounts heat up towards the end
            for topic in topics:
                if domain in hot:
                    score = round(50 + 40 * ramp + rng.uniform(-5, 8))
                elif domain in warm:
                    score = round(45 + 15 * ramp + rng.uniform(-8, 8))
                else:
                    score = round(rng.uniform(20, 55))
                writer.writerow([domain, topic, min(score, 100), week.isoformat()])

    company = io.StringIO()
    writer = csvsafe.writer(company)
    writer.writerow(
        [
            "domain",
            "company_intent_score",
            "company_buying_stage",
            "company_profile_fit",
            "company_profile_score",
            "keywords",
            "week",
        ]
    )
    for domain in ranked:
        fit_score = rng.randint(35, 98)
        fit = "Strong" if fit_score > 80 else "Moderate" if fit_score >= 50 else "Weak"
        for position, week in enumerate(weeks[-4:]):
            if domain in hot:
                score, stage = 62 + 8 * position + rng.randint(0, 6), STAGES[2 + position // 2]
            elif domain in warm:
                score, stage = 45 + 4 * position + rng.randint(0, 6), STAGES[1 + position // 3]
            else:
                score, stage = rng.randint(10, 45), STAGES[position // 3]
            keywords = "; ".join(rng.sample(["snowflake alternative", "etl pricing", "dbt"], 2))
            writer.writerow(
                [domain, min(score, 100), stage.title(), fit, fit_score, keywords, week]
            )

    lines = []
    for name, text in (("Bombora-style surge", surge), ("6sense-style company", company)):
        report = intent_csv_import(
            workspace=workspace,
            data=text.getvalue().encode(),
            source=SignalSource.DEMO,
            now=history_ends_at,
        )
        counts = ", ".join(f"{n} {k}" for k, n in report.counts.items() if n)
        lines.append(f"{workspace.slug}: intent ({name} export, {report.preset}): {counts}")
        if report.errors:
            lines.append(f"{workspace.slug}: intent import errors: {report.errors[:3]}")
    return lines

"""A demo-like B2B account for the account page's tests: a committee of the seven default
roles with three engaged, and intent from both provider shapes through the real CSV import.

The figures the tests assert are computed here by hand: the Bombora-style file has two topics
over four weeks (scores below, ≥ 60 surging), the 6sense-style file two weeks of company
intent (no topic).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from como.ingest.services import events_ingest
from como.leads.models import Account, Contact
from como.leads.services import contact_create
from como.workspaces.models import Workspace
from verticals.b2b.intent.csv_import import intent_csv_import
from verticals.b2b.intent.schema import week_of

from .helpers import page_view

DOMAIN = "acme-robotics.com"
#: one title per default role, in the playbook's order; first names for the page
PEOPLE = {
    "legal_compliance": ("Lena", "General Counsel"),
    "procurement": ("Paco", "Procurement Manager"),
    "economic_buyer": ("Eve", "VP of Data"),
    "executive_sponsor": ("Xavi", "CTO"),
    "champion": ("Cleo", "Director of Data Engineering"),
    "technical_evaluator": ("Tom", "Staff Data Engineer"),
    "end_user": ("Uma", "Data Analyst"),
}
ENGAGED = ("champion", "economic_buyer", "technical_evaluator")
MISSING_LABELS = ("Legal & compliance", "Procurement", "Executive sponsor", "End user")
#: Bombora-style scores per topic, oldest week first (4 weeks ending last week)
SURGE = {"ETL": (48, 55, 62, 71), "Data Lakehouse": (40, 44, 58, 66)}
#: 6sense-style company intent for the last two weeks
SIXSENSE = (52, 64)


@dataclass(frozen=True)
class AccountPage:
    account: Account
    people: dict[str, Contact]
    weeks: tuple[date, ...]  # the four Mondays, oldest first


def demo_like_account(workspace: Workspace, now: datetime | None = None) -> AccountPage:
    now = now or timezone.now()
    people = {
        role: contact_create(
            workspace=workspace,
            email=f"{first.lower()}@{DOMAIN}",
            first_name=first,
            last_name="Acme",
            title=title,
        )
        for role, (first, title) in PEOPLE.items()
    }
    account = Account.objects.get(workspace=workspace, domain=DOMAIN)
    account.name, account.industry, account.employee_count, account.country = (
        "Acme Robotics",
        "Manufacturing",
        1200,
        "US",
    )
    account.save()
    # A pricing-page view (20 points in the default B2B model) five days ago: engaged.
    for n, role in enumerate(ENGAGED):
        at = (now - timedelta(days=5)).isoformat().replace("+00:00", "Z")
        results = events_ingest(
            workspace=workspace, events=[page_view(f"acme-{n}", people[role].email, at)]
        )
        assert results[0].status == "created"
    last = week_of(now) - timedelta(days=7)
    weeks = tuple(last - timedelta(days=7 * n) for n in reversed(range(4)))
    surge = ["Domain,Topic,Composite Score,Week"] + [
        f"{DOMAIN},{topic},{score},{week.isoformat()}"
        for topic, scores in SURGE.items()
        for week, score in zip(weeks, scores, strict=True)
    ]
    company = ["domain,company_intent_score,company_buying_stage,week"] + [
        f"{DOMAIN},{score},Consideration,{week.isoformat()}"
        for week, score in zip(weeks[-2:], SIXSENSE, strict=True)
    ]
    for lines in (surge, company):
        report = intent_csv_import(
            workspace=workspace, data="\n".join(lines).encode(), source="csv", now=now
        )
        assert not report.errors, report.errors
    return AccountPage(account, people, weeks)

"""Account scores, stages and MQAs (issue 17 item 3): exact scores by hand at two instants, the
stored state kept at ingest, an MQA made in the ingest transaction with its transition and hook,
and the ranked account list equal to a full sort."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from como.agents.models import ActionStatus, AgentAction
from como.deals.services import opportunities_save
from como.ingest.services import events_ingest
from como.leads.models import Account
from como.leads.services import contact_create, contact_update
from como.scoring.decay import ranking_key
from como.workspaces.models import Workspace
from verticals.b2b.accounts.hooks import ACCOUNT_STAGE_CHANGED
from verticals.b2b.accounts.models import AccountTransition
from verticals.b2b.accounts.ranking import ACCOUNT_SCORES, accounts_current_scores
from verticals.b2b.accounts.score_state import accounts_rescore, roles_engaged
from verticals.b2b.accounts.scores import account_score_at
from verticals.b2b.accounts.selectors import committee
from verticals.b2b.accounts.settings import accounts_settings
from verticals.b2b.intent.selectors import intent_rate
from verticals.b2b.intent.services import intent_signals_record

from .helpers import page_view, set_accounts
from .test_committee import TITLES

pytestmark = pytest.mark.django_db

QUARTER = timedelta(days=91.3)
#: the default B2B model's decay: 25 % a quarter
KEEP = 0.75


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def _view(workspace: Workspace, email: str, at: datetime, id: str) -> None:
    """One pricing-page view: 20 intent points in the default B2B model."""
    (result,) = events_ingest(workspace=workspace, events=[page_view(id, email, _iso(at))])
    assert result.status == "created"


def _fitting_account(workspace: Workspace) -> Account:
    # ICP (the playbook's defaults): Software 20 + 1,000-4,999 employees 25 + US 10
    # + Snowflake 10 + AWS 5 = 70 fit points.
    return Account.objects.create(
        workspace=workspace,
        domain="acme.com",
        name="Acme",
        industry="software",
        employee_count=1200,
        country="US",
        attributes={"technologies": ["AWS", "Snowflake", "Excel"]},
    )


def test_account_score_by_hand_at_two_instants(workspace: Workspace, api: APIClient) -> None:
    account = _fitting_account(workspace)
    cto = contact_create(workspace=workspace, email="cto@acme.com", title="CTO")
    director = contact_create(
        workspace=workspace, email="dir@acme.com", title="Director of Data Engineering"
    )
    contact_create(workspace=workspace, email="ana@acme.com", title="Data Analyst")
    base = datetime(2026, 11, 2, 12, tzinfo=UTC)
    _view(workspace, cto.email, base, "e1")
    _view(workspace, director.email, base + timedelta(days=10), "e2")
    # A Bombora surge of 80 observed 3 days in: 80 * 0.25 = 20 points.
    (signal,) = intent_signals_record(
        workspace=workspace,
        source="api",
        items=[
            {
                "provider": "bombora",
                "domain": "acme.com",
                "topic": "Cloud Data Warehouse",
                "score": 80,
                "week": "2026-11-02",
                "observed_at": _iso(base + timedelta(days=3)),
            }
        ],
    )
    assert (signal.status, signal.account) == ("created", account.pk)

    # At t1 = base + 20 days:
    #   fit 70
    #   CTO (C-level, 200 %): 2 * 20 * 0.75^(20/91.3)
    #   director (125 %):     1.25 * 20 * 0.75^(10/91.3)
    #   analyst (other 50 %): 0.5 * 0 (no events)
    #   signal:               20 * 0.75^(17/91.3)
    t1 = base + timedelta(days=20)
    by_hand_t1 = 70 + 40 * KEEP ** (20 / 91.3) + 25 * KEEP ** (10 / 91.3) + 20 * KEEP ** (17 / 91.3)
    assert by_hand_t1 == pytest.approx(150.7384, abs=5e-5)
    # Two quarters later every intent part has 0.75² = 0.5625 of it left; fit stays.
    t2 = t1 + 2 * QUARTER
    by_hand_t2 = 70 + 0.5625 * (by_hand_t1 - 70)
    assert by_hand_t2 == pytest.approx(115.4154, abs=5e-5)

    explained = account_score_at(account, t1)
    assert explained.score == pytest.approx(by_hand_t1, rel=1e-12)
    assert [(i.criterion, i.value, i.points) for i in explained.fit_items] == [
        ("industry", "software", 20),
        ("employee_band", "1000-4999", 25),
        ("country", "US", 10),
        ("technology", "Snowflake", 10),
        ("technology", "AWS", 5),
    ]
    parts = {part.contact_id: part for part in explained.members}
    assert parts[cto.pk].weight == 2.0
    assert parts[director.pk].weight == 1.25
    assert parts[cto.pk].value == pytest.approx(40 * KEEP ** (20 / 91.3), rel=1e-12)
    assert explained.signals.intent == pytest.approx(20 * KEEP ** (17 / 91.3), rel=1e-12)
    assert account_score_at(account, t2).score == pytest.approx(by_hand_t2, rel=1e-12)

    # The stored state (kept at ingest and when the signal arrived) gives the same score at
    # any instant from its as_of on, with no history read.
    account.refresh_from_db()
    assert account.score_fit == 70
    assert accounts_current_scores([account], t2)[account.pk] == pytest.approx(by_hand_t2, rel=1e-9)

    # The API: the same numbers, part by part.
    body = api.get(f"/api/v1/accounts/{account.pk}/score", {"at": _iso(t1)}).json()
    assert body["score"] == pytest.approx(by_hand_t1, rel=1e-12)
    assert body["fit"] == 70
    assert len(body["members"]) == 3
    assert body["signals"]["signals"][0]["status"] == "surge"
    listed = api.get(f"/api/v1/accounts/{account.pk}").json()
    assert listed["stage"] == account.stage
    now = accounts_current_scores([account], timezone.now())[account.pk]
    assert listed["score"] == pytest.approx(now, abs=0.01)


def test_the_score_of_a_foreign_account_is_a_404(
    workspace: Workspace, other_workspace: Workspace, api: APIClient
) -> None:
    foreign = Account.objects.create(workspace=other_workspace, domain="rival.com")
    assert api.get(f"/api/v1/accounts/{foreign.pk}/score").status_code == 404
    assert api.get("/api/v1/accounts/1/score", {"at": "yesterday"}).status_code in (400, 404)


def test_a_fourth_required_role_engaged_makes_an_mqa_in_the_ingest_transaction(
    workspace: Workspace,
) -> None:
    # The account play uploads the missing roles' companies to a LinkedIn segment.
    set_accounts(workspace, play={"parts": ["audience"], "linkedin_segment": "4242"})
    now = timezone.now()
    people = {
        role: contact_create(workspace=workspace, email=f"{role}@acme.com", title=title)
        for role, title in TITLES.items()
    }
    account = Account.objects.get(workspace=workspace, domain="acme.com")
    for n, role in enumerate(("champion", "economic_buyer", "technical_evaluator")):
        _view(workspace, people[role].email, now - timedelta(days=5), f"e{n}")

    found = committee(account, at=now)
    assert (len(found.covered), len(found.required)) == (3, 7)
    assert found.missing == ("legal_compliance", "procurement", "executive_sponsor", "end_user")
    account.refresh_from_db()
    # Director 125 % + VP 150 % + other 50 % of 20 * 0.75^(5/91.3) each ≈ 64.5: engaged, and
    # short of the MQA's 100 (and of its fourth role).
    assert account.stage == "engaged"
    assert [(t.from_stage, t.to_stage) for t in account.transitions.order_by("at", "id")] == [
        ("target", "aware"),
        ("aware", "engaged"),
    ]

    seen: list[tuple[list[Any], bool, bool]] = []

    def handler(ws: Workspace, transitions: Any) -> None:
        assert ws == workspace
        seen.append(
            (
                [(t.account_id, t.from_stage, t.to_stage, t.roles_engaged) for t in transitions],
                connection.in_atomic_block,
                AccountTransition.objects.filter(pk__in=[t.pk for t in transitions]).exists(),
            )
        )

    with ACCOUNT_STAGE_CHANGED.override(*ACCOUNT_STAGE_CHANGED.all(), handler):
        # The CTO (executive sponsor, C-level 200 %): + 40 * 0.75^(1/91.3) ≈ 39.9 → ≈ 104.
        _view(workspace, people["executive_sponsor"].email, now - timedelta(days=1), "e9")

    assert seen == [([(account.pk, "engaged", "mqa", 4)], True, True)]
    account.refresh_from_db()
    assert account.stage == "mqa"
    mqa = account.transitions.get(to_stage="mqa")
    rate = intent_rate(workspace)
    assert rate == 0.25
    assert mqa.score == pytest.approx(account.score_fit + account.score_intent, rel=1e-12)
    assert mqa.score is not None
    assert mqa.score >= 100
    assert "4 required roles engaged" in mqa.reason
    assert committee(account, at=now).missing == ("legal_compliance", "procurement", "end_user")
    # The stage move's lean count of engaged required roles is the committee's coverage.
    settings = accounts_settings(workspace)
    assert roles_engaged(workspace, [account.pk], at=now, settings=settings) == {account.pk: 4}
    # ... and the ABM agent proposed the account play in that transaction, with the gap.
    (play,) = AgentAction.objects.filter(
        workspace=workspace, kind="account_play", target_type="account", target_id=account.pk
    )
    assert play.status == ActionStatus.PROPOSED
    assert play.payload["reason"] == "mqa"
    assert play.payload["changed"]["transition_id"] == mqa.pk
    assert play.payload["changed"]["roles_engaged"] == 4
    assert play.payload["parts"] == ["audience"]
    assert [c["domain"] for c in play.payload["audience"]["companies"]] == ["acme.com"]


def test_no_mqa_without_enough_roles_even_over_the_score(workspace: Workspace) -> None:
    set_accounts(
        workspace, scoring={"stages": {"aware": 10, "engaged": 20, "mqa": 30, "mqa_min_roles": 2}}
    )
    cto = contact_create(workspace=workspace, email="cto@acme.com", title="CTO")
    _view(workspace, cto.email, timezone.now() - timedelta(days=1), "e1")
    account = Account.objects.get(domain="acme.com")
    assert account.stage == "engaged"  # 40 points: over the MQA's score, one role engaged
    assert account.score_fit + account.score_intent >= 30


def test_deals_move_the_account_to_opportunity_then_customer(workspace: Workspace) -> None:
    account = _fitting_account(workspace)

    def deal(status: str, **extra: Any) -> None:
        (outcome,) = opportunities_save(
            workspace=workspace,
            via="api",
            items=[
                {
                    "external_id": "SF-1",
                    "name": "Acme platform",
                    "account": {"domain": "acme.com"},
                    "status": status,
                    "amount": "1000",
                    "opened_at": "2026-10-01T10:00:00Z",
                    **extra,
                }
            ],
        )
        assert outcome.status in ("created", "updated"), outcome

    deal("open")
    account.refresh_from_db()
    assert account.stage == "opportunity"
    deal("won", closed_at="2026-11-01T10:00:00Z", stage="Closed Won")
    account.refresh_from_db()
    assert account.stage == "customer"
    assert [(t.from_stage, t.to_stage) for t in account.transitions.order_by("at")] == [
        ("target", "opportunity"),
        ("opportunity", "customer"),
    ]
    # A score never moves a deal's account back.
    accounts_rescore(workspace=workspace, account_ids=[account.pk])
    account.refresh_from_db()
    assert account.stage == "customer"


def test_the_ranked_account_list_equals_a_full_sort(workspace: Workspace, api: APIClient) -> None:
    rng = random.Random(17)
    rate = intent_rate(workspace)
    now = timezone.now()
    accounts = Account.objects.bulk_create(
        Account(workspace=workspace, domain=f"a{n}.example") for n in range(130)
    )
    for account in accounts:
        intent = rng.choice([0.0, -rng.uniform(0, 30), rng.uniform(0, 200), rng.uniform(0, 5)])
        as_of = now - timedelta(days=rng.uniform(0, 200))
        sign, key = ranking_key(intent, as_of, rate)
        Account.objects.filter(pk=account.pk).update(
            score_fit=rng.choice([0.0, 15.0, 40.0, 70.0]),
            score_intent=intent,
            score_as_of=as_of,
            score_intent_sign=sign,
            score_intent_key=key,
        )
    at = now + timedelta(days=3)
    fresh = list(Account.objects.filter(workspace=workspace).select_related("workspace"))
    scores = accounts_current_scores(fresh, at)
    full = sorted(scores.items(), key=lambda item: (-item[1], -item[0]))

    ranked = ACCOUNT_SCORES.rank(
        Account.objects.filter(workspace=workspace),
        workspace_ids=[workspace.pk],
        at=at,
        offset=0,
        limit=200,
    )
    assert [pk for pk, _ in ranked] == [pk for pk, _ in full]
    assert [score for _, score in ranked] == pytest.approx([s for _, s in full], rel=1e-9)
    middle = ACCOUNT_SCORES.rank(
        Account.objects.filter(workspace=workspace),
        workspace_ids=[workspace.pk],
        at=at,
        offset=37,
        limit=20,
    )
    assert [pk for pk, _ in middle] == [pk for pk, _ in full[37:57]]

    # Through the API: every page of one listing, in order, is the full sort.
    seen: list[int] = []
    response = api.get("/api/v1/accounts", {"ordering": "-score", "at": _iso(at)})
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        seen += [row["id"] for row in body["results"]]
        if not body["next"]:
            break
        response = api.get(body["next"])
    assert seen == [pk for pk, _ in full]
    assert api.get("/api/v1/accounts", {"ordering": "score"}).status_code == 400


def test_recompute_account_scores_recomputes_every_account_with_progress(
    workspace: Workspace,
) -> None:
    from io import StringIO

    from django.core.management import call_command

    accounts = Account.objects.bulk_create(
        Account(workspace=workspace, domain=f"a{n}.example", industry="Software", country="US")
        for n in range(5)
    )
    # A bulk load bypasses the writers: nothing is stored until the recompute.
    assert not Account.objects.filter(workspace=workspace, score_as_of__isnull=False).exists()
    out = StringIO()
    call_command("recompute_account_scores", workspace="acme", batch=2, stdout=out)
    assert out.getvalue().splitlines()[:3] == [
        "acme: 2/5 accounts",
        "acme: 4/5 accounts",
        "acme: 5/5 accounts",
    ]
    for account in Account.objects.filter(pk__in=[a.pk for a in accounts]):
        assert (account.score_fit, account.score_intent, account.stage) == (30, 0, "aware")


def test_an_account_a_member_leaves_drops_the_members_intent(workspace: Workspace) -> None:
    """A contact moved to another account takes its intent along: the account it left is
    rescored in the same transaction, not left counting the member until its next event."""
    account = _fitting_account(workspace)
    other = Account.objects.create(workspace=workspace, domain="globex.com", name="Globex")
    cto = contact_create(workspace=workspace, email="cto@acme.com", title="CTO")
    at = timezone.now() - timedelta(hours=1)
    _view(workspace, cto.email, at, "e1")
    account.refresh_from_db()
    # fit 70 (see above) + the CTO's 20 points at 200 %, decayed to the state's instant.
    assert account.score_fit == 70
    assert account.score_as_of is not None
    age = (account.score_as_of - at) / QUARTER
    assert account.score_intent == pytest.approx(40 * KEEP**age, rel=1e-9)

    contact_update(contact=cto, account=other)

    account.refresh_from_db()
    other.refresh_from_db()
    assert committee(account, at=timezone.now()).members == ()
    assert accounts_current_scores([account], timezone.now())[account.pk] == pytest.approx(70)
    # The account it joined counts it now (Globex has no ICP fit: intent alone).
    assert other.score_intent > 39


def test_a_merged_away_member_leaves_its_account(workspace: Workspace) -> None:
    """Identity resolution merging a member into a contact of another account rescores the
    account the merged contact left."""
    from como.leads.reactions import contacts_merged

    account = _fitting_account(workspace)
    other = Account.objects.create(workspace=workspace, domain="globex.com", name="Globex")
    visitor = contact_create(workspace=workspace, email="cto@acme.com", title="CTO")
    survivor = contact_create(workspace=workspace, email="cto@globex.com", title="CTO")
    _view(workspace, visitor.email, timezone.now() - timedelta(hours=1), "e1")
    account.refresh_from_db()
    assert account.score_intent > 39

    with transaction.atomic():
        contacts_merged(workspace.pk, {visitor.pk: survivor.pk})

    account.refresh_from_db()
    assert account.score_intent == 0
    assert other.pk != account.pk

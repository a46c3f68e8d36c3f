"""``POST /api/v1/intent/signals`` and ``GET /api/v1/accounts/{id}/intent``: a batch answered
item by item, idempotent by (provider, domain, topic, week), and an account's intent exact at two
instants through the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from como.agents.playbooks import playbook_update
from como.agents.services import playbook_for
from como.leads.models import Account
from como.leads.services import account_create
from como.workspaces.models import Workspace
from verticals.b2b.intent.models import IntentSignal
from verticals.b2b.intent.selectors import accounts_intent_at
from verticals.b2b.intent.services import MAX_BATCH, intent_accounts_link

URL = "/api/v1/intent/signals"
QUARTER = timedelta(days=91.3)
MONDAY = datetime(2026, 9, 7, tzinfo=UTC)


def surge(domain: str = "northwind.example", **fields: Any) -> dict[str, Any]:
    return {
        "provider": "bombora",
        "domain": domain,
        "topic": "Cloud Data Warehouse",
        "score": 72,
        "week": "2026-11-23",
        **fields,
    }


def post(api: APIClient, *items: Any) -> Any:
    return api.post(URL, {"signals": list(items)}, format="json")


@pytest.fixture
def account(workspace: Workspace) -> Account:
    return account_create(workspace=workspace, domain="northwind.example", name="Northwind")


def test_a_batch_is_answered_item_by_item_and_good_items_are_kept(
    api: APIClient, account: Account
) -> None:
    response = post(
        api,
        surge(),
        surge(domain="not a domain", score=101, week="2026-11-25"),
        surge(topic="ETL", domain="https://www.Northwind.example/pricing"),
        {
            "provider": "6sense",
            "domain": "beta.example",
            "score": 81,
            "buying_stage": "Decision",
            "observed_at": "2026-11-24T09:30:00Z",
            "profile_fit": "Strong",
            "keywords": ["dbt"],
        },
    )
    assert response.status_code == 207, response.content
    body = response.json()
    assert (body["created"], body["rejected"]) == (3, 1)
    rejected = body["results"][1]
    assert rejected["index"] == 1
    assert rejected["status"] == "rejected"
    assert set(rejected["errors"]) == {"domain", "score", "week"}
    assert "Wednesday" in rejected["errors"]["week"][0]
    assert [r["account"] for r in body["results"]] == [account.pk, None, account.pk, None]
    stored = IntentSignal.objects.get(pk=body["results"][3]["id"])
    assert (stored.buying_stage, stored.profile_fit, stored.keywords) == (
        "decision",
        "strong",
        ["dbt"],
    )
    assert str(stored.week) == "2026-11-23"  # the Monday of the observed instant's ISO week
    assert stored.occurred_at == datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    assert IntentSignal.objects.filter(workspace=account.workspace).count() == 3


def test_a_re_send_updates_or_changes_nothing_and_never_duplicates(
    api: APIClient, account: Account
) -> None:
    first = post(api, surge()).json()["results"][0]
    again = post(api, surge()).json()["results"][0]
    assert (again["status"], again["id"]) == ("unchanged", first["id"])
    revised = post(api, surge(score=88, week="2026-W48")).json()["results"][0]
    assert (revised["status"], revised["id"]) == ("updated", first["id"])
    row = IntentSignal.objects.get()
    assert (row.score, row.revision) == (88, 2)
    # Twice in one batch: the last one is stored, the first is superseded.
    both = post(api, surge(score=60), surge(score=61)).json()
    assert [r["status"] for r in both["results"]] == ["superseded", "updated"]
    assert IntentSignal.objects.get().score == 61


def test_every_item_rejected_is_a_400_naming_each_index(
    api: APIClient, workspace: Workspace
) -> None:
    response = post(api, surge(score="high"), {"domain": "x.example"}, "not an object")
    assert response.status_code == 400
    results = response.json()["results"]
    assert [(r["index"], r["status"]) for r in results] == [
        (0, "rejected"),
        (1, "rejected"),
        (2, "rejected"),
    ]
    assert set(results[1]["errors"]) == {"provider", "score"}
    assert results[2]["errors"] == {"non_field_errors": ["Each signal must be a JSON object."]}
    assert not IntentSignal.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "detail"),
        ([], "detail"),
        ({"signals": []}, "signals"),
        ({"signals": {"a": 1}}, "signals"),
        ({"signals": [surge()], "provider": "x"}, "provider"),
    ],
)
def test_a_body_that_is_no_batch_is_a_400(
    api: APIClient, workspace: Workspace, body: Any, field: str
) -> None:
    response = api.post(URL, body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_a_batch_is_bounded(api: APIClient, workspace: Workspace) -> None:
    response = post(api, *[surge(topic=f"t{n}") for n in range(MAX_BATCH + 1)])
    assert response.status_code == 400
    assert "At most" in response.json()["signals"][0]
    assert not IntentSignal.objects.exists()


def test_unstorable_values_reject_only_their_item(api: APIClient, workspace: Workspace) -> None:
    response = api.post(
        URL,
        b'{"signals": [{"provider": "bombora", "domain": "a.example", "score": 70, '
        b'"week": "2026-11-23", "topic": "x\\u0000y"}, '
        b'{"provider": "bombora", "domain": "a.example", "score": 70, "week": "2026-11-23"}]}',
        content_type="application/json",
    )
    assert response.status_code == 207
    assert [r["status"] for r in response.json()["results"]] == ["rejected", "created"]


def test_an_unknown_domain_is_stored_unlinked_counted_by_domain_and_linked_later(
    api: APIClient, workspace: Workspace
) -> None:
    result = post(api, surge(domain="later.example")).json()["results"][0]
    assert (result["status"], result["account"]) == ("created", None)
    assert not Account.objects.filter(workspace=workspace).exists()
    account = account_create(workspace=workspace, domain="later.example", name="Later")
    at = datetime(2026, 11, 23, tzinfo=UTC)
    # Before the sweep links it, the reader already counts it by domain: 72 * 0.25 = 18.
    assert (
        accounts_intent_at(workspace=workspace, at=at, account_ids=[account.pk])[account.pk].intent
        == 18.0
    )
    assert intent_accounts_link() == 1
    assert IntentSignal.objects.get().account_id == account.pk
    assert intent_accounts_link() == 0


def test_a_batch_links_the_earlier_signals_of_its_domains(
    api: APIClient, workspace: Workspace
) -> None:
    post(api, surge(domain="later.example"), surge(domain="other.example"))
    account = account_create(workspace=workspace, domain="later.example", name="Later")
    account_create(workspace=workspace, domain="other.example", name="Other")
    result = post(api, surge(domain="later.example", topic="ETL")).json()["results"][0]
    assert result["account"] == account.pk
    linked = dict(
        IntentSignal.objects.values_list("domain", "account_id").filter(
            topic="Cloud Data Warehouse"
        )
    )
    # The batch linked its own domain's earlier signal; the other waits for beat's sweep.
    assert linked == {"later.example": account.pk, "other.example": None}


def test_the_playbook_may_create_target_accounts(api: APIClient, workspace: Workspace) -> None:
    playbook_update(playbook=playbook_for(workspace), intent={"create_accounts": True})
    result = post(api, surge(domain="new.example")).json()["results"][0]
    account = Account.objects.get(workspace=workspace, domain="new.example")
    assert result["account"] == account.pk
    assert account.name == "new.example"
    # A second signal for it finds the account, and creates no other.
    post(api, surge(domain="new.example", topic="ETL"))
    assert Account.objects.filter(workspace=workspace).count() == 1


def test_the_intent_setting_is_validated(workspace: Workspace) -> None:
    with pytest.raises(ValidationError) as refused:
        playbook_update(
            playbook=playbook_for(workspace), intent={"surge_bar": 101, "colour": "red"}
        )
    message = str(refused.value.message_dict["intent"])
    assert "surge_bar" in message
    assert "colour" in message


def test_account_intent_through_the_api_at_two_instants(api: APIClient, account: Account) -> None:
    playbook_update(playbook=playbook_for(account.workspace), intent={"surge_bar": 65})
    post(
        api,
        surge(score=80, week="2026-09-07"),  # 20 points at MONDAY
        surge(score=64, week="2026-09-07", topic="ETL"),  # under the bar of 65
        {
            "provider": "6sense",
            "domain": "northwind.example",
            "score": 70,
            "observed_at": (MONDAY + QUARTER / 2).isoformat(),
        },  # 17.5 points half a quarter on
    )
    url = f"/api/v1/accounts/{account.pk}/intent"
    # One quarter on: 20 * 0.75 = 15 and 17.5 * 0.75 ** 0.5 = 15.155444566227677 → 30.16
    first = api.get(url, {"at": (MONDAY + QUARTER).isoformat()}).json()
    assert first["intent"] == 30.16
    assert first["surge_bar"] == 65
    assert first["surges"] == 2
    assert [(s["provider"], s["status"], s["points"], s["value"]) for s in first["signals"]] == [
        ("6sense", "surge", 17.5, 15.16),
        ("bombora", "below_bar", 0.0, 0.0),
        ("bombora", "surge", 20.0, 15.0),
    ]
    assert first["signals"][2]["decay_factor"] == 0.75
    # Two quarters on: 20 * 0.5625 = 11.25 and 17.5 * 0.75 ** 1.5 = 11.366583424670758 → 22.62
    second = api.get(url, {"at": (MONDAY + 2 * QUARTER).isoformat()}).json()
    assert second["intent"] == 22.62
    # Before the 6sense reading it is left out: 20 * 0.75 ** 0.25 = 18.61.
    early = api.get(url, {"at": (MONDAY + QUARTER / 4).isoformat()}).json()
    assert (early["intent"], len(early["signals"])) == (18.61, 2)


def test_account_intent_refuses_a_bad_instant_and_foreign_accounts(
    api: APIClient, account: Account, other_workspace: Workspace
) -> None:
    assert api.get(f"/api/v1/accounts/{account.pk}/intent", {"at": "yesterday"}).status_code == 400
    foreign = account_create(workspace=other_workspace, domain="rival.example", name="Rival")
    assert api.get(f"/api/v1/accounts/{foreign.pk}/intent").status_code == 404


def test_the_list_is_the_callers_and_filters(
    api: APIClient, account: Account, other_workspace: Workspace, key_client: Any
) -> None:
    post(api, surge(), surge(domain="beta.example"))
    post(key_client(other_workspace), surge())
    rows = api.get(URL, {"account": account.pk}).json()["results"]
    assert [r["domain"] for r in rows] == ["northwind.example"]
    assert len(api.get(URL).json()["results"]) == 2

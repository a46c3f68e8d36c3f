"""Paid social (Meta): ad create and pause as form-encoded Graph API calls, text limits, and
customer-list uploads that leave out everyone who opted out of ads (CCPA)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import pytest

from como.channels.ads import social as paid_social
from como.channels.ads.social import adapter
from como.channels.base import adapter_for_kind
from como.channels.errors import PayloadInvalid
from como.channels.models import ChannelAccount
from como.consent.models import SuppressionReason
from como.consent.services import consent_grant, consent_revoke, suppress
from como.leads.models import Contact
from como.workspaces.models import Workspace
from tests.factories import ContactFactory

from .ads_support import Action, recorded
from .sandbox_support import recorded_secret

pytestmark = pytest.mark.django_db
AT = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture
def account(workspace: Workspace) -> ChannelAccount:
    return ChannelAccount.objects.create(
        workspace=workspace,
        channel="paid_social",
        account_id="act_1010",
        sender="2020",
        credentials={"access_token": "EAAB-token"},
    )


def ad(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "adset_id": "3030",
        "name": "Spring SUVs",
        "primary_text": "Spring sale on every SUV.",
        "headline": "SUVs from $29,990",
        "description": "Test drive today",
        "link": "https://dealer.example.com/suvs",
        "image_hash": "abc123",
    }
    return base | changes


def sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def test_kinds() -> None:
    for kind in ("social_ad_create", "social_ad_pause", "social_audience_upload"):
        assert adapter_for_kind(kind) is adapter


def test_ad_create_is_a_form_post_to_the_ad_account(
    workspace: Workspace, account: ChannelAccount
) -> None:
    result = adapter.execute(Action(workspace, "social_ad_create", ad()), "act-1")

    [request] = recorded(workspace, "paid_social")
    assert request.method == "POST"
    assert request.url == "https://graph.facebook.com/v25.0/act_1010/ads"
    assert request.headers == {
        "Authorization": recorded_secret("Bearer EAAB-token"),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    form = parse_qs(request.body)
    assert list(form) == ["name", "adset_id", "creative", "status"]
    assert form["name"] == ["Spring SUVs"]
    assert form["adset_id"] == ["3030"]
    assert form["status"] == ["ACTIVE"]
    assert json.loads(form["creative"][0]) == {
        "object_story_spec": {
            "page_id": "2020",
            "link_data": {
                "message": "Spring sale on every SUV.",
                "link": "https://dealer.example.com/suvs",
                "name": "SUVs from $29,990",
                "description": "Test drive today",
                "image_hash": "abc123",
                "call_to_action": {
                    "type": "LEARN_MORE",
                    "value": {"link": "https://dealer.example.com/suvs"},
                },
            },
        }
    }
    assert result["external_id"] == request.response["body"]["id"]
    assert adapter.execute(Action(workspace, "social_ad_create", ad()), "act-1") == result
    assert len(recorded(workspace, "paid_social")) == 1


def test_ad_with_an_existing_creative(workspace: Workspace, account: ChannelAccount) -> None:
    adapter.execute(
        Action(workspace, "social_ad_create", {"adset_id": 3030, "creative_id": "4040"}), "k"
    )
    [request] = recorded(workspace, "paid_social")
    form = parse_qs(request.body)
    assert form["creative"] == ['{"creative_id":"4040"}']


def test_pause(workspace: Workspace, account: ChannelAccount) -> None:
    result = adapter.execute(Action(workspace, "social_ad_pause", {"ad_id": "5050"}), "p")
    [request] = recorded(workspace, "paid_social")
    assert request.url == "https://graph.facebook.com/v25.0/5050"
    assert request.body == "status=PAUSED"
    assert result["external_id"] == "5050"


def test_text_limits_block_and_recommendations_warn(
    workspace: Workspace, account: ChannelAccount
) -> None:
    with pytest.raises(PayloadInvalid) as raised:
        paid_social.build_create(ad(primary_text="x" * 2201, headline="y" * 256, link=""), account)
    assert raised.value.errors == {
        "primary_text": "At most 2200 characters (2201 given).",
        "headline": "At most 255 characters (256 given).",
        "link": "Required.",
    }
    paid_social.build_create(ad(primary_text="x" * 2200, headline="y" * 255), account)

    report = adapter.preflight(
        Action(workspace, "social_ad_create", ad(primary_text="x" * 126, headline="y" * 41)),
        at=AT,
    )
    warned = [
        (f.severity, f.evidence["field"])
        for f in report.findings
        if f.rule.startswith("paid_social")
    ]
    assert warned == [("warn", "primary_text"), ("warn", "headline")]
    assert not report.blocking


def test_preflight_blocks_past_the_hard_limit(
    workspace: Workspace, account: ChannelAccount
) -> None:
    report = adapter.preflight(Action(workspace, "social_ad_create", ad(headline="y" * 256)), at=AT)
    [block] = [f for f in report.blocking if f.rule == "paid_social.payload"]
    assert block.evidence == {"field": "headline"}


# --- audiences -------------------------------------------------------------------------------


@pytest.fixture
def people(workspace: Workspace) -> dict[str, Contact]:
    def person(name: str, **fields: Any) -> Contact:
        return ContactFactory.create(workspace=workspace, first_name=name, **fields)

    made = {
        "plain": person("plain", email="  Plain@Example.com ", phone="+13125550101"),
        "granted": person("granted", email="granted@example.com", phone=""),
        "revoked": person("revoked", email="revoked@example.com", phone="+13125550102"),
        "suppressed": person("suppressed", email="sup@example.com", phone="+13125550103"),
        "erased": person("erased", email="gone@example.com", phone=""),
        "phone_only": person("phone_only", email="", phone="+447911123456"),
        "nothing": person("nothing", email="", phone=""),
        "regranted": person("regranted", email="back@example.com", phone=""),
    }
    earlier = AT - timedelta(days=30)
    consent_grant(contact=made["granted"], channel="ads", basis="express", source="web", at=earlier)
    consent_revoke(contact=made["revoked"], channel="ads", source="gpc", at=earlier)
    suppress(
        workspace_id=workspace.pk,
        addresses=["+13125550103"],
        channel="ads",
        reason=SuppressionReason.GPC,
    )
    suppress(
        workspace_id=workspace.pk,
        addresses=["GONE@example.com"],
        channel="*",
        reason=SuppressionReason.ERASED,
    )
    # An email opt-out has no bearing on ad audiences.
    consent_revoke(contact=made["regranted"], channel="email", source="link", at=earlier)
    return made


def test_audience_upload_excludes_everyone_opted_out_of_ads(
    workspace: Workspace, account: ChannelAccount, people: dict[str, Contact]
) -> None:
    ids = [c.pk for c in people.values()]
    result = adapter.execute(
        Action(workspace, "social_audience_upload", {"audience_id": "6060", "contact_ids": ids}),
        "aud-1",
    )

    [request] = recorded(workspace, "paid_social")
    assert request.url == "https://graph.facebook.com/v25.0/6060/users"
    form = parse_qs(request.body)
    assert list(form) == ["payload"]
    assert json.loads(form["payload"][0]) == {
        "schema": ["EMAIL", "PHONE"],
        "data": [
            [sha("plain@example.com"), sha("13125550101")],
            [sha("granted@example.com"), ""],
            ["", sha("447911123456")],
            [sha("back@example.com"), ""],
        ],
    }
    assert result == {
        "external_id": "6060",
        "uploaded": 4,
        "received": 4,
        "excluded_opted_out": 3,
        "excluded_without_identifier": 1,
        "batches": 1,
        "sandbox": True,
        "idempotency_key": "aud-1",
    }


def test_audience_preflight_gives_the_checks_only_who_will_be_uploaded(
    workspace: Workspace, account: ChannelAccount, people: dict[str, Contact]
) -> None:
    members = paid_social.audience_for(
        {"audience_id": "6060", "contact_ids": [c.pk for c in people.values()]},
        workspace_id=workspace.pk,
        at=AT,
    ).members
    assert sorted(m.contact_id or 0 for m in members) == sorted(
        people[n].pk for n in ("plain", "granted", "phone_only", "regranted")
    )
    report = adapter.preflight(
        Action(
            workspace,
            "social_audience_upload",
            {"audience_id": "6060", "contact_ids": [c.pk for c in people.values()]},
        ),
        at=AT,
    )
    assert not report.blocking


def test_audience_of_foreign_or_bad_ids_names_each(
    workspace: Workspace, other_workspace: Workspace, account: ChannelAccount
) -> None:
    mine = ContactFactory.create(workspace=workspace)
    theirs = ContactFactory.create(workspace=other_workspace)
    with pytest.raises(PayloadInvalid) as raised:
        adapter.execute(
            Action(
                workspace,
                "social_audience_upload",
                {"audience_id": "6060", "contact_ids": [mine.pk, theirs.pk, "x"]},
            ),
            "k",
        )
    assert raised.value.errors == {
        "contact_ids[2]": "Must be a contact id.",
        "contact_ids[1]": "No such contact in this workspace.",
    }
    assert recorded(workspace, "paid_social") == []


def test_large_audience_goes_in_one_session_of_batches(
    workspace: Workspace, account: ChannelAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(paid_social, "BATCH_SIZE", 2)
    contacts = [ContactFactory.create(workspace=workspace, phone="") for _ in range(5)]
    result = adapter.execute(
        Action(
            workspace,
            "social_audience_upload",
            {"audience_id": "6060", "contact_ids": [c.pk for c in contacts]},
        ),
        "aud-2",
    )
    requests = recorded(workspace, "paid_social")
    assert [r.idempotency_key for r in requests] == ["aud-2:1", "aud-2:2", "aud-2:3"]
    sessions = [json.loads(parse_qs(r.body)["session"][0]) for r in requests]
    assert [(s["batch_seq"], s["last_batch_flag"], s["estimated_num_total"]) for s in sessions] == [
        (1, False, 5),
        (2, False, 5),
        (3, True, 5),
    ]
    assert len({s["session_id"] for s in sessions}) == 1
    sizes = [len(json.loads(parse_qs(r.body)["payload"][0])["data"]) for r in requests]
    assert sizes == [2, 2, 1]
    assert (result["uploaded"], result["received"], result["batches"]) == (5, 5, 3)


def test_consent_revoked_after_the_proposal_is_honoured_at_execution(
    workspace: Workspace, account: ChannelAccount
) -> None:
    a = ContactFactory.create(workspace=workspace, email="a@example.com", phone="")
    b = ContactFactory.create(workspace=workspace, email="b@example.com", phone="")
    action = Action(
        workspace, "social_audience_upload", {"audience_id": "7", "contact_ids": [a.pk, b.pk]}
    )
    assert not adapter.preflight(action, at=AT).blocking
    consent_revoke(contact=b, channel="ads", source="gpc")
    result = adapter.execute(action, "late")
    assert (result["uploaded"], result["excluded_opted_out"]) == (1, 1)
    [request] = recorded(workspace, "paid_social")
    assert json.loads(parse_qs(request.body)["payload"][0])["data"] == [[sha("a@example.com"), ""]]

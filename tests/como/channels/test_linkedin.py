"""LinkedIn: versioned REST headers, the inline creative's exact shape, the pause as a Rest.li
partial update, and the ads guide's text limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from como.channels.ads import linkedin
from como.channels.ads.linkedin import adapter
from como.channels.errors import PayloadInvalid
from como.channels.models import ChannelAccount
from como.workspaces.models import Workspace

from .ads_support import Action, recorded
from .sandbox_support import recorded_secret

pytestmark = pytest.mark.django_db
AT = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture
def account(workspace: Workspace) -> ChannelAccount:
    return ChannelAccount.objects.create(
        workspace=workspace,
        channel="linkedin",
        account_id="518121035",
        sender="2414183",
        credentials={"access_token": "AQX-token"},
    )


def ad(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "campaign": "urn:li:sponsoredCampaign:166355176",
        "commentary": "How fleet managers cut idle time by 30%.",
        "headline": "Download the fleet report",
        "description": "Free, 12 pages",
        "landing_page": "https://b2b.example.com/report",
        "image": "urn:li:image:C5510AQE",
        "name": "Fleet report Q2",
    }
    return base | changes


def test_create_inline_request(workspace: Workspace, account: ChannelAccount) -> None:
    result = adapter.execute(Action(workspace, "linkedin_ad_create", ad()), "li-1")

    [request] = recorded(workspace, "linkedin")
    assert request.method == "POST"
    assert request.url == (
        "https://api.linkedin.com/rest/adAccounts/518121035/creatives?action=createInline"
    )
    assert request.headers == {
        "Authorization": recorded_secret("Bearer AQX-token"),
        "LinkedIn-Version": "202510",
        "X-Restli-Protocol-Version": "2.0.0",
        "Content-Type": "application/json",
    }
    assert json.loads(request.body) == {
        "creative": {
            "inlineContent": {
                "post": {
                    "adContext": {
                        "dscAdAccount": "urn:li:sponsoredAccount:518121035",
                        "dscStatus": "ACTIVE",
                    },
                    "author": "urn:li:organization:2414183",
                    "commentary": "How fleet managers cut idle time by 30%.",
                    "visibility": "PUBLIC",
                    "lifecycleState": "PUBLISHED",
                    "isReshareDisabledByAuthor": False,
                    "content": {
                        "article": {
                            "source": "https://b2b.example.com/report",
                            "title": "Download the fleet report",
                            "description": "Free, 12 pages",
                            "thumbnail": "urn:li:image:C5510AQE",
                        }
                    },
                }
            },
            "campaign": "urn:li:sponsoredCampaign:166355176",
            "intendedStatus": "ACTIVE",
            "name": "Fleet report Q2",
        }
    }
    assert result["external_id"].startswith("urn:li:sponsoredCreative:")
    assert result["external_id"] == request.response["body"]["value"]["creative"]
    assert adapter.execute(Action(workspace, "linkedin_ad_create", ad()), "li-1") == result
    assert len(recorded(workspace, "linkedin")) == 1


def test_pause_is_a_partial_update(workspace: Workspace, account: ChannelAccount) -> None:
    account.settings = {"api_version": "202601"}
    account.save()
    result = adapter.execute(Action(workspace, "linkedin_ad_pause", {"creative": 456}), "li-p")
    [request] = recorded(workspace, "linkedin")
    assert request.url == (
        "https://api.linkedin.com/rest/adAccounts/518121035/creatives/"
        "urn%3Ali%3AsponsoredCreative%3A456"
    )
    assert request.headers["X-RestLi-Method"] == "PARTIAL_UPDATE"
    assert request.headers["LinkedIn-Version"] == "202601"
    assert json.loads(request.body) == {"patch": {"$set": {"intendedStatus": "PAUSED"}}}
    assert result["external_id"] == "urn:li:sponsoredCreative:456"


def test_limits_600_200_300(account: ChannelAccount) -> None:
    linkedin.build_create(
        ad(commentary="c" * 600, headline="h" * 200, description="d" * 300), account
    )
    with pytest.raises(PayloadInvalid) as raised:
        linkedin.build_create(
            ad(
                commentary="c" * 601,
                headline="h" * 201,
                description="d" * 301,
                landing_page="ftp://x",
                campaign="urn:li:sponsoredCampaign:abc",
                image="https://img",
            ),
            account,
        )
    assert raised.value.errors == {
        "campaign": "Must be a numeric id.",
        "commentary": "At most 600 characters (601 given).",
        "headline": "At most 200 characters (201 given).",
        "description": "At most 300 characters (301 given).",
        "landing_page": "Must be an https:// URL.",
        "image": "Give an uploaded image's URN (urn:li:image:…).",
    }


def test_preflight_reports_each_field(workspace: Workspace, account: ChannelAccount) -> None:
    report = adapter.preflight(
        Action(workspace, "linkedin_ad_create", ad(headline="h" * 201)), at=AT
    )
    own = [f for f in report.findings if f.rule == "linkedin.payload"]
    assert [(f.severity, f.evidence) for f in own] == [("block", {"field": "headline"})]
    clean = adapter.preflight(Action(workspace, "linkedin_ad_create", ad()), at=AT)
    assert not [f for f in clean.findings if f.rule.startswith("linkedin.")]


def test_without_an_account_the_ad_account_is_named(workspace: Workspace) -> None:
    with pytest.raises(PayloadInvalid) as raised:
        adapter.execute(Action(workspace, "linkedin_ad_create", ad(organization=1)), "k")
    assert raised.value.errors == {
        "ad_account": "Set the LinkedIn ad account id on the channel account."
    }

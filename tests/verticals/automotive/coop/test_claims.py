"""Claim packages (the ZIP opened and read), the API and admin pages, and the claim-window
warning."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from como.agents.models import Notification
from como.campaigns.models import Campaign, ChannelMetric
from como.workspaces.models import Workspace
from tests.factories import member_api_client, member_client
from verticals.automotive.coop.claims.export import claim_package
from verticals.automotive.coop.models import CoopCampaign, CoopClaim, CoopProgram
from verticals.automotive.coop.services import (
    coop_campaign_tag,
    coop_claim_create,
    coop_claim_move,
    coop_claim_window_warnings,
)

from .support import WHEN, dealer, program, stores, unit

pytestmark = pytest.mark.django_db


def _spring(workspace: Workspace) -> Campaign:
    campaign = Campaign.objects.create(
        workspace=workspace,
        name="Ford spring co-op",
        channels=["paid_social", "paid_search", "email"],
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 3, 31),
    )
    for day, social, search in (
        (date(2026, 3, 3), "42.50", "61.25"),
        (date(2026, 3, 4), "42.50", "61.25"),
        (date(2026, 3, 9), "15.00", None),
    ):
        for channel, spend in (("paid_social", social), ("paid_search", search)):
            if spend is not None:
                ChannelMetric.objects.create(
                    workspace=workspace,
                    campaign=campaign,
                    channel=channel,
                    day=day,
                    spend=Decimal(spend),
                    source="import",
                )
    return campaign


@pytest.fixture
def claim() -> CoopClaim:
    workspace = dealer()
    ford_store, _ = stores(workspace)
    unit(ford_store, 1, model="Bronco", trim="Big Bend")
    return coop_claim_create(
        program=program(workspace),
        campaign=_spring(workspace),
        invoice_refs=["META-INV-0412", "GADS-2026-04"],
    )


def _open(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name).decode() for name in archive.namelist()}


def test_the_package_holds_proof_per_channel_dates_spend_and_report(claim: CoopClaim) -> None:
    files = _open(claim_package(claim, now=WHEN))

    assert sorted(files) == [
        "proof/email.html",
        "proof/paid_search.html",
        "proof/paid_social.html",
        "summary.csv",
    ]
    rows = list(csv.DictReader(io.StringIO(files["summary.csv"])))
    assert [
        (r["channel"], r["first_day"], r["last_day"], r["spend"], r["eligible"], r["claimable"])
        for r in rows
    ] == [
        ("email", "", "", "0.00", "no", "0.00"),
        ("paid_search", "2026-03-03", "2026-03-04", "122.50", "yes", "61.25"),
        ("paid_social", "2026-03-03", "2026-03-09", "100.00", "yes", "50.00"),
    ]
    assert {r["invoice_refs"] for r in rows} == {"META-INV-0412 GADS-2026-04"}
    assert {(r["campaign_starts_on"], r["campaign_ends_on"]) for r in rows} == {
        ("2026-03-01", "2026-03-31")
    }
    assert claim.amount_claimed == Decimal("111.25")

    social = files["proof/paid_social.html"]
    # The proof: the Meta vehicle ad rendered for the Ford on sale.
    assert "meta_vehicle_ad" in social
    assert "2026 Ford Bronco" in social
    assert "2026-03-01 to 2026-03-31" in social  # the campaign's dates
    assert "2026-03-03 to 2026-03-09" in social  # the days it spent on this channel
    assert "100.00" in social
    assert "META-INV-0412, GADS-2026-04" in social
    # The report: the program's disclaimer is missing from the default template.
    assert "coop.disclaimer_missing" in social
    assert "See dealer for complete details." in social
    assert int(rows[2]["blocking_findings"]) >= 1
    # No social disclaimer is required on search: no co-op disclaimer finding there.
    assert "coop.disclaimer_missing" not in files["proof/paid_search.html"]
    assert "google_rsa" in files["proof/paid_search.html"]


def test_a_channel_name_cannot_escape_the_proof_folder(claim: CoopClaim) -> None:
    Campaign.objects.filter(pk=claim.campaign_id).update(channels=["../../etc/x"])

    files = _open(claim_package(CoopClaim.objects.get(pk=claim.pk), now=WHEN))

    assert "proof/______etc_x.html" in files
    assert not any(".." in name for name in files)


# --- API ----------------------------------------------------------------------------------


def _api(workspace: Workspace) -> APIClient:
    return member_api_client(workspace, "owner")


def test_the_api_lists_programs_and_their_funds(claim: CoopClaim) -> None:
    client = _api(claim.workspace)

    listed = client.get("/api/v1/coop/programs")
    funds = client.get(f"/api/v1/coop/programs/{claim.program_id}/funds")
    bad = client.get(f"/api/v1/coop/programs/{claim.program_id}/funds?horizon_days=-1")

    assert listed.status_code == 200
    assert [p["key"] for p in listed.json()["results"]] == ["ford-coop"]
    assert funds.status_code == 200, funds.content
    body = funds.json()
    assert (body["spend"], body["eligible_spend"], body["claimable"]) == (
        "222.50",
        "222.50",
        "111.25",
    )
    assert (body["claimed"], body["reimbursed"], body["accrued"]) == ("0.00", "0.00", "0.00")
    assert bad.status_code == 400
    assert "horizon_days" in bad.json()


def test_the_api_opens_a_claim_and_serves_its_package(claim: CoopClaim) -> None:
    workspace = claim.workspace
    summer = Campaign.objects.create(workspace=workspace, name="Summer")
    ChannelMetric.objects.create(
        workspace=workspace, campaign=summer, channel="paid_search", day=WHEN.date(), spend=80
    )
    client = _api(workspace)

    created = client.post(
        "/api/v1/coop/claims",
        {"program": claim.program_id, "campaign": summer.pk, "invoice_refs": ["G-1"]},
        format="json",
    )
    package = client.get(f"/api/v1/coop/claims/{created.json()['id']}/package")

    assert created.status_code == 201, created.content
    assert created.json()["amount_claimed"] == "40.00"
    assert CoopCampaign.objects.filter(program=claim.program, campaign=summer).exists()
    assert package.status_code == 200
    assert package["Content-Type"] == "application/zip"
    files = _open(package.content)
    assert sorted(files) == ["proof/paid_search.html", "summary.csv"]
    assert "G-1" in files["summary.csv"]


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"program", "campaign"}),
        ({"program": "x", "campaign": 0}, {"program", "campaign"}),
        ({"program": "P", "campaign": "C", "amount_claimed": "-1"}, {"amount_claimed"}),
        ({"program": "P", "campaign": "C", "amount_claimed": "1000000"}, {"amount_claimed"}),
        ({"program": "P", "campaign": "C", "invoice_refs": "INV-1"}, {"invoice_refs"}),
        ({"program": "P", "campaign": "Taken"}, {"campaign"}),
    ],
)
def test_bad_claims_are_400_with_field_errors(
    claim: CoopClaim, body: dict[str, Any], errors: set[str]
) -> None:
    free = Campaign.objects.create(workspace=claim.workspace, name="Free")
    ids = {"P": claim.program_id, "C": free.pk, "Taken": claim.campaign_id}
    body = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in body.items()}

    response = _api(claim.workspace).post("/api/v1/coop/claims", body, format="json")

    assert response.status_code == 400, response.content
    assert set(response.json()) == errors


def test_another_workspaces_program_and_campaign_do_not_exist_for_the_caller(
    claim: CoopClaim,
) -> None:
    other = dealer("rival")
    foreign_program = program(other)
    foreign_campaign = Campaign.objects.create(workspace=other, name="Theirs")
    client = _api(claim.workspace)

    response = client.post(
        "/api/v1/coop/claims",
        {"program": foreign_program.pk, "campaign": foreign_campaign.pk},
        format="json",
    )
    funds = client.get(f"/api/v1/coop/programs/{foreign_program.pk}/funds")

    assert response.status_code == 400
    assert response.json() == {
        "program": [f'Invalid pk "{foreign_program.pk}" - object does not exist.'],
        "campaign": [f'Invalid pk "{foreign_campaign.pk}" - object does not exist.'],
    }
    assert funds.status_code == 404


# --- admin --------------------------------------------------------------------------------


def test_the_admin_lists_funds_per_program_and_downloads_the_package(claim: CoopClaim) -> None:
    coop_claim_move(claim=claim, status="submitted")
    client: Client = member_client(claim.workspace, "owner")

    page = client.get(reverse("admin:vertical_automotive_coopprogram_changelist"))
    download = client.get(reverse("admin:vertical_automotive_coopclaim_package", args=[claim.pk]))
    missing = client.get(reverse("admin:vertical_automotive_coopclaim_package", args=[999999]))

    assert page.status_code == 200
    text = page.content.decode()
    assert "0.00 (0 units)" in text
    assert "111.25" in text  # claimed
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    assert "summary.csv" in _open(download.content)
    assert missing.status_code == 404


def test_the_admin_seeds_the_default_programs(claim: CoopClaim) -> None:
    client: Client = member_client(claim.workspace, "owner")
    url = reverse("admin:vertical_automotive_coopprogram_seed")

    form = client.get(url)
    posted = client.post(url, {"workspace": claim.workspace_id})

    assert form.status_code == 200
    assert posted.status_code == 302
    assert sorted(
        CoopProgram.objects.filter(workspace=claim.workspace).values_list("key", flat=True)
    ) == ["ford-coop", "gm-coop", "stellantis-coop", "toyota-cmtp"]


def test_the_admin_refuses_a_bad_program_with_field_errors(claim: CoopClaim) -> None:
    client: Client = member_client(claim.workspace, "owner")

    response = client.post(
        reverse("admin:vertical_automotive_coopprogram_add"),
        {
            "workspace": claim.workspace_id,
            "key": "gm",
            "name": "GM",
            "oem": "GM",
            "eligible_channels": "paid_social,fax",
            "required_disclaimers": "{}",
            "accrual_split": "{}",
            "reimbursement_rate": "1.5",
            "accrual_basis": "per_unit",
            "claim_window_days": "90",
        },
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) >= {"reimbursement_rate", "eligible_channels", "accrual_amount"}
    assert not CoopProgram.objects.filter(key="gm").exists()


# --- claim-window warnings ----------------------------------------------------------------


def test_members_are_warned_once_before_a_claim_window_closes() -> None:
    workspace = dealer()
    member_client(workspace, "owner")
    member_client(workspace, "marketer")
    ford = program(workspace, claim_window_days=30)
    closing = Campaign.objects.create(
        workspace=workspace, name="Closing", ends_on=date(2026, 3, 20)
    )
    later = Campaign.objects.create(workspace=workspace, name="Later", ends_on=date(2026, 4, 5))
    claimed = Campaign.objects.create(
        workspace=workspace, name="Claimed", ends_on=date(2026, 3, 20)
    )
    for campaign in (closing, later, claimed):
        coop_campaign_tag(program=ford, campaign=campaign)
    coop_claim_move(claim=coop_claim_create(program=ford, campaign=claimed), status="submitted")
    today = date(2026, 4, 10)  # Closing's window closes 2026-04-19; Later's 2026-05-05

    first = coop_claim_window_warnings(today=today)
    second = coop_claim_window_warnings(today=today)
    after = coop_claim_window_warnings(today=today + timedelta(days=14))

    assert (first, second, after) == (1, 0, 1)
    titles = sorted(
        Notification.objects.filter(workspace=workspace).values_list("title", flat=True)
    )
    assert titles == [
        "Co-op claim window closes in 11 days: Later",
        "Co-op claim window closes in 11 days: Later",
        "Co-op claim window closes in 9 days: Closing",
        "Co-op claim window closes in 9 days: Closing",
    ]

"""CRM deals exports: Salesforce- and HubSpot-style layouts recognised from the header row,
dates read in the workspace's zone, bad rows named by number and field, idempotent."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from como.deals.importing import opportunities_import
from como.deals.models import Opportunity, OpportunityTransition
from como.leads.models import Contact
from como.workspaces.models import Workspace

pytestmark = pytest.mark.django_db

SALESFORCE = (
    "Opportunity ID,Opportunity Name,Account Name,Contact Email,Amount,Currency,Stage,"
    "Created Date,Close Date,Won,Closed,Lead Source\n"
    '006A1,Acme renewal,Acme,ana@acme.example,"$12,500.00",USD,Closed Won,'
    "9/1/2026,10/15/2026,true,true,Trade Show\n"
    "006A2,Acme expansion,Acme,ana@acme.example,4000,USD,Negotiation/Review,"
    "10/2/2026,12/20/2026,false,false,Web\n"
    "006A3,Initech pilot,Initech,bob@initech.example,900,EUR,Closed Lost,"
    "9/5/2026,10/1/2026,false,true,Partner\n"
    "006A4,Broken,Initech,bob@initech.example,12,ZZZ,Prospecting,"
    "yesterday,,maybe,false,Web\n"
)
HUBSPOT = (
    "Record ID,Deal Name,Amount,Deal Stage,Pipeline,Create Date,Close Date,"
    "Associated Contact email,Associated Company\n"
    "901,Globex platform,30000,closedwon,Sales Pipeline,2026-08-01 09:30,2026-09-30 17:00,"
    "cy@globex.example,Globex\n"
    "902,Globex add-on,5000,appointmentscheduled,Sales Pipeline,2026-10-01 10:00,,"
    "cy@globex.example,Globex\n"
)


def test_a_salesforce_export_imports_and_names_the_bad_row(workspace: Workspace) -> None:
    report = opportunities_import(workspace=workspace, data=SALESFORCE.encode())
    assert report.layout == "salesforce"
    assert report.rows == 4
    assert report.counts == {"created": 3, "updated": 0, "unchanged": 0, "rejected": 1}
    assert {(e.row, e.field) for e in report.errors} == {(5, "opened_at"), (5, "won")}
    won = Opportunity.objects.get(workspace=workspace, external_id="006A1")
    assert (won.status, won.amount, won.source) == ("won", Decimal("12500.00"), "Trade Show")
    # Days alone are the workspace's noon (acme is in America/Chicago: UTC-5 in September).
    assert won.opened_at.isoformat() == "2026-09-01T17:00:00+00:00"
    open_deal = Opportunity.objects.get(external_id="006A2")
    assert (open_deal.status, open_deal.closed_at) == ("open", None)
    lost = Opportunity.objects.get(external_id="006A3")
    assert (lost.status, lost.currency) == ("lost", "EUR")
    assert Contact.objects.get(email="ana@acme.example").lifecycle_stage == "customer"
    assert Contact.objects.get(email="bob@initech.example").lifecycle_stage == "opportunity"
    again = opportunities_import(workspace=workspace, data=SALESFORCE.encode())
    assert again.counts == {"created": 0, "updated": 0, "unchanged": 3, "rejected": 1}
    assert OpportunityTransition.objects.count() == 5  # open; open→won; open; open; open→lost


def test_a_hubspot_export_is_recognised(workspace: Workspace) -> None:
    report = opportunities_import(workspace=workspace, data=HUBSPOT.encode("cp1252"))
    assert report.layout == "hubspot"
    assert report.errors == []
    assert report.counts["created"] == 2
    won = Opportunity.objects.get(external_id="901")
    assert (won.status, won.stage_name) == ("won", "closedwon")
    assert won.account is not None
    assert won.account.name == "Globex"
    assert Opportunity.objects.get(external_id="902").account_id == won.account_id


def test_an_unknown_layout_is_refused_whole(workspace: Workspace) -> None:
    report = opportunities_import(workspace=workspace, data=b"foo,bar\n1,2\n")
    assert [(e.row, e.field) for e in report.errors] == [(0, "")]
    assert Opportunity.objects.count() == 0


def test_the_command_prints_the_report(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "deals.csv"
    path.write_text(SALESFORCE)
    out = StringIO()
    call_command("import_opportunities", str(path), workspace=workspace.slug, stdout=out)
    text = out.getvalue()
    assert "created 3" in text
    assert "row 5 opened_at:" in text
    (tmp_path / "bad.csv").write_text("nothing,useful\n")
    with pytest.raises(CommandError):
        call_command(
            "import_opportunities", str(tmp_path / "bad.csv"), workspace=workspace.slug, stdout=out
        )

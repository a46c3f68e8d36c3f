"""CSV imports of intent exports: the 6sense-style and Bombora-style layouts recognised from the
header row, encodings and delimiters as every import reads them, each bad row named by its line
and field while the good rows are kept, and the management command's report."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from como.leads.services import account_create
from como.workspaces.models import Workspace
from verticals.b2b.intent.csv_import import intent_csv_import
from verticals.b2b.intent.models import IntentSignal

NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)  # a Wednesday of ISO week 2026-W49

SIXSENSE = (
    "domain,company_intent_score,company_buying_stage,company_profile_fit,"
    "company_profile_score,keywords,is_6qa\n"
    'northwind.example,82,Decision,Strong,91,"snowflake alternative; etl pricing",true\n'
    "beta.example,abc,Awareness,Weak,30,,false\n"
    "gamma.example,55,Shopping,Moderate,60,,false\n"
    "delta.example,61.0,purchase,moderate,70,dbt|airflow,true\n"
)
BOMBORA = (
    "Domain;Topic;Composite Score;Week\r\n"
    "northwind.example;Données;71;2026-11-23\r\n"
    "northwind.example;ETL;45;11/23/2026\r\n"
    "northwind.example;BI;80;2026-11-25\r\n"
    "\r\n"
    "beta.example;ETL;66;2026-W48\r\n"
)


@pytest.fixture
def northwind(workspace: Workspace) -> Workspace:
    account_create(workspace=workspace, domain="northwind.example", name="Northwind")
    return workspace


def test_a_6sense_export_is_read_and_its_bad_rows_named(northwind: Workspace) -> None:
    report = intent_csv_import(workspace=northwind, data=SIXSENSE.encode(), now=NOW)
    assert report.preset == "6sense"
    assert (report.rows, report.counts["created"], report.counts["rejected"]) == (4, 2, 2)
    assert [(e["row"], e["field"]) for e in report.errors] == [(3, "score"), (4, "buying_stage")]
    rows = {r.domain: r for r in IntentSignal.objects.all()}
    first = rows["northwind.example"]
    assert (first.provider, first.topic, first.score, first.buying_stage) == (
        "6sense",
        "",
        82,
        "decision",
    )
    assert (first.profile_fit, first.profile_score) == ("strong", 91)
    assert first.keywords == ["snowflake alternative", "etl pricing"]
    # No week column: the file is read as of the import's ISO week.
    assert first.week == date(2026, 11, 30)
    assert first.account is not None
    assert rows["delta.example"].keywords == ["dbt", "airflow"]
    assert rows["delta.example"].account is None
    # The same export again in the same week changes nothing.
    again = intent_csv_import(workspace=northwind, data=SIXSENSE.encode(), now=NOW)
    assert (again.counts["unchanged"], again.counts["created"]) == (2, 0)


def test_a_bombora_export_in_windows_1252_with_semicolons(northwind: Workspace) -> None:
    report = intent_csv_import(workspace=northwind, data=BOMBORA.encode("cp1252"), now=NOW)
    assert report.preset == "bombora"
    assert report.counts["created"] == 3
    assert report.errors == [
        {
            "row": 4,
            "field": "week",
            "message": "A week is given by its Monday (ISO 8601); 2026-11-25 is a Wednesday.",
        }
    ]
    topics = sorted(IntentSignal.objects.values_list("provider", "topic", "score", "week"))
    assert topics == [
        ("bombora", "Données", 71, date(2026, 11, 23)),
        ("bombora", "ETL", 45, date(2026, 11, 23)),
        ("bombora", "ETL", 66, date(2026, 11, 23)),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"name,city\nx,y\n", "fits no layout"),
        (b"\x00\x81\xff\xfe" * 50, ""),
    ],
)
def test_a_file_no_layout_fits_is_refused_whole(
    northwind: Workspace, data: bytes, message: str
) -> None:
    report = intent_csv_import(workspace=northwind, data=data, now=NOW)
    assert report.errors
    assert report.errors[0]["row"] == 0
    assert message in report.errors[0]["message"]
    assert not IntentSignal.objects.exists()


def test_the_canonical_layout_names_each_rows_provider(northwind: Workspace) -> None:
    data = b"provider,domain,topic,score,week\ng2,northwind.example,crm,90,2026-11-23\n"
    report = intent_csv_import(workspace=northwind, data=data, now=NOW)
    assert (report.preset, report.counts["created"]) == ("canonical", 1)
    assert IntentSignal.objects.get().provider == "g2"


def test_the_command_imports_and_reports(northwind: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "surge.csv"
    path.write_bytes(BOMBORA.encode("cp1252"))
    out = _run("import_intent", str(path), "--workspace", northwind.slug)
    assert out.splitlines()[0] == (
        "Intent import (bombora): created 3, updated 0, unchanged 0, superseded 0, rejected 1"
    )
    assert "row 4 week: A week is given by its Monday" in out
    with pytest.raises(CommandError, match="Monday"):
        _run("import_intent", str(path), "--workspace", northwind.slug, "--week", "2026-12-02")
    with pytest.raises(CommandError, match="No workspace"):
        _run("import_intent", str(path), "--workspace", "nobody")
    path.write_bytes(b"name\nx\n")
    with pytest.raises(CommandError, match="Nothing was imported"):
        _run("import_intent", str(path), "--workspace", northwind.slug)


def _run(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()

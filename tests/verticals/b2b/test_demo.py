"""The B2B demo: Northwind Cloud's people linked to accounts by domain, committees from their
titles, and a second seeding that changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings

from como.demo import b2b, services
from como.leads.models import Contact
from verticals.b2b.accounts.models import CommitteeMember
from verticals.b2b.accounts.settings import AccountsSettings
from verticals.b2b.accounts.titles import read_title

pytestmark = pytest.mark.django_db

SMALL = [(b2b.SPEC, lambda anchor: b2b.build(anchor, accounts=10, outsiders=8, visitors=4))]


@pytest.fixture(autouse=True)
def _feed_root(tmp_path: Path) -> Iterator[None]:
    with override_settings(COMO_INVENTORY_FILE_ROOT=str(tmp_path / "feeds")):
        yield


def test_northwinds_people_have_accounts_and_committees(tmp_path: Path) -> None:
    first = services.demo_seed(credentials_path=tmp_path / "creds.json", workspaces=SMALL)
    (seeded,) = first.workspaces
    workspace = seeded.workspace
    members = CommitteeMember.objects.filter(workspace=workspace).select_related("contact")
    with_account = Contact.objects.filter(workspace=workspace, account__isnull=False)
    assert members.count() == with_account.count() > 0
    for member in members:
        assert member.contact.email.endswith("@" + member.account.domain)
        assert member.title == member.contact.title
    roles = set(members.exclude(role="").values_list("role", flat=True))
    # Ten accounts: the first roles of each committee (every demo title reads as its role,
    # below; the full demo's larger committees fill all seven).
    assert {"champion", "economic_buyer", "technical_evaluator", "end_user"} <= roles
    # Free-mail people never make an account.
    free = Contact.objects.filter(workspace=workspace, email__endswith="@gmail.com")
    assert not free.exclude(account=None).exists()
    assert any("committee" in line for line in seeded.notes)

    state = sorted(members.values_list("contact_id", "account_id", "role", "level"))
    again = services.demo_seed(credentials_path=tmp_path / "creds.json", workspaces=SMALL)
    assert sorted(members.values_list("contact_id", "account_id", "role", "level")) == state
    assert "0 contacts linked" in next(
        line for line in again.workspaces[0].notes if "committee" in line
    )


#: the demo's committee role → the default playbook role its titles must read as
DEMO_ROLES = {
    "champion": "champion",
    "economic_buyer": "economic_buyer",
    "technical_evaluator": "technical_evaluator",
    "user": "end_user",
    "procurement": "procurement",
    "legal": "legal_compliance",
    "executive_sponsor": "executive_sponsor",
}


def test_every_demo_title_reads_as_its_role_so_all_seven_roles_fill() -> None:
    settings = AccountsSettings()
    assert set(b2b._ROLES) == set(DEMO_ROLES)
    for demo_role, (titles, _, _) in b2b._ROLES.items():
        assert len(set(titles)) == len(titles) >= 2  # varied within the role
        for title in titles:
            reading = read_title(title)
            assert (
                settings.infer_role(reading.department, reading.level) == DEMO_ROLES[demo_role]
            ), title

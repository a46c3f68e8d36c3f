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
    assert {"champion", "economic_buyer", "executive_sponsor"} <= roles
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

"""The admin's "Upload a feed" page: the API's upload as a form, with the API's role, scoped to
the rooftops the caller may write to; it redirects to the import's page with its report."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from como.workspaces.models import Membership, Workspace
from tests.factories import WorkspaceFactory, member_client
from verticals.automotive.inventory.models import InventoryImport, Rooftop, Vehicle

from .factories import rooftop_make
from .importing.feeds import feed, line

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]
UPLOAD = reverse("admin:vertical_automotive_inventoryimport_upload")
CHANGELIST = reverse("admin:vertical_automotive_inventoryimport_changelist")


@pytest.fixture
def dealer(db: Any) -> Workspace:
    return WorkspaceFactory.create(slug="lakeside", vertical="automotive")


@pytest.fixture
def rooftop(dealer: Workspace) -> Rooftop:
    return rooftop_make(dealer)


@pytest.fixture
def owner(dealer: Workspace) -> Client:
    return member_client(dealer, "owner")


def post(client: Client, rooftop_id: int, data: bytes, **fields: Any) -> Any:
    body = {"rooftop": rooftop_id, "file": SimpleUploadedFile("feed.csv", data), **fields}
    return client.post(UPLOAD, body)


def test_the_page_renders_for_an_owner_and_the_list_links_to_it(
    owner: Client, rooftop: Rooftop, other_workspace: Workspace
) -> None:
    foreign = rooftop_make(other_workspace, name="Rival Motors")
    page = owner.get(UPLOAD)
    listing = owner.get(CHANGELIST)

    assert page.status_code == 200
    offered = list(page.context["form"].fields["rooftop"].queryset)
    assert offered == [rooftop]
    assert "Rival Motors" not in page.content.decode()
    assert foreign not in offered
    assert "csv-fullpath" in page.content.decode()  # the formats registry's keys
    assert UPLOAD in listing.content.decode()


def test_an_upload_imports_and_redirects_to_the_report(owner: Client, rooftop: Rooftop) -> None:
    response = post(owner, rooftop.pk, feed([line(1), line(2)]), full="on")

    record = InventoryImport.objects.get()
    assert response.status_code == 302
    change = reverse("admin:vertical_automotive_inventoryimport_change", args=[record.pk])
    assert response["Location"] == change
    assert record.status == "succeeded"
    assert (record.rooftop, record.full, record.file_name) == (rooftop, True, "feed.csv")
    assert record.counts["rows"] == 2
    assert record.counts["created"] == 2
    assert record.counts["rejected"] == 0
    assert record.created_by is not None
    assert Vehicle.objects.filter(rooftop=rooftop).count() == 2


def test_bad_rows_show_on_the_imports_page(owner: Client, rooftop: Rooftop) -> None:
    response = post(owner, rooftop.pk, feed([line(1), line(2, price="cheap")]), format="")
    page = owner.get(response["Location"])

    record = InventoryImport.objects.get()
    assert (record.counts["created"], record.counts["rejected"]) == (1, 1)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<td>3</td><td>price</td>" in html
    assert Vehicle.objects.filter(rooftop=rooftop).count() == 1


def test_a_chosen_format_is_used(owner: Client, rooftop: Rooftop) -> None:
    post(owner, rooftop.pk, feed([line(1)]), format="csv-fullpath")
    assert InventoryImport.objects.get().format_key == "csv-fullpath"


def test_a_foreign_or_forged_rooftop_is_a_form_error(
    owner: Client, rooftop: Rooftop, other_workspace: Workspace
) -> None:
    foreign = rooftop_make(other_workspace)
    for rooftop_id in (foreign.pk, 2**62, "x"):
        response = post(owner, rooftop_id, feed([line(1)]))  # type: ignore[arg-type]
        assert response.status_code == 200
        assert "rooftop" in response.context["form"].errors
    assert not InventoryImport.objects.exists()
    assert not Vehicle.objects.exists()


def test_an_unknown_format_is_a_form_error(owner: Client, rooftop: Rooftop) -> None:
    response = post(owner, rooftop.pk, feed([line(1)]), format="no-such-format")
    assert response.status_code == 200
    assert "format" in response.context["form"].errors
    assert not InventoryImport.objects.exists()


def test_an_oversized_file_is_a_form_error(owner: Client, rooftop: Rooftop, settings: Any) -> None:
    data = feed([line(1), line(2)])
    settings.COMO_INVENTORY_MAX_BYTES = len(data) - 1
    response = post(owner, rooftop.pk, data)

    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [f"Larger than {len(data) - 1} bytes."]
    assert not InventoryImport.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_viewer_gets_403_and_no_button(dealer: Workspace, rooftop: Rooftop, method: str) -> None:
    viewer = member_client(dealer, "viewer")
    response = viewer.get(UPLOAD) if method == "get" else post(viewer, rooftop.pk, feed([line(1)]))
    listing = viewer.get(CHANGELIST)

    assert response.status_code == 403
    assert listing.status_code == 200
    assert UPLOAD not in listing.content.decode()
    assert not InventoryImport.objects.exists()


def test_a_viewer_here_and_owner_elsewhere_is_offered_only_the_other_rooftops(
    dealer: Workspace, rooftop: Rooftop, other_workspace: Workspace
) -> None:
    own = rooftop_make(other_workspace, name="Own Motors")
    user = get_user_model().objects.create_user(username="both", password="x", is_staff=True)
    Membership.objects.create(workspace=other_workspace, user=user, role="owner")
    Membership.objects.create(workspace=dealer, user=user, role="viewer")
    client = Client()
    client.force_login(user)

    page = client.get(UPLOAD)
    refused = post(client, rooftop.pk, feed([line(1)]))

    assert list(page.context["form"].fields["rooftop"].queryset) == [own]
    assert "rooftop" in refused.context["form"].errors
    assert not InventoryImport.objects.exists()

"""The rooftop's "Catalog feeds" admin page: the signed URLs and the vehicles left out, for
members of the rooftop's workspace only."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from como.channels.feeds import feed_url
from como.workspaces.models import Workspace
from tests.factories import WorkspaceFactory, member_client
from verticals.automotive.ads.feeds import GOOGLE_KEY, META_KEY
from verticals.automotive.inventory.models import Rooftop

from ..inventory.factories import VINS, rooftop_make, vehicle_make

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


@pytest.fixture
def dealer(db: Any) -> Workspace:
    return WorkspaceFactory.create(slug="lakeside", vertical="automotive")


@pytest.fixture
def rooftop(dealer: Workspace) -> Rooftop:
    roof = rooftop_make(dealer, street="1 Lake St", city="Madison", region="WI")
    vehicle_make(roof, body_style="Sedan", exterior_color="Red", mileage=10)  # no photos
    return roof


def page(rooftop: Rooftop) -> str:
    return reverse("admin:vertical_automotive_rooftop_feeds", args=[rooftop.pk])


def test_a_member_sees_the_feed_urls_and_the_vehicles_left_out(
    dealer: Workspace, rooftop: Rooftop
) -> None:
    client = member_client(dealer, "marketer")
    response = client.get(page(rooftop))
    assert response.status_code == 200
    text = response.content.decode()
    for key in (META_KEY, GOOGLE_KEY):
        for fmt in ("csv", "xml"):
            # The path and the signed query (its expiry is the page's second, not ours).
            path = feed_url(dealer, key, fmt).split("?expires=")[0]
            assert re.search(re.escape(path) + r"\?expires=\d+&amp;signature=[0-9a-f]{64}", text)
    assert text.count(VINS[0]) == 2  # once per feed
    assert "no photo" in text
    vehicle = rooftop.vehicles.get()
    assert reverse("admin:vertical_automotive_vehicle_change", args=[vehicle.pk]) in text
    # The rooftop's own page links to it.
    change = client.get(reverse("admin:vertical_automotive_rooftop_change", args=[rooftop.pk]))
    assert page(rooftop) in change.content.decode()


def test_another_workspaces_member_gets_a_404(rooftop: Rooftop, other_workspace: Workspace) -> None:
    stranger = member_client(other_workspace, "owner")
    assert stranger.get(page(rooftop)).status_code == 404


def test_a_bad_id_is_a_404(dealer: Workspace) -> None:
    client = member_client(dealer, "owner")
    base = reverse("admin:vertical_automotive_rooftop_changelist")
    for bad in ("nope", "99999999", "1" * 40, "²"):
        assert client.get(f"{base}{bad}/feeds/").status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(rooftop: Rooftop) -> None:
    response = Client().get(page(rooftop))
    assert response.status_code == 302
    assert "/login/" in response["Location"]

"""The inventory-ads admin as members use it: a vehicle's ads and breaches on its page, the
read-only lists of ads and breaches, and the creative template editor with its live preview,
each scoped to the member's workspaces."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from como.agents.services import ActionDraft, action_propose
from como.workspaces.models import Workspace
from tests.factories import member_client
from verticals.automotive.ads import kinds
from verticals.automotive.ads.creative import SPECS, templates_for
from verticals.automotive.ads.models import AdBreach, CreativeTemplate, VehicleAd
from verticals.automotive.inventory.models import Vehicle

from ..inventory.factories import VINS
from .editor_support import civic, dealer_rooftop, dealer_workspace, placed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

WHEN = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def dealer() -> Workspace:
    workspace = dealer_workspace()
    placed(workspace)
    return workspace


@pytest.fixture
def vehicle(dealer: Workspace) -> Vehicle:
    return civic(dealer_rooftop(dealer))


@pytest.fixture
def rival() -> Workspace:
    return dealer_workspace(slug="rival", name="Rival Motors")


def editor_url(workspace: Workspace, kind: str, view: str = "editor") -> str:
    return reverse(f"admin:vertical_automotive_creativetemplate_{view}", args=[workspace.pk, kind])


def ads_of(vehicle: Vehicle) -> tuple[VehicleAd, VehicleAd, AdBreach]:
    action = action_propose(
        workspace=vehicle.workspace,
        proposer=vehicle.workspace.agent_user,
        draft=ActionDraft(
            agent=kinds.AGENT,
            kind=kinds.PAUSE,
            channel="paid_social",
            idempotency_key=f"pause:{vehicle.pk}",
            rationale="sold",
            payload={"vehicle_ids": [vehicle.pk]},
        ),
    ).action
    live = VehicleAd.objects.create(
        workspace_id=vehicle.workspace_id,
        vehicle=vehicle,
        channel="paid_social",
        state="live",
        external_id="23851001",
        action=action,
        changed_at=WHEN,
    )
    failed = VehicleAd.objects.create(
        workspace_id=vehicle.workspace_id,
        vehicle=vehicle,
        channel="paid_search",
        state="failed",
        external_id="",
        changed_at=WHEN,
        error="RESOURCE_EXHAUSTED: quota",
    )
    breach = AdBreach.objects.create(
        workspace_id=vehicle.workspace_id,
        vehicle_ad=live,
        vehicle=vehicle,
        channel="paid_social",
        sold_at=WHEN,
        detected_at=WHEN,
        action=action,
    )
    return live, failed, breach


def test_the_vehicle_page_shows_its_ads_and_breaches(dealer: Workspace, vehicle: Vehicle) -> None:
    live, failed, breach = ads_of(vehicle)

    page = member_client(dealer, "viewer").get(
        reverse("admin:vertical_automotive_vehicle_change", args=[vehicle.pk])
    )

    assert page.status_code == 200
    html = page.content.decode()
    ads = page.context["inline_admin_formsets"]
    names = [formset.opts.model for formset in ads]
    assert names[:2] == [VehicleAd, AdBreach]
    assert [f.original for f in ads[0]] == [failed, live]  # by channel
    assert [f.original for f in ads[1]] == [breach]
    assert "23851001" in html
    assert "RESOURCE_EXHAUSTED: quota" in html
    assert reverse("admin:agents_agentaction_change", args=[live.action_id]) in html
    assert "Ads live 48 hours after the sale (CA Veh. Code 11614(c))" in html


def test_the_ads_list_filters_by_state_and_channel_and_is_read_only(
    dealer: Workspace, vehicle: Vehicle, rival: Workspace
) -> None:
    live, failed, _ = ads_of(vehicle)
    ads_of(civic(dealer_rooftop(rival), vin=VINS[1]))
    client = member_client(dealer, "owner")
    url = reverse("admin:vertical_automotive_vehiclead_changelist")

    everything = client.get(url)
    live_only = client.get(url, {"state": "live"})
    search_only = client.get(url, {"channel": "paid_search"})

    assert [ad.pk for ad in everything.context["cl"].result_list] == [failed.pk, live.pk]
    assert [ad.pk for ad in live_only.context["cl"].result_list] == [live.pk]
    assert [ad.pk for ad in search_only.context["cl"].result_list] == [failed.pk]
    assert "Rival Motors" not in everything.content.decode()
    add = client.get(reverse("admin:vertical_automotive_vehiclead_add"))
    assert add.status_code == 403


def test_the_breach_list_filters_the_unresolved(dealer: Workspace, vehicle: Vehicle) -> None:
    _, _, open_breach = ads_of(vehicle)
    closed = AdBreach.objects.create(
        workspace=dealer,
        vehicle_ad=open_breach.vehicle_ad,
        vehicle=vehicle,
        channel="paid_social",
        sold_at=datetime(2026, 2, 1, tzinfo=UTC),
        detected_at=datetime(2026, 2, 3, tzinfo=UTC),
        resolved_at=datetime(2026, 2, 3, 1, tzinfo=UTC),
    )
    client = member_client(dealer, "viewer")
    url = reverse("admin:vertical_automotive_adbreach_changelist")

    unresolved = client.get(url, {"unresolved": "yes"})
    resolved = client.get(url, {"unresolved": "no"})

    assert [b.pk for b in unresolved.context["cl"].result_list] == [open_breach.pk]
    assert [b.pk for b in resolved.context["cl"].result_list] == [closed.pk]


# --- the template editor ---------------------------------------------------------------------


def test_the_editor_shows_the_sources_and_the_preview_of_the_newest_vehicle(
    dealer: Workspace, vehicle: Vehicle
) -> None:
    page = member_client(dealer, "marketer").get(editor_url(dealer, "meta_vehicle_ad"))

    assert page.status_code == 200
    html = page.content.decode()
    assert [f["source"] for f in page.context["fields"]] == list(
        SPECS.get("meta_vehicle_ad").defaults().values()
    )
    assert page.context["chosen"] == vehicle
    assert page.context["result"].fields["headline"] == "2021 Honda Civic"
    assert '<dd data-field="headline"><pre>2021 Honda Civic</pre></dd>' in html
    assert page.context["findings"] == []
    assert "Findings (0)" in html
    assert "&quot;adset_id&quot;: &quot;2385&quot;" in html
    assert 'type="submit" class="default" value="Save"' in html


def test_saving_from_the_editor_goes_through_the_service(
    dealer: Workspace, vehicle: Vehicle
) -> None:
    client = member_client(dealer, "marketer")
    form = SPECS.get("meta_vehicle_ad").defaults() | {
        "vehicle": str(vehicle.pk),
        "headline": "{{ vehicle.name }} in {{ vehicle.exterior_color }}",
        "description": "",
    }

    saved = client.post(editor_url(dealer, "meta_vehicle_ad"), form)

    assert saved.status_code == 302
    assert saved["Location"] == editor_url(dealer, "meta_vehicle_ad") + f"?vehicle={vehicle.pk}"
    row = CreativeTemplate.objects.get(workspace=dealer, kind="meta_vehicle_ad")
    assert row.fields == {"headline": "{{ vehicle.name }} in {{ vehicle.exterior_color }}"}
    page = client.get(saved["Location"])
    assert page.context["result"].fields["headline"] == "2021 Honda Civic in Blue"


def test_a_syntax_error_is_shown_on_its_field_and_nothing_is_saved(
    dealer: Workspace, vehicle: Vehicle
) -> None:
    form = {"vehicle": str(vehicle.pk), "headline": "{{ vehicle.name }}\n{% for %}"}

    page = member_client(dealer, "marketer").post(editor_url(dealer, "meta_vehicle_ad"), form)

    assert page.status_code == 200
    headline = next(f for f in page.context["fields"] if f["spec"].name == "headline")
    assert headline["errors"] == ["Line 2: Expected an expression, got 'end of statement block'"]
    assert headline["source"] == "{{ vehicle.name }}\n{% for %}"
    assert not CreativeTemplate.objects.exists()
    # The preview shows the same error as a blocking finding of the edited source.
    assert page.context["result"].blocked


def test_a_viewer_previews_but_cannot_save(dealer: Workspace, vehicle: Vehicle) -> None:
    client = member_client(dealer, "viewer")

    page = client.get(editor_url(dealer, "google_rsa"))
    refused = client.post(editor_url(dealer, "google_rsa"), {"path1": "x"})

    assert page.status_code == 200
    assert 'value="Save"' not in page.content.decode()
    assert "readonly" in page.content.decode()
    assert refused.status_code == 403
    assert templates_for(dealer)["google_rsa"] == SPECS.get("google_rsa").defaults()


def test_the_preview_fragment_follows_unsaved_edits(dealer: Workspace, vehicle: Vehicle) -> None:
    long = "{{ vehicle.name }} {{ vehicle.trim }} at {{ rooftop.name }}, see it today"

    fragment = member_client(dealer, "viewer").post(
        editor_url(dealer, "meta_vehicle_ad", "preview"),
        {"vehicle": str(vehicle.pk), "headline": long},
    )

    assert fragment.status_code == 200
    html = fragment.content.decode()
    assert (
        '<dd data-field="headline"><pre>2021 Honda Civic EX at Lakeside Honda, see it today' in html
    )
    assert "headline: 51 characters; Meta recommends at most 40" in html
    assert "<html" not in html  # a fragment, not a page
    assert not CreativeTemplate.objects.exists()


def test_the_editor_and_preview_of_another_workspace_are_404(
    dealer: Workspace, vehicle: Vehicle, rival: Workspace
) -> None:
    foreign_vehicle = civic(dealer_rooftop(rival), vin=VINS[1], stock_number="RIVAL-9")
    client = member_client(dealer, "owner")

    assert client.get(editor_url(rival, "meta_vehicle_ad")).status_code == 404
    assert client.post(editor_url(rival, "meta_vehicle_ad"), {"headline": "x"}).status_code == 404
    assert client.post(editor_url(rival, "meta_vehicle_ad", "preview"), {}).status_code == 404
    assert client.get(editor_url(dealer, "no_such_kind")).status_code == 404
    assert client.get(editor_url(dealer, "meta_vehicle_ad", "preview")).status_code == 405
    # Another workspace's vehicle id is not a choice: the preview stays on the workspace's own.
    own = client.post(
        editor_url(dealer, "meta_vehicle_ad", "preview"), {"vehicle": str(foreign_vehicle.pk)}
    )
    assert own.context["vehicle"] == vehicle
    assert "RIVAL-9" not in own.content.decode()
    assert not CreativeTemplate.objects.exists()


def test_the_templates_list_links_each_creative_of_the_members_workspaces(
    dealer: Workspace, rival: Workspace
) -> None:
    page = member_client(dealer, "viewer").get(
        reverse("admin:vertical_automotive_creativetemplate_changelist")
    )

    assert page.status_code == 200
    html = page.content.decode()
    for spec in SPECS.all():
        assert editor_url(dealer, spec.key) in html
    assert str(editor_url(rival, "meta_vehicle_ad")) not in html
    assert "Rival Motors" not in html


def test_a_workspace_of_another_vertical_has_no_editor(workspace: Workspace) -> None:
    # The conftest's workspace is a b2b one: its owner reaches no creative of this vertical.
    client = member_client(workspace, "owner")

    assert client.get(editor_url(workspace, "meta_vehicle_ad")).status_code == 404
    listing = client.get(reverse("admin:vertical_automotive_creativetemplate_changelist"))
    assert listing.context["editor_links"] == []

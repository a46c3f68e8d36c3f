"""Many vehicles' creative at once (``vehicles_creative``) is exactly each vehicle's creative
alone (``vehicle_creative``), for every spec: the batch only shares what does not change."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from como.channels.models import ChannelAccount
from como.compliance.drafts import Sender, jurisdictions_of
from verticals.automotive.ads.creative import (
    SPECS,
    rooftop_data,
    vehicle_creative,
    vehicle_data,
    vehicles_creative,
)
from verticals.automotive.ads.creative.checks import RENDER_RULE
from verticals.automotive.ads.creative.specs import GOOGLE, META

NOW = datetime(2026, 12, 6, 12, tzinfo=UTC)
SENDER = Sender("Bench Motors", "1 Main St, Austin, TX 78701", "US")
JURISDICTIONS = jurisdictions_of("US", "TX")
PLACEMENTS = {
    "paid_social": {"adset_id": "123", "page_id": "456"},
    "paid_search": {"ad_group": "customers/111/adGroups/222"},
}
ACCOUNTS = {
    "paid_social": ChannelAccount(channel="paid_social", account_id="act_789", sender="456"),
    "paid_search": ChannelAccount(channel="paid_search", account_id="111"),
}
ROOFTOP = rooftop_data(
    {"id": 1, "name": "Bench Motors", "city": "Austin", "region": "TX", "country": "US"}
)
WORKSPACE = {"name": "Bench"}


def row(n: int, **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "id": n,
        "rooftop_id": 1,
        "vin": f"1HGCM8A60L{n:07d}",
        "stock_number": f"B{n:07d}",
        "year": 2020,
        "make": "Honda",
        "model": "Accord",
        "trim": "EX",
        "condition": "used",
        "certified": False,
        "mileage": 20_000 + n,
        "exterior_color": "Blue",
        "price": Decimal(18_000 + n),
        "dealer_charges": [{"label": "Doc fee", "amount": "199"}],
        "status": "available",
        "received_at": NOW,
        "first_seen_at": NOW,
        "photos": [f"https://img.example/{n}/1.jpg"],
        "vdp_url": f"https://dealer.example/v/{n}",
        "cost": Decimal(15_000),
    }
    values.update(changes)
    return values


VEHICLES = [
    vehicle_data(row(1), now=NOW),
    vehicle_data(row(2, trim="EX\x1eL", price=None), now=NOW),  # the separator; no price
    vehicle_data(row(3, model="アコード", condition="new", dealer_charges=[]), now=NOW),
    vehicle_data(row(4, vdp_url="http://dealer.example/v/4", photos=[]), now=NOW),
]


def batch(sources: dict[str, dict[str, str]]) -> dict[str, list[Any]]:
    return vehicles_creative(
        list(SPECS.all()),
        sources,
        vehicles=VEHICLES,
        rooftop=ROOFTOP,
        workspace=WORKSPACE,
        sender=SENDER,
        vertical="automotive",
        jurisdictions=JURISDICTIONS,
        at=NOW,
        placements=PLACEMENTS,
        accounts=ACCOUNTS,
    )


def alone(spec: Any, sources: dict[str, str], vehicle: dict[str, Any]) -> Any:
    return vehicle_creative(
        spec,
        sources,
        vehicle=vehicle,
        rooftop=ROOFTOP,
        workspace=WORKSPACE,
        sender=SENDER,
        vertical="automotive",
        jurisdictions=JURISDICTIONS,
        at=NOW,
        placement=PLACEMENTS.get(spec.channel),
        account=ACCOUNTS.get(spec.channel),
    )


@pytest.mark.parametrize("edited", ["defaults", "edited", "leaking", "unclosed", "separator"])
def test_the_batch_gives_each_vehicle_exactly_its_own_creative(edited: str) -> None:
    sources = {spec.key: spec.defaults() for spec in SPECS.all()}
    if edited == "edited":  # a workspace's own headline, and a broken description on one spec
        sources[META.key]["headline"] = (
            "{{ vehicle.make }} {{ vehicle.model }} in {{ rooftop.city }}"
        )
        sources[GOOGLE.key]["descriptions"] = "{{ vehicle.name }}\n{{ vehicle.nope }}"
    elif edited == "leaking":  # what one creative sets is not seen by the next one rendered
        mail = "direct_mail_piece"  # with it (the batch renders them in one call, key order)
        sources[mail]["headline"] = (
            "{% set made = 'by the mail piece' %}{% macro m() %}x{% endmacro %}{{ vehicle.name }}"
        )
        sources[GOOGLE.key]["path1"] = "{{ made }}"
        sources[META.key]["description"] = "{{ m() }}"
    elif edited == "unclosed":  # a tag one creative leaves open is not closed by the next
        sources["direct_mail_piece"]["offer_url"] = "{% if vehicle.vin %}{{ vehicle.vdp_url }}"
        sources[GOOGLE.key]["headlines"] = "{% endif %}" + sources[GOOGLE.key]["headlines"]
    elif edited == "separator":  # a template printing the separator itself
        sources[META.key]["description"] = "{{ '\\x1e' }}{{ vehicle.name }}"

    results = batch(sources)

    assert set(results) == {spec.key for spec in SPECS.all()}
    for spec in SPECS.all():
        assert len(results[spec.key]) == len(VEHICLES)
        for vehicle, result in zip(VEHICLES, results[spec.key], strict=True):
            assert result.as_dict() == alone(spec, sources[spec.key], vehicle).as_dict()


def test_batch_results_are_the_rendered_creatives() -> None:
    results = batch({})  # no sources: every spec's defaults

    meta, google = results[META.key], results[GOOGLE.key]
    assert meta[0].fields["headline"] == "2020 Honda Accord"
    assert meta[0].fields["description"] == "$18,200"  # price and the doc fee
    assert meta[0].payload["link"] == "https://dealer.example/v/1"
    assert not meta[0].blocked
    assert meta[0].fields["primary_text"] == (
        "Used 2020 Honda Accord, 20,001 mi. $18,200 incl. dealer fees, + tax, title, license. "
        "VIN 1HGCM8A60L0000001"
    )
    # No price: no price claim at all (never a bare "incl. dealer fees").
    assert (
        meta[1].fields["primary_text"] == "Used 2020 Honda Accord, 20,002 mi. VIN 1HGCM8A60L0000002"
    )
    # The separator a feed carried is gone from the text; the other fields are intact.
    assert (
        google[1].fields["descriptions"][0] == "2020 Honda Accord EXL, Blue. VIN 1HGCM8A60L0000002."
    )
    assert google[2].fields["headlines"][0] == "2020 Honda アコード"
    # Dealer fees are named only where there are some.
    assert google[0].fields["descriptions"][1] == (
        "$18,200 incl. dealer fees, plus tax, title & license. Bench Motors"
    )
    assert google[2].fields["descriptions"][1] == "$18,003, plus tax, title & license. Bench Motors"
    # An http:// detail page is refused by both platforms' request builders.
    assert meta[3].blocked
    assert google[3].blocked
    assert {f["evidence"]["field"] for f in google[3].findings if f["severity"] == "block"} == {
        "final_urls[0]"
    }


def test_a_broken_template_blocks_its_creative_for_every_vehicle_and_nothing_else() -> None:
    sources = {GOOGLE.key: {**GOOGLE.defaults(), "path1": "{{ vehicle.cost }}"}}

    results = batch(sources)

    for result in results[GOOGLE.key]:
        assert result.blocked
        assert [f["rule"] for f in result.findings] == [RENDER_RULE]
        assert (
            result.findings[0]["message"] == "path1: Line 1: 'dict object' has no attribute 'cost'"
        )
        assert result.fields == {}
    assert not any(result.blocked for result in results[META.key][:3])


def test_a_vehicle_that_is_not_plain_data_is_refused() -> None:
    class Owner:
        pass

    with pytest.raises(TypeError, match=r"context\.vehicle\.owner is a Owner"):
        vehicles_creative(
            [META],
            {},
            vehicles=[{**VEHICLES[0], "owner": Owner()}],
            rooftop=ROOFTOP,
            workspace=WORKSPACE,
            sender=SENDER,
            vertical="automotive",
            jurisdictions=JURISDICTIONS,
            at=NOW,
        )


def test_the_separator_is_removed_from_text_at_any_depth_and_markup_stays_markup() -> None:
    from markupsafe import Markup

    from como.creative import plain_context
    from verticals.automotive.ads.creative.render import SEPARATOR

    value = {
        "a": "x\x1ey",
        "b": Markup("<b>\x1e</b>"),
        "c": ("p\x1e", 1),
        "d": [{"e": "\x1ez"}, Decimal(1), None],
        "f": NOW,
    }

    cleaned = plain_context(value, strip=SEPARATOR)._data  # cleaned as it is made plain

    assert cleaned == {
        "a": "xy",
        "b": Markup("<b></b>"),
        "c": ["p", 1],
        "d": [{"e": "z"}, Decimal(1), None],
        "f": NOW,
    }
    assert type(cleaned["b"]) is Markup


def test_a_proposal_keeps_each_creative_once_in_its_platform_request() -> None:
    results = batch({GOOGLE.key: {**GOOGLE.defaults(), "path1": "{{ vehicle.cost }}"}})
    meta, google = results[META.key][0], results[GOOGLE.key][0]

    kept = meta.proposed()
    assert "fields" not in kept
    assert kept == {k: v for k, v in meta.as_dict().items() if k != "fields"}
    # Every rendered field is in the request the platform would be sent.
    for name in ("primary_text", "headline", "description", "link"):
        assert kept["payload"][name] == meta.fields[name]
    # A creative without a request (its render failed) keeps what it has: its findings.
    assert google.payload == {}
    assert google.proposed() == google.as_dict()
    assert google.proposed()["findings"][0]["rule"] == RENDER_RULE


def test_a_vehicles_creatives_of_one_escaping_mode_are_one_render(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The Meta ad, the Google ad and the mail piece (plain text) are one sandboxed render
    per vehicle, the email block (HTML) another; a failing combination falls back to each
    creative alone (the broken one named, the others rendered)."""
    from verticals.automotive.ads.creative import render

    calls: list[str] = []
    real = render.render_creative

    def counting(source: str, *args: Any, **kwargs: Any) -> str:
        calls.append(source)
        return real(source, *args, **kwargs)

    monkeypatch.setattr(render, "render_creative", counting)
    batch({})
    assert len(calls) == 2 * len(VEHICLES)

    calls.clear()
    results = batch({GOOGLE.key: {**GOOGLE.defaults(), "path2": "{{ vehicle.nope }}"}})
    # Plain text: the combined render fails, then each spec's joined fields, then the broken
    # spec's fields one by one (5 Google fields); the HTML one is one render as before.
    assert len(calls) == len(VEHICLES) * (1 + 3 + 5 + 1)
    assert all(r.blocked for r in results[GOOGLE.key])
    assert results[META.key][0].fields["headline"] == "2020 Honda Accord"

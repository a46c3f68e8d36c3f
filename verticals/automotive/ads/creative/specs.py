"""The vertical's creatives: one spec per kind of piece, with its default templates.

A field is ``text`` (rendered as is, trimmed) or ``lines`` (each non-empty line of the output
is one item: a responsive search ad's headlines). ``payload`` turns the rendered fields, the
vehicle and the placement into the payload the channel adapter's create kind takes, so the
adapter's own limits judge it exactly as it would be sent."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from como.registry import Registry

Rendered = Mapping[str, "str | list[str]"]


@dataclass(frozen=True)
class FieldSpec:
    name: str
    shape: Literal["text", "lines"]
    default: str
    help: str = ""


@dataclass(frozen=True)
class CreativeSpec:
    key: str
    channel: str
    title: str
    fields: tuple[FieldSpec, ...]
    #: Autoescaped HTML (an email block), or plain text.
    html: bool = False
    #: The adapter kind that creates the ad, and the one that pauses it (ad channels only).
    create_kind: str = ""
    pause_kind: str = ""
    payload: Callable[[Rendered, Mapping[str, Any], Mapping[str, Any]], dict[str, Any]] | None = (
        None
    )

    def defaults(self) -> dict[str, str]:
        return {f.name: f.default for f in self.fields}


def _text(rendered: Rendered, name: str) -> str:
    value = rendered.get(name, "")
    return value if isinstance(value, str) else "\n".join(value)


def _lines(rendered: Rendered, name: str) -> list[str]:
    value = rendered.get(name, [])
    return list(value) if isinstance(value, list) else [value] if value else []


def _meta_payload(
    rendered: Rendered, vehicle: Mapping[str, Any], placement: Mapping[str, Any]
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "adset_id": placement.get("adset_id") or "",
        "name": f"como vehicle {vehicle.get('vin')}",
        "status": placement.get("status") or "ACTIVE",
        "primary_text": _text(rendered, "primary_text"),
        "headline": _text(rendered, "headline"),
        "description": _text(rendered, "description"),
        "link": _text(rendered, "link"),
        "call_to_action": placement.get("call_to_action") or "LEARN_MORE",
    }
    if not payload["description"]:
        del payload["description"]
    if placement.get("page_id"):
        payload["page_id"] = placement["page_id"]
    return payload


def _search_payload(
    rendered: Rendered, vehicle: Mapping[str, Any], placement: Mapping[str, Any]
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "ad_group": placement.get("ad_group") or "",
        "headlines": _lines(rendered, "headlines"),
        "descriptions": _lines(rendered, "descriptions"),
        "final_urls": [_text(rendered, "final_url")],
        "status": placement.get("status") or "ENABLED",
    }
    for name in ("path1", "path2"):
        if value := _text(rendered, name):
            payload[name] = value
    return payload


CUT = '|truncate({n}, true, "", 0)'

META = CreativeSpec(
    key="meta_vehicle_ad",
    channel="paid_social",
    title="Meta dynamic vehicle ad",
    create_kind="social_ad_create",
    pause_kind="social_ad_pause",
    payload=_meta_payload,
    fields=(
        FieldSpec(
            "primary_text",
            "text",
            "{{ vehicle.condition_label }} {{ vehicle.name }}"
            "{% if vehicle.mileage_text and vehicle.condition != 'new' %}, "
            "{{ vehicle.mileage_text }} mi{% endif %}. "
            "{% if vehicle.advertised_price_text %}{{ vehicle.advertised_price_text }}"
            "{% if vehicle.dealer_fees %} incl. dealer fees{% endif %}"
            ", + tax, title, license. {% endif %}VIN {{ vehicle.vin }}",
            "The text above the photo (Meta recommends ≤ 125 characters). The default names "
            "the vehicle by year, model and VIN (CA Veh. Code 11713.1(a)) and prices it with "
            "every mandatory dealer charge.",
        ),
        FieldSpec(
            "headline",
            "text",
            "{{ vehicle.name" + CUT.format(n=40) + " }}",
            "Under the photo (≤ 40 recommended).",
        ),
        FieldSpec(
            "description",
            "text",
            "{{ vehicle.advertised_price_text }}",
            "Under the headline (≤ 30 recommended).",
        ),
        FieldSpec("link", "text", "{{ vehicle.vdp_url }}", "The vehicle's detail page."),
    ),
)

GOOGLE = CreativeSpec(
    key="google_rsa",
    channel="paid_search",
    title="Google responsive search ad",
    create_kind="search_ad_create",
    pause_kind="search_ad_pause",
    payload=_search_payload,
    fields=(
        FieldSpec(
            "headlines",
            "lines",
            "{{ vehicle.name" + CUT.format(n=30) + " }}\n"
            "{{ (vehicle.condition_label ~ ' ' ~ vehicle.make ~ ' ' ~ vehicle.model)"
            + CUT.format(n=30)
            + " }}\n"
            "{{ ('At ' ~ rooftop.name)" + CUT.format(n=30) + " }}\n"
            "{% if vehicle.advertised_price_text %}"
            "{{ (vehicle.advertised_price_text ~ ' Plus Tax & Tags')" + CUT.format(n=30) + " }}"
            "{% endif %}\n"
            "{{ ('Stock #' ~ vehicle.stock_number)" + CUT.format(n=30) + " }}",
            "3 to 15 headlines, one per line, ≤ 30 characters each.",
        ),
        FieldSpec(
            "descriptions",
            "lines",
            "{{ (vehicle.name ~ ' ' ~ vehicle.trim ~ ', ' ~ vehicle.exterior_color ~ '. VIN '"
            " ~ vehicle.vin ~ '.')" + CUT.format(n=90) + " }}\n"
            "{% if vehicle.advertised_price_text %}{{ (vehicle.advertised_price_text ~ "
            "(' incl. dealer fees' if vehicle.dealer_fees else '') ~ "
            "', plus tax, title & license. ' ~ rooftop.name)"
            + CUT.format(n=90)
            + " }}{% else %}{{ ('See it today at ' ~ rooftop.name ~ '.')"
            + CUT.format(n=90)
            + " }}{% endif %}",
            "2 to 4 descriptions, one per line, ≤ 90 characters each.",
        ),
        FieldSpec("final_url", "text", "{{ vehicle.vdp_url }}", "The vehicle's detail page."),
        FieldSpec("path1", "text", "{{ vehicle.make" + CUT.format(n=15) + " }}", "≤ 15."),
        FieldSpec("path2", "text", "{{ vehicle.model" + CUT.format(n=15) + " }}", "≤ 15."),
    ),
)

EMAIL = CreativeSpec(
    key="email_vehicle_block",
    channel="email",
    title="Email vehicle block",
    html=True,
    fields=(
        FieldSpec(
            "heading",
            "text",
            "{{ vehicle.condition_label }} {{ vehicle.name }} {{ vehicle.trim }}",
        ),
        FieldSpec(
            "body",
            "text",
            '{% if vehicle.photo %}<img src="{{ vehicle.photo }}" alt="{{ vehicle.name }}" '
            'width="600">{% endif %}\n'
            "<p>{{ vehicle.advertised_price_text }}"
            "{% if vehicle.dealer_fees %} including {{ vehicle.dealer_fees_text }} in dealer "
            "fees{% endif %}, plus tax, title and license.</p>\n"
            "<p>{{ vehicle.exterior_color }}"
            "{% if vehicle.mileage_text %}, {{ vehicle.mileage_text }} miles{% endif %}. "
            "Stock #{{ vehicle.stock_number }}, VIN {{ vehicle.vin }}.</p>\n"
            '<p><a href="{{ vehicle.vdp_url }}">See it at {{ rooftop.name }}</a></p>',
        ),
    ),
)

DIRECT_MAIL = CreativeSpec(
    key="direct_mail_piece",
    channel="direct_mail",
    title="Direct-mail piece",
    fields=(
        FieldSpec("headline", "text", "The {{ vehicle.name }} you asked about is here"),
        FieldSpec(
            "body",
            "text",
            "{{ vehicle.condition_label }} {{ vehicle.name }} {{ vehicle.trim }}, "
            "{{ vehicle.exterior_color }}. {{ vehicle.advertised_price_text }}"
            "{% if vehicle.dealer_fees %} including {{ vehicle.dealer_fees_text }} in dealer "
            "fees{% endif %}, plus tax, title and license. Stock #{{ vehicle.stock_number }}, "
            "VIN {{ vehicle.vin }}.\n{{ rooftop.name }}, {{ rooftop.address }}",
        ),
        FieldSpec("offer_url", "text", "{{ vehicle.vdp_url }}"),
    ),
)

#: The creatives by key; a vertical part that brings another piece registers it here.
SPECS: Registry[CreativeSpec] = Registry("vehicle creative")
for _spec in (META, GOOGLE, EMAIL, DIRECT_MAIL):
    SPECS.register(_spec.key, _spec)


def spec_for_channel(channel: str) -> CreativeSpec:
    """The creative an ad channel launches (``paid_social`` → the Meta vehicle ad)."""
    for spec in SPECS.all():
        if spec.channel == channel and spec.create_kind:
            return spec
    raise LookupError(f"No vehicle creative launches ads on {channel!r}.")

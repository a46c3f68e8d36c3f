"""The rules the ad adapters share through como.channels.ads.common."""

from __future__ import annotations

from typing import Any

from como.channels.ads import common
from como.channels.models import ChannelAccount


def test_meta_and_linkedin_texts_count_characters_not_display_width() -> None:
    limits = common.Limits()
    assert limits.characters({"headline": "広" * 40}, "headline", max_width=40) == "広" * 40
    assert limits.errors == {}
    limits.characters({"headline": "広" * 41}, "headline", max_width=40)
    assert limits.errors == {"headline": "At most 40 characters (41 given)."}
    # Google counts a wide character twice: the same 30 characters are too wide there.
    google = common.Limits()
    google.text("headline", "広" * 30, max_width=40)
    assert google.errors == {"headline": "At most 40 characters (60 given)."}


def test_display_width_counts_wide_characters_twice_and_ascii_once() -> None:
    every_ascii = "".join(chr(code) for code in range(128))
    assert common.display_width(every_ascii) == 128
    assert common.display_width("Honda Accord $18,995") == 20
    assert common.display_width("広告 Ad") == 7  # two wide characters, a space and two letters
    assert common.display_width("\uff28\uff4f\uff4e\uff44\uff41") == 10  # full-width "Honda"
    assert common.display_width("Café") == 4  # not ASCII, not wide
    assert common.display_width("") == 0


def test_an_optional_text_may_be_left_out_but_not_be_blank() -> None:
    limits = common.Limits()
    assert limits.characters({}, "description", max_width=30, required=False) == ""
    limits.characters({"description": "  "}, "description", max_width=30, required=False)
    limits.characters({}, "headline", max_width=30)
    assert limits.errors == {"description": "Must not be blank.", "headline": "Required."}


def test_the_ad_account_id_is_digits_after_the_platforms_prefix() -> None:
    limits = common.Limits()
    account = ChannelAccount(account_id=" act_1234 ")
    assert common.ad_account_id(account, limits, prefix="act_", missing="Set it.") == "1234"
    assert limits.errors == {}
    common.ad_account_id(
        ChannelAccount(account_id="act_x"), limits, prefix="act_", missing="Set it."
    )
    assert limits.errors == {"ad_account": "Set it."}
    assert common.ad_account_id(None, common.Limits(), prefix="act_", missing="m") == ""


def _refusal(call: object, *args: object) -> dict[str, str] | None:
    from como.channels.errors import PayloadInvalid

    try:
        call(*args)  # type: ignore[operator]
    except PayloadInvalid as invalid:
        return dict(invalid.errors)
    return None


def test_judging_a_creative_checks_exactly_what_the_request_builder_refuses() -> None:
    """``PlatformLimits.check`` (what judging hundreds of creatives runs) raises what
    ``build`` raises, field for field and in the same order, without assembling the request."""
    from como.channels.ads import search, social
    from como.channels.errors import PayloadInvalid

    meta_account = ChannelAccount(channel="paid_social", account_id="act_1", sender="2")
    google_account = ChannelAccount(channel="paid_search", account_id="111")
    meta_ok = {
        "adset_id": "3",
        "primary_text": "Used 2020 Honda Accord",
        "headline": "2020 Honda Accord",
        "link": "https://dealer.example/v/1",
    }
    google_ok = {
        "ad_group": "customers/111/adGroups/2",
        "headlines": ["One", "Two", "Three"],
        "descriptions": ["One.", "Two."],
        "final_urls": ["https://dealer.example/v/1"],
    }
    cases: list[tuple[common.PlatformLimits, ChannelAccount | None, dict[str, Any]]] = [
        (social.LIMITS, meta_account, meta_ok),
        (social.LIMITS, meta_account, {**meta_ok, "creative_id": "44"}),
        (social.LIMITS, None, {**meta_ok, "creative_id": "x", "status": "LIVE"}),
        (social.LIMITS, meta_account, {"headline": "x" * 300, "link": "http://a b"}),
        (social.LIMITS, ChannelAccount(channel="paid_social", account_id="act_1"), meta_ok),
        (search.LIMITS, google_account, google_ok),
        (search.LIMITS, None, {**google_ok, "ad_group": "customers/9/adGroups/2"}),
        (search.LIMITS, google_account, {"headlines": ["x" * 31], "path2": "p", "status": "ON"}),
    ]
    refused = 0
    for limits, account, payload in cases:
        assert limits.check is not None
        built = _refusal(limits.build, payload, account)
        assert _refusal(limits.check, payload, account) == built
        if built is not None:
            assert list(_refusal(limits.check, payload, account) or {}) == list(built)
        refused += built is not None
        # ... and so the findings a creative gets are those of the full build.
        assert limits.findings(payload, account) == (
            common.payload_findings(limits.channel, PayloadInvalid(built), limits.citation)
            if built is not None
            else []
        ) + list(limits.advice(payload))
    assert refused == 4  # both kinds of case: passing and refused

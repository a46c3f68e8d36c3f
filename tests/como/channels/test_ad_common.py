"""The rules the ad adapters share through como.channels.ads.common."""

from __future__ import annotations

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

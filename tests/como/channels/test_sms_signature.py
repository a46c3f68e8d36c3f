"""X-Twilio-Signature: Twilio's published examples, and what must not verify."""

from __future__ import annotations

import base64
import hashlib
import hmac

from como.channels.sms.signature import (
    twilio_signature,
    twilio_signature_base,
    twilio_signature_valid,
)

URL = "https://mycompany.com/myapp.php?foo=1&bar=2"


def _params(caller: str) -> dict[str, list[str]]:
    return {
        "CallSid": ["CA1234567890ABCDE"],
        "Caller": [caller],
        "Digits": ["1234"],
        "From": [caller],
        "To": ["+18005551212"],
    }


def test_twilios_documented_examples() -> None:
    # Twilio's webhook-security page and its SDKs' test suites, auth token "12345".
    assert twilio_signature("12345", URL, _params("+14158675310")) == "GvWf1cFY/Q7PnoempGyD5oXAezc="
    assert twilio_signature("12345", URL, _params("+14158675309")) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_the_signed_string_is_the_url_then_name_value_pairs_in_name_order() -> None:
    shuffled = dict(reversed(list(_params("+14158675309").items())))
    assert twilio_signature_base(URL, shuffled) == (
        URL + "CallSidCA1234567890ABCDE" + "Caller+14158675309" + "Digits1234"
        "From+14158675309" + "To+18005551212"
    )


def test_repeated_parameters_sign_each_value_sorted() -> None:
    expected = base64.b64encode(
        hmac.new(b"k", b"https://x/hMediaUrlaMediaUrlbTo1", hashlib.sha1).digest()
    ).decode()
    assert twilio_signature("k", "https://x/h", {"To": ["1"], "MediaUrl": ["b", "a"]}) == expected


def test_valid_only_with_the_right_token_url_params_and_signature() -> None:
    params = _params("+14158675310")
    good = "GvWf1cFY/Q7PnoempGyD5oXAezc="
    check = twilio_signature_valid
    assert check(auth_token="12345", urls=[URL], params=params, signature=good)
    assert check(auth_token="12345", urls=["https://other/", URL], params=params, signature=good)
    assert not check(auth_token="54321", urls=[URL], params=params, signature=good)
    assert not check(auth_token="12345", urls=[URL + "&baz=3"], params=params, signature=good)
    assert not check(
        auth_token="12345", urls=[URL], params={**params, "Digits": ["9999"]}, signature=good
    )
    assert not check(auth_token="12345", urls=[URL], params=params, signature=good.lower())
    assert not check(auth_token="12345", urls=[URL], params=params, signature="")
    assert not check(auth_token="", urls=[URL], params=params, signature=good)

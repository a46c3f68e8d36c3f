"""What a platform or a webhook receiver answers goes through the same decoder: an answer
jsonb could not hold is not taken for JSON (a NaN stored in an action's result, or 5,000
levels decoded in a worker, failed the task)."""

from __future__ import annotations

import json

import httpx
import pytest

from como.agents.webhook import _bounded
from como.channels.transports import TransportResponse

BAD_ANSWERS = ['{"sid": NaN}', '{"sid": "\\ud800"}', '{"sid": "a\\u0000"}', "[" * 5000 + "]" * 5000]


@pytest.mark.parametrize("body", BAD_ANSWERS)
def test_a_platform_answer_that_jsonb_cannot_hold_is_not_json(body: str) -> None:
    with pytest.raises(json.JSONDecodeError):
        TransportResponse(status=200, body=body).json()


def test_a_platform_answer_that_can_be_stored_is_json() -> None:
    assert TransportResponse(status=200, body='{"sid": "SM1", "n": 1e3}').json() == {
        "sid": "SM1",
        "n": 1000.0,
    }


@pytest.mark.parametrize("body", [*BAD_ANSWERS[:3], "[" * 100 + "]" * 100])
def test_a_webhook_receiver_s_answer_is_kept_as_storable_text(body: str) -> None:
    response = httpx.Response(200, headers={"content-type": "application/json"}, text=body)
    kept = _bounded(response)
    assert isinstance(kept, str)
    assert "\x00" not in kept

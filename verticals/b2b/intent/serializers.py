"""The intent API's shapes: the batch in and its per-item results out (documented from the
pydantic model that validates them, as the events API is), a stored signal, and an account's
intent explained."""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired

from pydantic import Field, TypeAdapter
from rest_framework import serializers
from typing_extensions import TypedDict

from como.ingest.openapi import AdapterDoc
from como.workspaces.api_base import AwareDateTimeField

from .models import IntentSignal
from .schema import SignalIn
from .services import MAX_BATCH

#: The intent figures are shown to this many decimals (each on its own).
DISPLAY_DECIMALS = 2


class SignalBatch(TypedDict):
    """Up to MAX_BATCH signals in one request."""

    signals: Annotated[list[SignalIn], Field(min_length=1, max_length=MAX_BATCH)]


class SignalResultOut(TypedDict):
    index: int
    status: Literal["created", "updated", "unchanged", "superseded", "rejected"]
    id: int | None
    account: int | None
    errors: NotRequired[dict[str, list[str]]]


class SignalBatchResponse(TypedDict):
    results: list[SignalResultOut]
    created: int
    updated: int
    unchanged: int
    superseded: int
    rejected: int


BATCH_DOC = AdapterDoc("IntentSignalBatch", TypeAdapter(SignalBatch))
BATCH_RESPONSE_DOC = AdapterDoc(
    "IntentSignalBatchResponse", TypeAdapter(SignalBatchResponse), mode="serialization"
)


def batch_response(results: list[Any]) -> SignalBatchResponse:
    counts = dict.fromkeys(("created", "updated", "unchanged", "superseded", "rejected"), 0)
    items: list[SignalResultOut] = []
    for result in results:
        counts[result.status] += 1
        item: SignalResultOut = {
            "index": result.index,
            "status": result.status,
            "id": result.id,
            "account": result.account,
        }
        if result.errors is not None:
            item["errors"] = result.errors
        items.append(item)
    return {
        "results": items,
        "created": counts["created"],
        "updated": counts["updated"],
        "unchanged": counts["unchanged"],
        "superseded": counts["superseded"],
        "rejected": counts["rejected"],
    }


class IntentSignalSerializer(serializers.ModelSerializer):
    class Meta:
        model = IntentSignal
        fields = [
            "id",
            "provider",
            "account",
            "domain",
            "topic",
            "score",
            "buying_stage",
            "week",
            "observed_at",
            "occurred_at",
            "keywords",
            "profile_fit",
            "profile_score",
            "source",
            "received_at",
            "revision",
        ]
        read_only_fields = fields


class IntentQuerySerializer(serializers.Serializer):
    at = AwareDateTimeField(
        required=False, help_text="The instant to read intent at (ISO 8601 with offset); now."
    )


class SignalPartSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    provider = serializers.CharField()
    topic = serializers.CharField()
    score = serializers.IntegerField()
    buying_stage = serializers.CharField()
    week = serializers.DateField()
    occurred_at = serializers.DateTimeField()
    status = serializers.ChoiceField(
        choices=["surge", "capped", "below_bar"],
        help_text="surge: counts; capped: a surge over the week's cap; below_bar: under it.",
    )
    points = serializers.FloatField(help_text="What it added when it occurred.")
    decay_factor = serializers.FloatField(help_text="The share of its points left at `at`.")
    value = serializers.FloatField(help_text="points * decay_factor: its part of `intent`.")


class AccountIntentSerializer(serializers.Serializer):
    account = serializers.IntegerField()
    domain = serializers.CharField()
    at = serializers.DateTimeField()
    intent = serializers.FloatField(help_text="The sum of the signals' values at `at`.")
    surges = serializers.IntegerField(help_text="Signals counting as surges by then.")
    surge_bar = serializers.IntegerField()
    points_per_score = serializers.FloatField()
    max_surges_per_week = serializers.IntegerField()
    rate_per_quarter = serializers.FloatField(help_text="The decay contact intent uses.")
    signals = SignalPartSerializer(many=True, help_text="Newest first; later ones left out.")


def account_intent_body(account: Any, intent: Any) -> dict[str, Any]:
    """An :class:`~.engine.AccountIntent` as the API shows it, rounded for display."""
    return {
        "account": account.pk,
        "domain": account.domain,
        "at": intent.at,
        "intent": round(intent.intent, DISPLAY_DECIMALS),
        "surges": intent.surges,
        "surge_bar": intent.surge_bar,
        "points_per_score": intent.points_per_score,
        "max_surges_per_week": intent.max_surges_per_week,
        "rate_per_quarter": intent.rate_per_quarter,
        "signals": [
            {
                "id": part.signal.id,
                "provider": part.signal.provider,
                "topic": part.signal.topic,
                "score": part.signal.score,
                "buying_stage": part.signal.buying_stage,
                "week": part.signal.week,
                "occurred_at": part.signal.occurred_at,
                "status": part.status,
                "points": round(part.points, DISPLAY_DECIMALS),
                "decay_factor": round(part.factor, 6),
                "value": round(part.value, DISPLAY_DECIMALS),
            }
            for part in intent.parts
        ],
    }

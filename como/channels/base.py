"""The channel adapter protocol and the registry of adapters by key.

An adapter turns an approved action into what its platform needs and sends it:

- ``preflight(action, at=…)``: the compliance report for the action as it stands now (the
  engine's generic and vertical checks, plus the platform's own limits). It runs when the action
  is proposed and again right before execution; a blocking finding stops the send.
- ``execute(action, idempotency_key)``: send it. A second call with the same key sends nothing
  more. Raise :class:`~como.channels.errors.TransientError` for what is worth retrying.
- ``sync_metrics(workspace_id=…, day=…)``: the day's counts per campaign, for
  :mod:`como.campaigns` to store.

Adapters register by key; agents find them by the action kinds they declare.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from como.compliance.findings import Report
from como.registry import AlreadyRegistered, Registry
from como.workspaces.models import Workspace


class ActionLike(Protocol):
    """What an adapter reads of an agent action (agents live above channels)."""

    pk: Any
    workspace: Workspace
    workspace_id: int
    kind: str
    channel: str
    payload: Any
    target_type: str
    target_id: str


@dataclass(frozen=True, slots=True)
class MetricRow:
    channel: str
    day: date
    campaign_id: int | None
    #: sent, delivered, opened, clicked, unsubscribed, bounced, impressions, clicks, spend.
    counts: Mapping[str, int | Decimal] = field(default_factory=dict)


class ChannelAdapter(Protocol):
    @property
    def key(self) -> str: ...

    @property
    def kinds(self) -> frozenset[str]: ...

    def preflight(self, action: ActionLike, *, at: datetime) -> Report: ...

    def execute(self, action: ActionLike, idempotency_key: str) -> Mapping[str, Any]: ...

    def sync_metrics(self, *, workspace_id: int, day: date) -> list[MetricRow]: ...


#: Adapters by channel key, and the same adapters by each action kind they execute (a kind
#: belongs to one channel).
ADAPTERS: Registry[ChannelAdapter] = Registry("channel adapter")
ADAPTERS_BY_KIND: Registry[ChannelAdapter] = Registry("channel adapter for the action kind")
# The live entries, under the names tests patch.
_adapters, _by_kind = ADAPTERS.entries, ADAPTERS_BY_KIND.entries


def register_adapter(adapter: ChannelAdapter) -> ChannelAdapter:
    # Every kind is checked before anything is registered, so a refusal leaves no half.
    for kind in adapter.kinds:
        owner = ADAPTERS_BY_KIND.find(kind)
        if owner is not None and owner is not adapter:
            message = f"Action kind {kind!r} already belongs to channel {owner.key!r}."
            raise AlreadyRegistered(ADAPTERS_BY_KIND.what, kind, message)
    ADAPTERS.register(adapter.key, adapter)
    for kind in adapter.kinds:
        ADAPTERS_BY_KIND.register(kind, adapter)
    return adapter


def registered_adapters() -> list[ChannelAdapter]:
    return ADAPTERS.all()


def adapter_get(key: str) -> ChannelAdapter:
    return ADAPTERS.get(key)


def adapter_for_kind(kind: str) -> ChannelAdapter | None:
    return ADAPTERS_BY_KIND.find(kind)

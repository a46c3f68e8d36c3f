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


_adapters: dict[str, ChannelAdapter] = {}
_by_kind: dict[str, ChannelAdapter] = {}


def register_adapter(adapter: ChannelAdapter) -> ChannelAdapter:
    existing = _adapters.get(adapter.key)
    if existing is not None and existing is not adapter:
        raise ValueError(f"Another channel adapter is registered as {adapter.key!r}.")
    for kind in adapter.kinds:
        owner = _by_kind.get(kind)
        if owner is not None and owner is not adapter:
            raise ValueError(f"Action kind {kind!r} already belongs to channel {owner.key!r}.")
    _adapters[adapter.key] = adapter
    for kind in adapter.kinds:
        _by_kind[kind] = adapter
    return adapter


def registered_adapters() -> list[ChannelAdapter]:
    return [_adapters[key] for key in sorted(_adapters)]


def adapter_get(key: str) -> ChannelAdapter:
    try:
        return _adapters[key]
    except KeyError:
        raise LookupError(f"No channel adapter is registered as {key!r}.") from None


def adapter_for_kind(kind: str) -> ChannelAdapter | None:
    return _by_kind.get(kind)

"""API keys remembered in process for the single-event edge (:mod:`como.ingest.edge`).

Looking a key up costs a PostgreSQL round trip per request; the edge answers thousands of
requests a second with a handful of keys, so each web process keeps ``digest → (key,
workspace)`` for :data:`TTL_SECONDS`. A revocation must not wait for that: every change that
takes a key away (:func:`api_keys_changed`, called after the commit of a revocation or a
deletion) bumps an epoch counter in Redis. An entry remembers the epoch read just before the
key itself; the round trip that charges the rate limits
(:func:`como.workspaces.ratelimits.edge_charge`) compares it with the epoch then, and a
request whose key was read under an older one is not accepted by the edge (the full path
answers it, and the key is read again). Without Redis the edge accepts nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime

import redis
from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from .authentication import _active_key
from .models import ApiKey, Workspace
from .ratelimits import edge_epoch

logger = logging.getLogger(__name__)

#: How long a key is trusted without asking PostgreSQL, when no revocation says otherwise.
TTL_SECONDS = 5.0
#: The Redis counter bumped by every revocation or deletion of a key.
EPOCH_KEY = "como:apikeys:epoch"
_MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class CachedKey:
    key_id: int
    workspace_id: int
    last_used_at: datetime | None
    fetched_at: float  # time.monotonic()
    epoch: str  # EPOCH_KEY's value read just before the key was


class KeyCache:
    """``digest → CachedKey`` of unrevoked keys, per process (thread-safe)."""

    def __init__(self) -> None:
        self._entries: dict[str, CachedKey] = {}
        self._lock = threading.Lock()
        self._fetching = threading.Lock()

    def get(self, digest: str) -> CachedKey | None:
        entry = self._entries.get(digest)
        if entry is not None and time.monotonic() - entry.fetched_at > TTL_SECONDS:
            self.forget(digest)
            return None
        return entry

    def fetch(self, digest: str) -> CachedKey | None:
        """Look the key up in PostgreSQL (on this thread's connection) and remember it; None
        when it is unknown or revoked, or Redis is unreachable (no epoch to remember).

        One fetch at a time per process: when an entry expires, every request thread of the
        process misses it at once, and each would ask Redis and PostgreSQL the same thing
        (measured: 7 % of a web worker's CPU at 16 threads). The ones that waited take what
        the first one read."""
        with self._fetching:
            entry = self.get(digest)
            if entry is not None:
                return entry
            return self._fetch(digest)

    def _fetch(self, digest: str) -> CachedKey | None:
        epoch = edge_epoch(EPOCH_KEY)  # first: a revocation after this read changes it
        if epoch is None:
            return None
        key = _active_key(digest)
        if key is None:
            self.forget(digest)
            return None
        entry = CachedKey(key.pk, key.workspace_id, key.last_used_at, time.monotonic(), epoch)
        with self._lock:
            if len(self._entries) >= _MAX_ENTRIES:
                self._entries.clear()  # a flood of distinct valid keys: start over
            self._entries[digest] = entry
        return entry

    def forget(self, digest: str) -> None:
        with self._lock:
            self._entries.pop(digest, None)


key_cache = KeyCache()


def api_keys_changed() -> None:
    """Tell every web process to look its remembered keys up again, once this commits."""
    transaction.on_commit(_bump_epoch)


def _bump_epoch() -> None:
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2)
        client.incr(EPOCH_KEY)
        client.close()
    except redis.RedisError:
        logger.warning("API key change not broadcast (Redis unreachable): %ss TTL", TTL_SECONDS)


@receiver(post_delete, sender=ApiKey)
@receiver(post_delete, sender=Workspace)
def _deleted(**kwargs: object) -> None:
    api_keys_changed()

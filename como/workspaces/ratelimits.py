"""Rate limits kept in Redis: a fixed window per (scope, caller), charged atomically.

A rate is written as DRF writes it, ``"<count>/<period>"`` with the period ``s``, ``m``, ``h``
or ``d`` (``"600000/m"``). A window opens with a caller's first charge and lasts one period;
within it the charges (requests, or events for bulk ingest) may add up to the count. A charge
that would pass the count is refused and *not* recorded, so a refused batch does not eat the
budget of the next one; the caller is told how long the window still runs (``Retry-After``).

Checking and charging is one Lua script: DRF's ``SimpleRateThrottle`` reads the history from
the cache and writes it back, so concurrent requests all pass a check that only one of them
should. A fixed window lets a caller spend up to twice the count across a window boundary;
that slack is accepted for an O(1) counter whose cost does not grow with the events charged.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from functools import cache

import redis
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

# KEYS[1] the counter; ARGV cost, limit, window in ms. Answers -1 when charged, else the
# milliseconds left in the window.
_CHARGE = """
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local cost = tonumber(ARGV[1])
if used + cost > tonumber(ARGV[2]) then
    local left = redis.call('PTTL', KEYS[1])
    if left < 0 then left = tonumber(ARGV[3]) end
    return left
end
if redis.call('INCRBY', KEYS[1], cost) == cost then
    redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return -1
"""


# The single-event edge's Redis conversation for a whole group commit (como/ingest/groupcommit.py),
# one round trip. KEYS[1] the API key epoch (como/workspaces/keycache.py), then per request
# the IP's auth-failure counter and the key's event counter. ARGV: failure limit, event limit,
# event window in ms, '1' to charge ('0': rate limits off), then per request the epoch its key
# was read under. Per request: 0 charged one event, 1 the IP is locked out, 2 the key is over
# its event rate, 3 its key was read under another epoch; only 0 is charged.
_EDGE = """
local epoch = redis.call('GET', KEYS[1]) or '0'
local fail_limit, event_limit = tonumber(ARGV[1]), tonumber(ARGV[2])
local codes = {}
for i = 1, (#KEYS - 1) / 2 do
    local failures, events = KEYS[2 * i], KEYS[2 * i + 1]
    local code = 0
    if ARGV[4 + i] ~= epoch then
        code = 3
    elseif ARGV[4] == '1' then
        if tonumber(redis.call('GET', failures) or '0') >= fail_limit then
            code = 1
        elseif tonumber(redis.call('GET', events) or '0') + 1 > event_limit then
            code = 2
        elseif redis.call('INCRBY', events, 1) == 1 then
            redis.call('PEXPIRE', events, ARGV[3])
        end
    end
    codes[i] = code
end
return codes
"""


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


def rate_parse(text: str) -> Rate:
    """``"600/m"`` → ``Rate(600, 60)``; ImproperlyConfigured for anything else."""
    count, _, period = text.strip().partition("/")
    seconds = _PERIODS.get(period.strip().lower()[:1]) if period.strip() else None
    if not count.strip().isdigit() or int(count) < 1 or seconds is None:
        raise ImproperlyConfigured(
            f"Rate {text!r}: write <count>/<s|m|h|d>, e.g. 600/m, with a count of 1 or more."
        )
    return Rate(int(count), seconds)


@cache
def _script(url: str) -> redis.commands.core.Script:
    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    return client.register_script(_CHARGE)


@cache
def _edge_script(url: str) -> redis.commands.core.Script:
    return _script(url).registered_client.register_script(_EDGE)


@cache
def _parsed(text: str) -> Rate:
    return rate_parse(text)


@dataclass(frozen=True)
class EdgeCharge:
    """One collect request to charge: its IP, its key's digest and the key epoch it was read
    under (:mod:`como.workspaces.keycache`)."""

    ip: str
    key_digest: str
    epoch: str


def edge_epoch(epoch_key: str) -> str | None:
    """The API key epoch now; None when Redis cannot be reached."""
    try:
        value = _script(settings.REDIS_URL).registered_client.get(epoch_key)
    except redis.RedisError:
        return None
    if value is None:
        return "0"
    return value.decode() if isinstance(value, bytes) else str(value)


def edge_charge(charges: list[EdgeCharge], *, epoch_key: str) -> list[int] | None:
    """Each request charged one event as :class:`~.throttling.RateLimitMiddleware` and
    :func:`~.throttling.ingest_charge` would charge it, all in one round trip: per request 0
    (charged), 1 (IP locked out), 2 (over the event rate) or 3 (its key was read before a
    revocation). None when Redis is unreachable. Every request but a 0 goes to the full path,
    which answers (or lets it through) exactly as it always did, charging it there.
    """
    failures = _parsed(settings.COMO_RATE_AUTH_FAILURES)
    events = _parsed(settings.COMO_RATE_INGEST_EVENTS)
    keys = [epoch_key]
    for charge in charges:
        keys.append(f"como:rate:auth-failures:{charge.ip}")
        keys.append(f"como:rate:ingest-events:key:{charge.key_digest}")
    args: list[str | int] = [failures.count, events.count, events.seconds * 1000]
    args.append("1" if settings.COMO_RATE_LIMITS else "0")
    args.extend(charge.epoch for charge in charges)
    try:
        codes = _edge_script(settings.REDIS_URL)(keys=keys, args=args)
    except redis.RedisError:
        logger.warning("collect edge: Redis is unreachable; the full path answers", exc_info=True)
        return None
    return [int(code) for code in codes]


def rate_charge(*, scope: str, ident: str, rate: str, cost: int = 1) -> float | None:
    """Charge ``cost`` to ``ident``'s window in ``scope``; the seconds to wait if refused.

    ``None`` means go ahead, and so does an unreachable Redis: the limits protect the service,
    they must not take it down with them (the failure is logged). A cost larger than the whole
    rate can never pass and is refused for a full period.
    """
    if not settings.COMO_RATE_LIMITS:
        return None
    limit = rate_parse(rate)
    key = f"como:rate:{scope}:{ident}"
    try:
        left_ms = _script(settings.REDIS_URL)(
            keys=[key], args=[cost, limit.count, limit.seconds * 1000]
        )
    except redis.RedisError:
        logger.warning("rate limit %s not applied: Redis is unreachable", scope, exc_info=True)
        return None
    if int(left_ms) < 0:
        return None
    return max(1.0, math.ceil(int(left_ms) / 1000))


def rate_exhausted(*, scope: str, ident: str, rate: str) -> float | None:
    """The seconds left in ``ident``'s window if it is used up, without charging anything."""
    if not settings.COMO_RATE_LIMITS:
        return None
    limit = rate_parse(rate)
    key = f"como:rate:{scope}:{ident}"
    try:
        pipeline = _script(settings.REDIS_URL).registered_client.pipeline()
        pipeline.get(key)
        pipeline.pttl(key)
        used, left_ms = pipeline.execute()
    except redis.RedisError:
        logger.warning("rate limit %s not applied: Redis is unreachable", scope, exc_info=True)
        return None
    if used is None or int(used) < limit.count:
        return None
    return max(1.0, math.ceil(max(int(left_ms), 0) / 1000))
